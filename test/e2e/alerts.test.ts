// Alerts end to end on the local runtime and the Feishu emulator (the real SDK): a claw that keeps crashing raises one
// card in its bound group; a member acknowledges and silences it with the card's buttons; Restart goes through
// approvals; stopping the claw resolves the card in place. Alertmanager's webhook alerts are routed by their labels,
// deduplicated and resolved in place; a bad token or body changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertEntity } from '../../src/store/entities/alert.js';
import { ApprovalEntity } from '../../src/store/entities/approval.js';
import { randomToken } from '../../src/util/ids.js';
import type { FeishuSentMessage } from '../emulators/feishu-emulator.js';
import { crashingAdapter } from '../support/crashing-claw-adapter.js';
import { eventually, feishuButton, feishuLatest, feishuReply, feishuText, startChatHarness, type ChatHarness } from './chat-harness.js';

const TOKEN = `am-${randomToken(24)}`;
const group = `oc_${randomToken(16).toLowerCase()}`;
const lily = { openId: 'ou_alertlily00000001', name: 'Lily' };
const olga = { openId: 'ou_alertolga00000001', name: 'Olga' };
const T = '--tenant acme';
let h: ChatHarness;
const emu = () => h.feishu!;

/** Cards the bot posted on its own (not replies) in the group that mention `text`. */
const cards = (text: string) => emu().messages.filter((m) => m.kind === 'create' && m.chatId === group && feishuText(m).includes(text));
const alertRows = () => h.t.plane.store.dataSource.getRepository(AlertEntity).find({ order: { id: 'ASC' } });

async function click(who: { openId: string; name: string }, card: FeishuSentMessage, label: string): Promise<void> {
  const ack = await emu().pushCardAction({ operator: who, value: feishuButton(card, label), openMessageId: card.messageId, openChatId: group });
  expect(ack.acked).toBe(true);
}

function webhook(body: unknown, token = TOKEN): Promise<Response> {
  return fetch(`${h.t.url}/webhooks/alertmanager`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body),
  });
}

const amAlert = (status: 'firing' | 'resolved', labels: Record<string, string>) => ({
  version: '4', status, receiver: 'claw', groupLabels: {}, commonLabels: labels, commonAnnotations: {}, externalURL: 'http://alertmanager:9093',
  alerts: [{
    status, labels, annotations: { summary: 'p99 latency above 2s', description: 'checkout is slow' }, startsAt: '2026-11-21T09:00:00Z',
    endsAt: status === 'resolved' ? '2026-11-21T09:30:00Z' : '0001-01-01T00:00:00Z', generatorURL: 'http://prometheus:9090/graph', fingerprint: 'a1b2c3d4e5f60718',
  }],
});

beforeAll(async () => {
  h = await startChatHarness({
    feishu: {}, locale: 'en', adapters: [crashingAdapter],
    settings: { alerts: { intervalMs: 250, groupWaitMs: 500, repeatIntervalMs: 3_600_000, resolveDelayMs: 500, alertmanagerToken: TOKEN } },
  });
  for (const who of [lily, olga]) emu().addUser(who);
  await h.admin('claw tenant create acme');
  await h.admin(`claw project create sales ${T}`);
  await h.admin(`claw member add lily ${T} --role tenant-admin --feishu ${lily.openId}`);
  await h.admin(`claw member add olga ${T} --role operator --feishu ${olga.openId}`);
  const ack = await emu().pushMessage({ chatId: group, chatType: 'group', sender: lily, text: 'claw bind --tenant acme --project sales' });
  expect(feishuText(await feishuReply(emu(), ack.messageId!))).toContain('acme');
});
afterAll(async () => {
  await h?.admin('claw tenant policy acme --approvals 0').catch(() => undefined);
  await h?.admin(`claw destroy --all ${T} --wait`).catch(() => undefined);
  await h?.close();
});

