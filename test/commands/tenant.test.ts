// claw tenant create|list|show|delete.
import { describe, expect, it } from 'vitest';
import { useControlPlane } from './fixture.js';

describe('tenant commands', () => {
  const c = useControlPlane();

  it('creates a tenant and says what to do next', async () => {
    const r = await c.must('claw tenant create acme --display-name "Acme Corp"');
    expect(r.result.tenant).toMatchObject({ name: 'acme', displayName: 'Acme Corp' });
    expect(r.text).toContain('Next:         claw project create NAME --tenant acme');
  });

  it('refuses names that cannot become a namespace', async () => {
    const r = await c.run(`claw tenant create ${'a'.repeat(41)}`);
    expect(r.code).toBe('invalid_argument');
    expect(r.message).toContain('longer than 40 characters');
  });

  it('lists tenants with counts, and shows one', async () => {
    await c.must('claw project create sales --tenant acme');
    await c.must('claw member add bob --tenant acme');
    const list = await c.must('claw tenant list');
    expect(list.result.tenants).toEqual([
      expect.objectContaining({ name: 'acme', projects: 1, members: 1 }),
      // Created at the first start, so `claw create demo` works at once.
      expect.objectContaining({ name: 'default', projects: 1, members: 0 }),
    ]);
    expect(list.text.split('\n')[0]).toMatch(/^NAME\s+DISPLAY NAME\s+PROJECTS\s+MEMBERS\s+AGE$/);
    const show = await c.must('claw tenant show acme');
    expect(show.result).toMatchObject({ projects: ['sales'], members: 1 });
    expect(show.text).toContain('Namespace:    claw-acme');
  });

  it('lists only the tenants a member may see', async () => {
    const viewer = await c.member('vic', 'acme', 'viewer');
    await c.must('claw tenant create empty');
    const r = await c.must('claw tenant list', viewer);
    expect(r.result.tenants.map((t: { name: string }) => t.name)).toEqual(['acme']);
  });

  it('refuses to delete a tenant with projects and keeps everything', async () => {
    const r = await c.run('claw tenant delete acme');
    expect(r.code).toBe('conflict');
    expect(r.message).toBe('Tenant acme still has 1 project(s): sales. Delete them first with `claw project delete NAME --tenant acme`.');
    expect((await c.must('claw tenant show acme')).result.members).toBe(2);
  });

  it('deletes an empty tenant with its members, and then it is gone', async () => {
    await c.must('claw project delete sales --tenant acme');
    const r = await c.must('claw tenant delete acme');
    expect(r.result).toEqual({ deleted: 'acme', membersRemoved: 2 });
    expect(r.text).toBe('Tenant acme deleted (2 member(s) removed with it).');
    expect((await c.run('claw tenant show acme')).code).toBe('not_found');
  });

  it('answers in Chinese', async () => {
    const r = await c.run('claw tenant show nope', undefined, 'zh');
    expect(r.text).toBe('错误: 找不到租户 `nope`。');
  });
});

describe('tenant list on a control plane without tenants', () => {
  const c = useControlPlane();

  it('says how to start when there are no tenants to show', async () => {
    // The first start creates `default` with its project; without them there is nothing to list.
    await c.must('claw project delete default --tenant default');
    await c.must('claw tenant delete default');
    const r = await c.must('claw tenant list');
    expect(r.result.tenants).toEqual([]);
    expect(r.text).toContain('No tenants yet. Create one with `claw tenant create NAME`.');
    const zh = await c.run('claw tenant list', undefined, 'zh');
    expect(zh.text).toContain('还没有租户。用 `claw tenant create 名称` 创建一个。');
  });
});
