// Scheduled digests end to end: a group on the Feishu emulator and one on the DingTalk emulator (the real SDKs)
// subscribe by typing `claw digest subscribe`; every slot's digest arrives exactly once in each, with the expected
// figures, while one replica runs, while two share the database, when the leader stops, and across a restart (the
// latest slot missed while down goes out once, marked late; the one before it is skipped). The schedule fires every
// five seconds (node-cron's six-field form) to keep the test short; the per-minute slot logic has its own unit test.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DingTalkSettings } from '../../src/channels/dingtalk/platform.js';
import type { FeishuSettings } from '../../src/channels/feishu/platform.js';
import { UsageStore } from '../../src/engines/usage/usage-store.js';
import { openStore } from '../../src/store/data-source.js';
import { DigestSlotEntity } from '../../src/store/entities/digest-slot.js';
import { InstanceEntity } from '../../src/store/entities/instance.js';
import { randomToken } from '../../src/util/ids.js';
import { DingTalkEmulator } from '../emulators/dingtalk-emulator.js';
import { FeishuEmulator, type FeishuSentMessage } from '../emulators/feishu-emulator.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases.js';
import { stubOpenClawAdapter } from '../support/stub-openclaw-adapter.js';
import { startTestControlPlane, type TestControlPlane } from '../support/test-control-plane.js';
import { eventually, FEISHU_ENCRYPT_KEY, FEISHU_VERIFICATION_TOKEN, feishuReply, feishuText } from './chat-harness.js';

const FAST = '*/5 * * * * *';
const SLOT_MS = 5_000;
const lily = { openId: 'ou_digestlily00000001', name: 'Lily Chen', staffId: 'staff-digest-lily', nick: 'Lily' };

/** A digest as a group received it: the slot it is for (the end of its period), whether late, and its text. */
interface Received {
  slot: number;
  late: boolean;
  text: string;
}

/** `2026-03-02 10:15:40` or `2026-03-02 10:15` (seconds are shown only when not zero), read as UTC. */
const utc = (wall: string) => Date.parse(`${wall.replace(' ', 'T')}${wall.length === 16 ? ':00' : ''}Z`);

