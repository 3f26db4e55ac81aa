// claw help, claw version, claw whoami: generated from the specs, bilingual, filtered by what the member may run.
import { describe, expect, it } from 'vitest';
import { useControlPlane } from './fixture.js';

describe('help, version and whoami', () => {
  const c = useControlPlane();

  it('lists every command for the platform admin, grouped, with aliases', async () => {
    const r = await c.must('claw help');
    for (const words of ['tenant create NAME', 'tenant delete NAME', 'audit verify', 'grant MEMBER ROLE', 'token revoke TOKEN']) expect(r.text).toContain(`claw ${words}`);
    expect(r.text).toContain('tenant (租户):');
  });

  it('shows a member only what they may run, in Chinese when asked', async () => {
    await c.must('claw tenant create acme');
    const bob = await c.member('bob', 'acme', 'viewer');
    const r = await c.run('claw help', bob, 'zh');
    expect(r.text.split('\n')[0]).toBe('你可以执行的命令');
    expect(r.text).toContain('claw tenant list');
    expect(r.text).not.toContain('tenant create');
    expect(r.text).not.toContain('audit');
    expect(r.text).toContain('输入 `claw help 命令` 或 `claw 命令 --help` 查看详情');
  });

  it('describes one command with usage, flags, examples, aliases, permission and risk', async () => {
    const r = await c.must('claw help token create');
    expect(r.text).toContain('Usage: claw token create [--member MEMBER] [--tenant NAME] [--platform] [--name NAME] [--ttl DURATION] [--no-expiry]');
    expect(r.text).toContain('--ttl DURATION');
    expect(r.text).toContain('Aliases: 令牌 创建');
    expect(r.text).toContain('Permission: token:self');
    expect(r.text).toContain('Risk: changes state');
    expect((await c.must('claw tenant delete --help')).text).toContain('Risk: dangerous');
    expect((await c.must('claw 租户 删除 --help')).text).toContain('claw tenant delete — Delete a tenant that has no projects');
  });

  it('classes a batch over many instances as dangerous, one instance as a plain change', async () => {
    expect((await c.must('claw help stop')).text).toContain('Risk: changes state (dangerous for --selector and --all)');
    const batch = await c.t.run(c.admin, 'claw stop --all');
    expect(batch.ok && batch.risk).toBe('dangerous');
    expect(batch.ok && batch.result).toEqual({ results: [] });
    const one = await c.t.run(c.admin, 'claw stop --selector team=x');
    expect(one.ok && one.risk).toBe('dangerous');
    const tenants = await c.t.run(c.admin, 'claw tenant list');
    expect(tenants.ok && tenants.risk).toBe('read');
  });

  it('describes a group, and suggests for an unknown topic', async () => {
    expect((await c.must('claw help member')).text).toContain('Commands under `claw member` you may run');
    const r = await c.run('claw help tenat');
    expect(r.code).toBe('unknown_command');
    expect(r.text).toContain('claw help tenant');
  });

  it('prints the version and who you are', async () => {
    const v = await c.must('claw version');
    expect(v.result).toEqual({ version: '0.1.0', api: 'v1', node: process.version });
    const w = await c.must('claw 我是谁');
    expect(w.result).toMatchObject({ member: 'admin', tenant: null, identity: expect.stringMatching(/^token:/), roles: [{ role: 'platform-admin', scope: 'platform' }] });
  });
});
