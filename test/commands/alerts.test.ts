// claw alerts, claw alert ack, claw silence add|list|expire: RBAC by role and tenant, both languages, audit. Alerts
// come in through the Alertmanager path (the engine's receive), so no claw has to misbehave for these.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/model/principal.js';
import { parseAlertmanagerPayload } from '../../src/engines/alerts/alertmanager-payload.js';
import { useControlPlane } from './fixture.js';

const am = (alertname: string, labels: Record<string, string>) => parseAlertmanagerPayload({
  version: '4', alerts: [{ status: 'firing', labels: { alertname, severity: 'warning', ...labels }, annotations: { summary: `${alertname} is up` }, startsAt: '2026-11-21T09:00:00Z' }],
});

describe('alert commands', () => {
  const c = useControlPlane();
  let olga: Principal;
  let vera: Principal;
  let zoe: Principal;
  const idOf = async (name: string) => ((await c.must('claw alerts --all')).result.alerts as Array<{ id: number; rule: string }>).find((a) => a.rule === name)!.id;

  beforeAll(async () => {
    await c.must('claw tenant create acme');
    await c.must('claw project create sales --tenant acme');
    await c.must('claw tenant create zeta');
    olga = await c.member('olga', 'acme', 'operator');
    vera = await c.member('vera', 'acme', 'viewer');
    zoe = await c.member('zoe', 'zeta', 'tenant-admin');
    await c.t.plane.engines.alerts.receive(am('DiskFull', { tenant: 'acme', project: 'sales', instance: 'db1' }));
    await c.t.plane.engines.alerts.receive(am('QueueSlow', { tenant: 'zeta' }));
  });

  it('claw alerts lists the open alerts of your tenant only, in English and Chinese', async () => {
    const mine = await c.must('claw alerts', vera);
    expect(mine.text).toContain('DiskFull');
    expect(mine.text).toContain('acme/sales/db1');
    expect(mine.text).not.toContain('QueueSlow');
    expect((await c.must('claw alerts', zoe)).text).toContain('QueueSlow');
    const zh = await c.run('claw alerts', vera, 'zh');
    expect(zh.text).toContain('告警中');
    const all = await c.must('claw alerts');
    expect(all.text).toContain('DiskFull');
    expect(all.text).toContain('QueueSlow');
  });

  it('a viewer may not ack; an operator acks; another tenant\'s alert is not found', async () => {
    const id = await idOf('DiskFull');
    const refused = await c.run(`claw alert ack ${id}`, vera);
    expect(refused.code).toBe('forbidden');
    const done = await c.must(`claw alert ack ${id}`, olga);
    expect(done.text).toContain(`Alert #${id} (DiskFull acme/sales/db1) acknowledged by olga`);
    expect((await c.must(`claw alerts ${id}`, vera)).text).toContain('Acknowledged by');
    const other = await c.run(`claw alert ack ${await idOf('QueueSlow')}`, olga);
    expect(other.code).toBe('not_found');
    const trail = await c.must('claw audit --command "alert ack" --tenant acme');
    expect(trail.text).toContain('olga');
  });

  it('silence add by matchers or by alert, list and expire; a viewer may not silence', async () => {
    expect((await c.run('claw silence add --match instance=db1 --for 2h', vera)).code).toBe('forbidden');
    expect((await c.run('claw silence add --for 2h', olga)).text).toContain('--match LABEL=VALUE or --alert ID');
    expect((await c.run('claw silence add --match instance=db1 --for 10s', olga)).code).toBe('invalid_argument');
    const added = await c.must('claw silence add --match instance=db1 --for 2h --reason "disk swap"', olga);
    expect(added.text).toMatch(/Silence #\d+: instance=db1 for 2h .*; 1 open alerts silenced/);
    const id = added.result.silence.id as number;
    expect((await c.must('claw alerts', vera)).text).toContain('silenced');
    const list = await c.must('claw silence list', vera);
    expect(list.text).toContain('instance=db1');
    expect(list.text).toContain('disk swap');
    expect((await c.run(`claw silence expire ${id}`, zoe)).code).toBe('not_found');
    expect((await c.must(`claw silence expire ${id}`, olga)).text).toContain(`Silence #${id} (instance=db1) ended`);
    expect((await c.must('claw alerts', vera)).text).toContain('acknowledged');
    expect((await c.must('claw silence list', vera)).text).toContain('No silences in effect.');
    const byAlert = await c.must(`claw silence add --alert ${await idOf('DiskFull')} --for 1h`, olga);
    expect(byAlert.result.silence.matchers).toMatchObject({ alertname: 'DiskFull', instance: 'db1', tenant: 'acme' });
  });

  it('claw alerts --rule lists one rule\'s alerts; claw alert ack takes several numbers, all or none', async () => {
    await c.t.plane.engines.alerts.receive(am('PodPending', { tenant: 'acme', project: 'sales', instance: 'w1' }));
    await c.t.plane.engines.alerts.receive(am('PodPending', { tenant: 'acme', project: 'sales', instance: 'w2' }));
    const listed = await c.must('claw alerts --rule PodPending', vera);
    expect(listed.result.alerts.map((a: { rule: string }) => a.rule)).toEqual(['PodPending', 'PodPending']);
    expect(listed.text).not.toContain('DiskFull');
    const ids = (listed.result.alerts as Array<{ id: number }>).map((a) => a.id).sort((a, b) => a - b);
    expect((await c.run(`claw alert ack ${ids.join(' ')} ${await idOf('QueueSlow')}`, olga)).code).toBe('not_found');
    expect((await c.must('claw alerts --rule PodPending', vera)).text).not.toContain('acknowledged');
    const done = await c.must(`claw alert ack ${ids.join(' ')}`, olga);
    expect(done.text).toContain(`2 of 2 alerts acknowledged by olga (#${ids[0]} #${ids[1]})`);
    expect((await c.run(`claw alert ack ${ids.join(' ')}`, olga, 'zh')).text).toContain('个告警中 2 个已由 olga 认领');
  });

  it('claw tenant policy --alert-chat is chat-only and shows in the policy', async () => {
    const r = await c.run('claw tenant policy acme --alert-chat here');
    expect(r.code).toBe('invalid_argument');
    expect((await c.must('claw tenant policy acme')).text).toContain('Alert chat');
  });
});
