// claw member add|list|remove, claw grant, claw revoke, claw roles.
import { describe, expect, it } from 'vitest';
import { useControlPlane } from './fixture.js';

describe('member and role commands', () => {
  const c = useControlPlane();

  it('adds a member as viewer by default, with a display name', async () => {
    await c.must('claw tenant create acme');
    await c.must('claw project create sales --tenant acme');
    const r = await c.must('claw member add alice.wang --tenant acme --display-name "王丽"');
    expect(r.result.member).toEqual({ name: 'alice.wang', displayName: '王丽', tenant: 'acme', roles: ['viewer'], accounts: [] });
    expect(r.text).toBe('Added alice.wang to acme (viewer@acme). Next: claw token create --member alice.wang --tenant acme');
  });

  it('refuses an unknown role before creating the member', async () => {
    const r = await c.run('claw member add ghost --tenant acme --role wizard');
    expect(r.code).toBe('not_found');
    expect(r.text).toContain('Roles: platform-admin, tenant-admin, operator, developer, viewer, approver, instance-self, budget-guard');
    expect((await c.must('claw member list --tenant acme')).result.members.map((m: { name: string }) => m.name)).toEqual(['alice.wang']);
  });

  it('grants on the tenant and on a project, and lists roles per member', async () => {
    await c.must('claw grant alice.wang operator --tenant acme --project sales');
    expect((await c.must('claw grant alice.wang operator --tenant acme --project sales')).text).toBe('alice.wang already has operator@acme/sales.');
    const list = await c.must('claw member list --tenant acme');
    expect(list.result.members[0].roles).toEqual(['viewer@acme', 'operator@acme/sales']);
    expect(list.text).toContain('viewer@acme, operator@acme/sales');
  });

  it('revokes a role, and says so when there was none', async () => {
    expect((await c.must('claw revoke alice.wang operator --tenant acme --project sales')).text).toBe('Revoked operator@acme/sales from alice.wang.');
    expect((await c.run('claw revoke alice.wang operator --tenant acme --project sales')).message).toBe('Role binding `alice.wang operator@acme/sales` not found.');
  });

  it('lets a tenant admin manage members but not grant more than they hold', async () => {
    const lead = await c.member('lead', 'acme', 'tenant-admin');
    await c.must('claw member add op1 --role operator', lead);
    const r = await c.run('claw grant op1 platform-admin', lead);
    expect(r.code).toBe('forbidden');
    expect(r.message).toBe('You cannot grant role `platform-admin` on tenant acme: you lack * there yourself.');
  });

  it('manages platform members separately', async () => {
    await c.must('claw member add ops --platform --role platform-admin');
    expect((await c.must('claw member list --platform')).result.members.map((m: { name: string }) => m.name)).toEqual(['admin', 'ops']);
    expect((await c.must('claw member list')).result.tenant).toBeNull();
  });

  it('refuses to remove yourself, and to revoke the last platform admin', async () => {
    expect((await c.run('claw member remove admin --platform')).message).toBe('You cannot remove yourself; ask another admin.');
    const ops = await c.t.principal((await c.must('claw token create --member ops --platform')).result.token);
    await c.must('claw member remove admin --platform', ops);
    expect((await c.run('claw revoke ops platform-admin --platform', ops)).message).toBe('This is the last platform-admin; grant platform-admin to someone else first.');
    await c.must('claw member add temp --platform', ops);
    const temp = await c.t.principal((await c.must('claw token create --member temp --platform', ops)).result.token);
    expect((await c.run('claw member remove ops --platform', temp)).code).toBe('forbidden');
    c.admin = ops;
  });

  it('removes a member, whose tokens stop working at once', async () => {
    const token = (await c.must('claw token create --member alice.wang --tenant acme')).result.token;
    expect(await c.t.plane.identity.fromToken(token)).not.toBeNull();
    expect((await c.must('claw member remove alice.wang --tenant acme')).text).toBe('Removed alice.wang; their tokens no longer work.');
    expect(await c.t.plane.identity.fromToken(token)).toBeNull();
    expect((await c.run('claw member remove alice.wang --tenant acme')).message).toBe('Member `acme/alice.wang` not found.');
  });

  it('lists the roles with their permissions in both languages', async () => {
    const r = await c.run('claw roles', undefined, 'zh');
    expect(r.text).toContain('只读：查看状态、成员和用量，不做任何修改');
    const en = await c.run('claw roles');
    expect(en.result.roles.find((x: { name: string }) => x.name === 'viewer').permissions).toContain('instance:read');
  });
});
