// claw project create|list|delete.
import { describe, expect, it } from 'vitest';
import { useControlPlane } from './fixture.js';

describe('project commands', () => {
  const c = useControlPlane();

  it('creates projects in a tenant and lists them', async () => {
    await c.must('claw tenant create acme');
    expect((await c.must('claw project create sales --tenant acme')).text).toBe('Project acme/sales created.');
    await c.must('claw project create hr --tenant acme --display-name "HR 人事"');
    const list = await c.must('claw project list --tenant acme');
    expect(list.result.projects.map((p: { name: string }) => p.name)).toEqual(['hr', 'sales']);
    expect(list.text).toContain('HR 人事');
  });

  it('uses the member\'s own tenant by default, the default tenant for platform members, and asks when there is none', async () => {
    const lead = await c.member('lead', 'acme', 'tenant-admin');
    expect((await c.must('claw project list', lead)).result.tenant).toBe('acme');
    expect((await c.must('claw project list')).result).toMatchObject({ tenant: 'default', projects: [{ name: 'default' }] });
    await c.must('claw project delete default --tenant default');
    await c.must('claw tenant delete default');
    const r = await c.run('claw project list');
    expect(r.code).toBe('invalid_argument');
    expect(r.text).toBe('Error: This command needs a tenant.\nAdd --tenant NAME.');
  });

  it('refuses a duplicate and a project in a tenant that does not exist', async () => {
    expect((await c.run('claw project create sales --tenant acme')).code).toBe('conflict');
    expect((await c.run('claw project create sales --tenant nope')).message).toBe('Tenant `nope` not found.');
  });

  it('deletes a project and the roles scoped to it', async () => {
    await c.member('dana', 'acme', 'viewer');
    await c.must('claw grant dana operator --tenant acme --project hr');
    await c.must('claw project delete hr --tenant acme');
    const members = await c.must('claw member list --tenant acme');
    expect(members.result.members.find((m: { name: string }) => m.name === 'dana').roles).toEqual(['viewer@acme']);
    expect((await c.run('claw project delete hr --tenant acme')).message).toBe('Project `acme/hr` not found.');
  });
});
