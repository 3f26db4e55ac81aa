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

  it('shows a tenant admin only their tenant\'s events', async () => {
    await c.must('claw tenant create globex');
    await c.must('claw tenant show globex');
    const lead = await c.member('lead', 'acme', 'tenant-admin');
    const r = await c.must('claw audit --limit 1000', lead);
    expect(r.result.events.length).toBeGreaterThan(0);
    expect(r.result.events.every((e: { tenant: string }) => e.tenant === 'acme')).toBe(true);
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