describe('alert cards in chat', () => {
  let card: FeishuSentMessage;

  it('a claw that keeps crashing raises one crash-loop card in its bound group, and no second one while it goes on', async () => {
    await h.admin(`claw create crashy ${T} --project sales`);
    card = await eventually(() => cards('crashy')[0], 45_000, 'a crash-loop card');
    const text = feishuText(card);
    expect(text).toContain('crash-loop');
    expect(text).toMatch(/crashy keeps crashing: \d+ restarts in 10m/);
    expect(text).toContain('acme/sales/crashy');
    for (const label of ['Ack', 'Silence 1h', 'Restart', 'Logs']) expect(feishuButton(card, label).command).toMatch(/^claw /);
    // It goes on crashing until the runtime calls it a crash loop (Failed): still the one card, the Failed alert inhibited.
    await eventually(async () => (await h.admin(`claw status crashy ${T}`)).text.includes('Failed'), 60_000, 'crashy Failed');
    // A pass over the Failed claw: the crash-loop alert stays the only one (instance-failed is inhibited, never stored).
    await h.t.plane.engines.alerts.evaluate();
    expect(cards('crashy')).toHaveLength(1);
    const open = await alertRows();
    expect(open.map((a) => a.rule)).toEqual(['crash-loop']);
    const listed = await h.admin(`claw alerts ${T}`);
    expect(listed.text).toContain('crash-loop');
  }, 120_000);

  it('a member acknowledges with the card button: the same card says who, and the member gets a reply', async () => {
    await click(olga, card, 'Ack');
    await eventually(() => feishuLatest(emu(), card.messageId).includes('Acknowledged by') && feishuLatest(emu(), card.messageId).includes('olga'), 15_000, 'the card acknowledged');
    const reply = await feishuReply(emu(), card.messageId);
    expect(feishuText(reply)).toContain('acknowledged by olga');
    expect((await alertRows())[0]).toMatchObject({ state: 'acknowledged', ackedBy: 'olga' });
    const trail = await h.admin(`claw audit --command "alert ack" ${T}`);
    expect(trail.text).toContain('olga');
  });

  it('Silence 1h silences it (the card says until when); expiring the silence brings it back', async () => {
    await click(olga, card, 'Silence 1h');
    await eventually(() => feishuLatest(emu(), card.messageId).includes('Silenced until'), 15_000, 'the card silenced');
    expect((await alertRows())[0]!.state).toBe('silenced');
    const list = await h.admin(`claw silence list ${T}`);
    const silence = (list.result as { silences: Array<{ id: number; matchers: Record<string, string> }> }).silences[0]!;
    expect(silence.matchers).toMatchObject({ alertname: 'crash-loop', instance: 'crashy' });
    await h.admin(`claw silence expire ${silence.id}`);
    await eventually(async () => (await alertRows())[0]!.state === 'acknowledged', 10_000, 'back to acknowledged');
    await eventually(() => !feishuLatest(emu(), card.messageId).includes('Silenced until'), 10_000, 'the card no longer silenced');
  });

  it('Restart, clicked by a member, goes through approvals when the tenant holds restarts', async () => {
    await h.admin('claw tenant policy acme --hold restart');
    await click(olga, card, 'Restart');
    const approval = await eventually(async () => h.t.plane.store.dataSource.getRepository(ApprovalEntity).findOneBy({ command: 'restart', requesterName: 'olga' }), 15_000, 'a held restart');
    expect(approval.status).toBe('pending');
    expect(approval.displayText).toContain('claw restart crashy');
    await eventually(() => cards(`Approval #${approval.id}`).length > 0 || emu().messages.some((m) => feishuText(m).includes(`Approval #${approval.id}`)), 10_000, 'an approval card');
  });

  it('stopping the claw resolves the alert and updates the same card in place', async () => {
    const before = emu().messages.length;
    await h.admin(`claw stop crashy ${T}`).catch(() => undefined);
    await eventually(async () => (await alertRows())[0]!.state === 'resolved', 30_000, 'the alert resolved');
    await eventually(() => feishuLatest(emu(), card.messageId).includes('resolved'), 10_000, 'the card resolved');
    expect(feishuLatest(emu(), card.messageId)).not.toContain('"Ack"');
    // No new card about crashy was posted for the resolution.
    expect(emu().messages.slice(before).filter((m) => m.kind === 'create' && feishuText(m).includes('crash-loop'))).toHaveLength(0);
  }, 60_000);
});

describe('Alertmanager webhook', () => {
  const labels = { alertname: 'CheckoutLatency', tenant: 'acme', project: 'sales', severity: 'critical', service: 'checkout' };

  it('routes an alert by its tenant and project labels to the bound group, with the same buttons', async () => {
    const r = await webhook(amAlert('firing', labels));
    expect(r.status).toBe(200);
    expect(((await r.json()) as { result: { opened: number } }).result.opened).toBe(1);
    const card = await eventually(() => cards('CheckoutLatency')[0], 10_000, 'the Alertmanager card');
    expect(feishuText(card)).toContain('p99 latency above 2s');
    expect(feishuButton(card, 'Ack').command).toMatch(/^claw alert ack \d+$/);
  });

  it('a second identical alert is deduplicated: no new alert, no new card', async () => {
    const r = await webhook(amAlert('firing', labels));
    expect(((await r.json()) as { result: { duplicates: number; opened: number } }).result).toMatchObject({ opened: 0, duplicates: 1 });
    await h.t.plane.engines.alerts.evaluate();
    expect(cards('CheckoutLatency')).toHaveLength(1);
    expect((await alertRows()).filter((a) => a.rule === 'CheckoutLatency')).toHaveLength(1);
  });

  it('resolved by Alertmanager, the same card says so', async () => {
    const card = cards('CheckoutLatency')[0]!;
    const r = await webhook(amAlert('resolved', labels));
    expect(((await r.json()) as { result: { resolved: number } }).result.resolved).toBe(1);
    await eventually(() => feishuLatest(emu(), card.messageId).includes('resolved'), 10_000, 'the Alertmanager card resolved');
    expect(cards('CheckoutLatency')).toHaveLength(1);
  });

  it('refuses a wrong token (401) and a malformed body (400 naming the problem), changing nothing', async () => {
    const count = (await alertRows()).length;
    expect((await webhook(amAlert('firing', { ...labels, alertname: 'Other' }), 'wrong-token-0123456789')).status).toBe(401);
    const bad = await webhook({ version: '4', alerts: [{ status: 'firing', labels: { tenant: 'acme' }, startsAt: '2026-11-21T09:00:00Z' }] });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { text: string }).text).toContain('alerts[0].labels.alertname is missing');
    const notJson = await fetch(`${h.t.url}/webhooks/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: '{"alerts": [' });
    expect(notJson.status).toBe(400);
    expect((await alertRows()).length).toBe(count);
  });
});