describe.each(databaseKinds())('scheduled digests in Feishu and DingTalk (%s, replicas)', (kind) => {
  const feishu = new FeishuEmulator({ verificationToken: FEISHU_VERIFICATION_TOKEN });
  const dingtalk = new DingTalkEmulator({ ackTimeoutMs: 3_000 });
  const fsGroup = `oc_digest${randomToken(10).toLowerCase()}`;
  const dtGroup = `cid${randomToken(12)}`;
  let db: TestDatabase;
  // Every replica needs the key the database was encrypted with, and the same data directory: the local claws one replica
  // started are adopted (and at the end destroyed) by the next, as when a control plane restarts on one host.
  const secretKey = randomBytes(32).toString('hex');
  const dataDir = mkdtempSync(join(tmpdir(), 'claw-digest-replicas-'));
  const replicas: TestControlPlane[] = [];
  let live: TestControlPlane;
  /** A slot skipped while the control plane was down (set by the restart test). */
  let skipped = 0;

  /** A control plane on the shared database, its channels on the two emulators; resolves once both are connected. */
  async function replica(): Promise<TestControlPlane> {
    const t = await startTestControlPlane({
      database: db,
      adapters: [stubOpenClawAdapter],
      settings: {
        secretKey, dataDir, cacheDir: join(dataDir, 'cache'), chatLocale: 'zh', requireMention: true, digestMinIntervalMs: 1_000,
        channels: {
          feishu: { appId: feishu.appId, appSecret: feishu.appSecret, domain: feishu.url, mode: 'websocket', encryptKey: FEISHU_ENCRYPT_KEY, verificationToken: FEISHU_VERIFICATION_TOKEN } satisfies FeishuSettings,
          dingtalk: { clientId: dingtalk.clientId, clientSecret: dingtalk.clientSecret, gatewayUrl: dingtalk.gatewayUrl, apiUrl: dingtalk.url, robotCode: dingtalk.robotCode, cardTemplateId: undefined } satisfies DingTalkSettings,
        },
      },
    });
    replicas.push(t);
    await eventually(() => t.plane.engines.channels.channels().every((c) => c.connected), 15_000, 'channels connected');
    return t;
  }

  async function close(t: TestControlPlane): Promise<void> {
    replicas.splice(replicas.indexOf(t), 1);
    await t.close();
  }

  const admin = async (text: string) => {
    const r = await live.command(live.adminToken, text);
    if (!r.body.ok) throw new Error(`${text}: ${r.body.text}`);
    return r.body;
  };

  const feishuDigests = (): Received[] => feishu.messages
    .filter((m: FeishuSentMessage) => m.chatId === fsGroup && m.kind === 'create')
    .map((m) => {
      const text = feishuText(m);
      const period = /Period: \S+ \S+ → (\S+ [\d:]+) \(UTC\)/.exec(text);
      return { slot: period ? utc(period[1]!) : NaN, late: text.includes('(late)'), text };
    });
  const dingtalkDigests = (): Received[] => dingtalk.groupMessages
    .filter((m) => m.openConversationId === dtGroup)
    .map((m) => {
      const { title, text } = m.msgParam as { title: string; text: string };
      const period = /周期：\S+ \S+ → (\S+ [\d:]+)（UTC）/.exec(text);
      return { slot: period ? utc(period[1]!) : NaN, late: title.includes('（补发）'), text: `${title}\n${text}` };
    });

  /** Every digest names a slot of the schedule, and no slot came twice, on either platform. */
  function exactlyOncePerSlot(): void {
    for (const received of [feishuDigests(), dingtalkDigests()]) {
      const slots = received.map((r) => r.slot);
      for (const slot of slots) expect(slot % SLOT_MS, `slot ${new Date(slot).toISOString()}`).toBe(0);
      expect(new Set(slots).size, `duplicates among ${slots.map((s) => new Date(s).toISOString()).join(', ')}`).toBe(slots.length);
    }
  }

  /** Waits for `n` more digests on both platforms than there are now. */
  async function moreDigests(n: number): Promise<void> {
    const [fs, dt] = [feishuDigests().length, dingtalkDigests().length];
    await eventually(() => feishuDigests().length >= fs + n && dingtalkDigests().length >= dt + n, 20_000 + n * SLOT_MS, `${n} more digests`);
  }

  beforeAll(async () => {
    await feishu.start();
    await dingtalk.start();
    feishu.addUser({ openId: lily.openId, name: lily.name });
    db = await createTestDatabase(kind);
    live = await replica();
    await admin('claw tenant create acme');
    await admin('claw project create sales --tenant acme');
    await admin('claw project create support --tenant acme');
    await admin(`claw member add lily --tenant acme --role tenant-admin --feishu ${lily.openId} --dingtalk ${lily.staffId}`);
    await admin('claw tenant policy acme --approvals 0');
    await admin('claw create alpha --tenant acme --project sales --wait --timeout 60s');
    await admin('claw create beta --tenant acme --project support --wait --timeout 60s');
  }, 180_000);

  afterAll(async () => {
    if (replicas.length) {
      const subscriptions = await admin('claw digest list --tenant acme').then((r) => (r.result as { subscriptions: Array<{ id: number }> }).subscriptions, () => []);
      for (const { id } of subscriptions) await admin(`claw digest unsubscribe ${id} --tenant acme`).catch(() => undefined);
      await admin('claw destroy --all --tenant acme --wait').catch(() => undefined);
      for (const t of [...replicas]) await close(t);
    }
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
    await feishu.stop();
    await dingtalk.stop();
  });

  it('a group subscribes by typing the command; each slot posts one digest with the figures, a native chart on Feishu and markdown within DingTalk\'s limit', async () => {
    // Tokens go into five-minute buckets: seeded well inside one, the first digests all see them in "this period".
    await eventually(() => Date.now() % 300_000 < 240_000, 70_000, 'a minute clear of a five-minute boundary');
    const instances = await live.plane.store.dataSource.getRepository(InstanceEntity).find();
    const claw = (name: string) => instances.find((i) => i.name === name && i.phase === 'Running')!;
    const store = new UsageStore(live.plane.store.dataSource);
    const today = new Date().toISOString().slice(0, 10);
    const report = (model: string, input: number, output: number, cost: number) => ({
      days: [{ date: today, model, inputTokens: input, outputTokens: output, cacheReadTokens: 0, cacheWriteTokens: 0, totalTokens: input + output, cost }], complete: true,
    });
    for (const [name, r] of [['alpha', report('qwen3-72b', 1_000, 500, 1.25)], ['beta', report('qwen3-32b', 100_000, 50_000, 0)]] as const) {
      const i = claw(name);
      await store.recordTokens({ id: i.id, tenantId: i.tenantId, projectId: i.projectId }, r, new Date());
    }

    const ack = await feishu.pushMessage({ chatId: fsGroup, chatType: 'group', sender: lily, text: `claw digest subscribe --cron "${FAST}" --tz UTC --locale en` });
    const reply = feishuText(await feishuReply(feishu, ack.messageId!));
    expect(reply).toContain('已订阅 acme 的用量摘要');
    expect(reply).toContain(`${FAST} (UTC)`);
    const sessions = dingtalk.sessionMessages.length;
    await dingtalk.pushRobotMessage({ conversationId: dtGroup, conversationType: '2', sender: { staffId: lily.staffId, nick: lily.nick }, text: `claw digest subscribe --cron "${FAST}" --tz UTC` });
    expect(JSON.stringify((await dingtalk.waitFor(() => dingtalk.sessionMessages[sessions], 10_000, 'the reply')).body)).toContain('已订阅 acme 的用量摘要');

    await moreDigests(2);
    exactlyOncePerSlot();
    const [card] = feishu.messages.filter((m) => m.chatId === fsGroup && m.kind === 'create');
    const content = card!.content as { header: { title: { content: string } }; body: { elements: Array<Record<string, unknown>> } };
    expect(content.header.title.content).toBe('Usage digest · acme');
    const text = feishuText(card!);
    expect(text).toContain('2 in all: running 2');
    expect(text).toContain('Available now: 2 of 2 running ready (100%)');
    expect(text).toContain('This period: 151.5K tokens (input 101K, output 50.5K, cache 0), cost ≈¥1.85');
    expect(text).toContain('support/beta 150K (≈¥0.60)');
    // The first digest has no earlier one to count restarts from: it shows the counters and says so.
    expect(text).toContain('Restart counters: 0 (since each claw started');
    const chart = content.body.elements.find((e) => e.tag === 'chart') as { chart_spec: { type: string; data: { values: Array<Record<string, unknown>> } } };
    expect(chart.chart_spec.type).toBe('bar');
    expect(chart.chart_spec.data.values).toEqual(expect.arrayContaining([
      { category: 'support', series: 'this period', value: 150_000 }, { category: 'sales', series: 'this period', value: 1_500 },
    ]));

    const [markdown] = dingtalk.groupMessages.filter((m) => m.openConversationId === dtGroup);
    expect(markdown!.msgKey).toBe('sampleMarkdown');
    expect(Buffer.byteLength(JSON.stringify(markdown!.msgParam))).toBeLessThan(20_000);
    const dt = dingtalkDigests()[0]!.text;
    expect(dt).toContain('用量摘要 · acme');
    expect(dt).toContain('本期：151.5K tokens（输入 101K，输出 50.5K，缓存 0），费用 ≈¥1.85');
    expect(dt).toMatch(/support █{16} 150K \(上期 [\d.]+K?\)/);
    // The second digest of the subscription counts restarts since the first.
    expect(dingtalkDigests()[1]!.text).toContain('本期重启：0 次');
    expect([...feishuDigests(), ...dingtalkDigests()].some((d) => d.late)).toBe(false);
  }, 150_000);

  it('with two replicas on one database, each slot still posts once; when the leader stops the other one carries on', async () => {
    const second = await replica();
    await moreDigests(3);
    exactlyOncePerSlot();
    const first = live;
    live = second;
    await close(first);
    await moreDigests(3);
    exactlyOncePerSlot();
    // Every claimed slot was queued by someone, and the emulators hold exactly one digest per platform for it.
    const slots = await live.plane.store.dataSource.getRepository(DigestSlotEntity).find();
    const queued = slots.filter((s) => s.status === 'queued');
    expect(queued.length).toBeGreaterThanOrEqual(slots.length - 2);
  }, 120_000);

  it('across a restart the latest missed slot goes out once, marked late, and the ones before it are skipped', async () => {
    await close(live);
    const downAt = Date.now();
    // The newest slot claimed before the stop (its messages may still be in the outbox, for the next replica to deliver).
    const store = await openStore(db.settings);
    const lastBefore = Math.max(...(await store.dataSource.getRepository(DigestSlotEntity).find()).map((s) => s.slotAt.getTime()));
    await store.close();
    // Down for at least two slots.
    await eventually(() => Date.now() - downAt > 2 * SLOT_MS + 500, 3 * SLOT_MS, 'two slots to pass while down');
    live = await replica();
    const late = await eventually(() => {
      const fs = feishuDigests().find((d) => d.slot > lastBefore);
      const dt = dingtalkDigests().find((d) => d.slot > lastBefore);
      return fs && dt ? { fs, dt } : undefined;
    }, 30_000, 'the late digests');
    expect(late.fs.late).toBe(true);
    expect(late.dt.late).toBe(true);
    expect(late.fs.text).toMatch(/Sent late: it was due at \S+ [\d:]+, when no control plane was running/);
    expect(late.dt.text).toContain('补发：原定于');
    // Only the latest: at least one slot between the last on-time digest and the late one was skipped.
    expect(late.fs.slot - lastBefore).toBeGreaterThanOrEqual(2 * SLOT_MS);
    expect(late.dt.slot).toBe(late.fs.slot);
    await moreDigests(2);
    exactlyOncePerSlot();
    expect(feishuDigests().filter((d) => d.late && d.slot > lastBefore)).toHaveLength(1);
    expect(dingtalkDigests().filter((d) => d.late && d.slot > lastBefore)).toHaveLength(1);
    skipped = lastBefore + SLOT_MS;
  }, 120_000);

  it('a claim cut off before its messages were queued (its replica died) is made again by the next leader, once', async () => {
    await close(live);
    // What a replica leaves when it dies between claiming a slot and queuing its digest: a claim, and no messages.
    const store = await openStore(db.settings);
    const subscriptions = (await store.dataSource.getRepository(DigestSlotEntity).find()).map((s) => s.subscriptionId);
    for (const subscriptionId of new Set(subscriptions)) {
      await store.dataSource.getRepository(DigestSlotEntity).insert({
        subscriptionId, slotAt: new Date(skipped), late: false, status: 'claimed', claimedBy: 'a replica that died', claimedAt: new Date(Date.now() - 180_000),
        attempts: 1, lastError: null, queuedAt: null, restarts: null,
      });
    }
    await store.close();
    expect(feishuDigests().some((d) => d.slot === skipped)).toBe(false);
    live = await replica();
    await eventually(() => feishuDigests().some((d) => d.slot === skipped) && dingtalkDigests().some((d) => d.slot === skipped), 30_000, 'the recovered digests');
    await moreDigests(1);
    exactlyOncePerSlot();
    const rows = await live.plane.store.dataSource.getRepository(DigestSlotEntity).findBy({ slotAt: new Date(skipped) });
    expect(rows.map((r) => [r.status, r.attempts])).toEqual([['queued', 2], ['queued', 2]]);
  }, 120_000);
});
