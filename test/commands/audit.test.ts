// claw audit and claw audit verify.
import { describe, expect, it } from 'vitest';
import { useControlPlane } from './fixture.js';

describe('audit commands', () => {
  const c = useControlPlane();

  it('records attempts with redacted secrets and filters them', async () => {
    await c.must('claw tenant create acme');
    const bob = await c.member('bob', 'acme', 'viewer');
    await c.run('claw tenant delete acme', bob);
    await c.run('claw whoami --note apiKey=sk-very-secret-123', bob);
    const r = await c.must('claw audit --member bob --since 1h');
    const texts = r.result.events.map((e: { text: string }) => e.text);
    expect(texts).toContain('claw tenant delete acme');
    expect(texts).toContain('claw whoami --note apiKey=***');
    expect(JSON.stringify(r.result)).not.toContain('sk-very-secret');
    const denied = await c.must('claw audit --decision denied');
    expect(denied.result.events).toEqual([expect.objectContaining({ member: 'bob', command: 'tenant delete', scope: 'tenant/acme', errorCode: 'forbidden' })]);
    expect((await c.must('claw audit --command "tenant delete"')).result.events).toHaveLength(1);
  });

  it('masks values of secret template variables, spaces and all, in the audit and in error replies', async () => {
    const typed = ['claw create demo --set model.apiKey="sk a b" --bogus', "claw create demo --set 'model.apiKey = sk-x y' --bogus", 'claw create demo －－set model.apiKey＝sk-fw --bogus'];
    for (const text of typed) {
      const r = await c.run(text);
      expect(r.ok).toBe(false);
      expect(JSON.stringify(r)).not.toMatch(/sk a b|sk-x y|sk-fw/);
      expect(r.text).toContain('***');
    }
    // Refused before a command was bound (unknown flag), so found by text.
    const audited = JSON.stringify((await c.must('claw audit --limit 1000')).result.events.filter((e: { text: string }) => e.text.includes('create demo')));
    expect(audited.match(/model\.apiKey/g)).toHaveLength(3);
    expect(audited).not.toMatch(/sk a b|sk-x y|sk-fw/);
  });

  it('shows a tenant admin only their tenant\'s events', async () => {
    await c.must('claw tenant create globex');
    await c.must('claw tenant show globex');
    const lead = await c.member('lead', 'acme', 'tenant-admin');
    const r = await c.must('claw audit --limit 1000', lead);
    expect(r.result.events.length).toBeGreaterThan(0);
    expect(r.result.events.every((e: { tenant: string }) => e.tenant === 'acme')).toBe(true);
  });

  it('shows a tenant re-created under an old name none of its predecessor\'s events', async () => {
    await c.must('claw tenant create phoenix');
    await c.must('claw tenant show phoenix --reason first-life');
    await c.must('claw tenant delete phoenix');
    await c.must('claw tenant create phoenix');
    const admin = await c.member('ash', 'phoenix', 'tenant-admin');
    const events = (await c.must('claw audit --limit 1000', admin)).result.events as Array<{ text: string; tenant: string }>;
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.tenant === 'phoenix')).toBe(true);
    expect(events.map((e) => e.text).join('\n')).not.toContain('first-life');
    // The platform still sees both lives, by the name they had.
    expect(JSON.stringify((await c.must('claw audit --limit 1000')).result.events)).toContain('first-life');
  });

  it('limits the listing and says so', async () => {
    const r = await c.must('claw audit --limit 2');
    expect(r.result.events).toHaveLength(2);
    expect(r.text).toContain('Showing the newest 2; use --limit or --since to see others.');
  });

  it('verifies an intact chain and reports the first altered event', async () => {
    const ok = await c.must('claw audit verify');
    expect(ok.text).toMatch(/^Audit chain intact: \d+ events verified\.$/);
    await c.t.plane.store.dataSource.query("UPDATE audit_events SET member_name = 'mallory' WHERE seq = 2");
    const broken = await c.must('claw audit verify');
    expect(broken.result).toMatchObject({ ok: false, seq: 2, reason: 'hash' });
    expect(broken.text).toBe('Audit chain BROKEN: event #2 was altered after it was written. 1 events before it verified.');
    const zh = await c.run('claw audit verify', undefined, 'zh');
    expect(zh.text).toBe('审计链已损坏：第 #2 条记录写入后被修改。此前 1 条记录校验通过。');
  });
});
