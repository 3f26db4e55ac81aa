// The outbox end to end: Outbox + OutboxWorker on SQLite and MariaDB, delivering through the real Feishu channel (the
// real @larksuiteoapi/node-sdk) to the Feishu emulator over 127.0.0.1. What is asserted is what a chat user would see:
// which messages show up in which chat, in which order, how often, and what happened to the rows that did not. One
// DingTalk case covers what only DingTalk has: messages that can never change in place.
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChatAddress } from '../../../src/channels/chat-channel.js';
import { Outbox } from '../../../src/channels/outbox/outbox.js';
import { OutboxMessageEntity } from '../../../src/store/entities/outbox-message.js';
import { SecretBox } from '../../../src/store/secret-box.js';
import { DingTalkEmulator } from '../../emulators/dingtalk-emulator.js';
import { FeishuEmulator } from '../../emulators/feishu-emulator.js';
import type { FeishuEmulatorOptions } from '../../emulators/feishu-emulator.js';
import { newChatId } from '../../emulators/feishu-protocol.js';
import { databaseKinds } from '../../support/databases.js';
import {
  card, dingTalkChannel, feishuChannel, feishuChat, feishuGroup, feishuText, markerOf, markers, messagesIn, newOutbox, openOutboxDatabase, row, rows, settled,
  sleep, startWorker, stopAllWorkers, until,
} from './outbox-kit.js';
import type { OutboxDatabase } from './outbox-kit.js';

const CREATE = '/open-apis/im/v1/messages';

describe.each(databaseKinds())('outbox on %s', (kind) => {
  let odb: OutboxDatabase;
  const emulators: FeishuEmulator[] = [];
  const dingTalks: DingTalkEmulator[] = [];
  const db = () => odb.store.dataSource;

  async function feishu(opts: FeishuEmulatorOptions = {}): Promise<FeishuEmulator> {
    const emu = new FeishuEmulator(opts);
    await emu.start();
    emulators.push(emu);
    return emu;
  }

  /** Message-create calls Feishu answered, in arrival order, with the chat they were for. */
  const creates = (emu: FeishuEmulator) =>
    emu.requests
      .filter((r) => r.method === 'POST' && r.path === CREATE)
      .map((r) => ({ status: r.status, at: r.at, chat: (r.body as { receive_id?: string }).receive_id, uuid: (r.body as { uuid?: string }).uuid }));

  beforeAll(async () => {
    odb = await openOutboxDatabase(kind);
  });
  afterAll(async () => {
    await odb?.close();
  });
  afterEach(async () => {
    stopAllWorkers();
    // Let a pass that was under way when its worker stopped finish before its emulator goes away.
    await sleep(50);
    for (const e of emulators.splice(0)) await e.stop();
    for (const e of dingTalks.splice(0)) await e.stop();
    await db().getRepository(OutboxMessageEntity).createQueryBuilder().delete().execute();
  });

  it('delivers 30 messages to each of two chats in enqueue order, both chats progressing at the same time', async () => {
    const emu = await feishu();
    // Each send takes Feishu 100 ms; the first two fail (500) and are retried: nothing may overtake them in their chat.
    emu.setLatency(100, 'message.create');
    emu.respondWith('message.create', { status: 500, times: 2 });
    const channel = feishuChannel(emu);
    const outbox = newOutbox(odb.store, odb.secrets);
    const [a, b] = [newChatId(), newChatId()];
    const w = startWorker(db(), outbox, [channel]);
    const ids: number[] = [];
    for (let i = 1; i <= 30; i++) {
      const n = String(i).padStart(2, '0');
      ids.push(await outbox.send(feishuGroup(a), card(channel, `A-${n}`)));
      ids.push(await outbox.send(feishuGroup(b), card(channel, `B-${n}`)));
    }
    await until(settled(db(), ids), 20_000, '60 messages delivered');

    expect(feishuChat(emu, a)).toEqual(markers('A', 30));
    expect(feishuChat(emu, b)).toEqual(markers('B', 30));
    // Each chat is held to Feishu's per-chat pace; neither waits for the other to finish: they progress side by side.
    const times = (chat: string) => messagesIn(emu, chat).map((m) => m.at);
    const [ta, tb] = [times(a), times(b)];
    expect(tb[9]!).toBeLessThan(ta[19]!);
    expect(ta[9]!).toBeLessThan(tb[19]!);
    // Each row records the Feishu message it became, and nothing went out twice.
    const all = await rows(db(), ids);
    expect(all.every((r) => r.status === 'sent')).toBe(true);
    expect(all.filter((r) => r.attempts !== 1).length).toBe(2);
    expect(new Set(all.map((r) => r.platformMessageId)).size).toBe(60);
    expect(all.map((r) => r.platformMessageId).sort()).toEqual(emu.messages.map((m) => m.messageId).sort());
    expect(creates(emu).map((c) => c.status).filter((s) => s !== 200)).toEqual([500, 500]);
    expect(w.failed).toEqual([]);
    expect(await outbox.backlog()).toEqual({ pending: 0, failed: 0, oldestPendingMs: 0 });
  });

  it("a chat with a backlog of thousands does not hold up other chats' messages", async () => {
    const emu = await feishu();
    const channel = feishuChannel(emu);
    const outbox = newOutbox(odb.store, odb.secrets);
    const [busy, quiet] = [newChatId(), newChatId()];
    const message = card(channel, 'X-00');
    // A runaway notifier filled one chat (Feishu takes 5 a second there: minutes of backlog).
    for (let i = 0; i < 2100; i += 100) await Promise.all(Array.from({ length: 100 }, () => outbox.send(feishuGroup(busy), message)));
    const urgent = await outbox.send(feishuGroup(quiet), card(channel, 'Q-01'));
    startWorker(db(), outbox, [channel]);
    await until(settled(db(), [urgent]), 3_000, 'the other chat served');
    expect(feishuChat(emu, quiet)).toEqual(['Q-01']);
    expect(messagesIn(emu, busy).length).toBeGreaterThan(0);
  });

  describe('restarts', () => {
    it('messages enqueued while no worker ran are delivered by a new process (store, outbox, channel, worker) once each, in order', async () => {
      const emu = await feishu();
      const before = newOutbox(odb.store, odb.secrets);
      const [a, b] = [newChatId(), newChatId()];
      const ids: number[] = [];
      const renderer = feishuChannel(emu);
      for (let i = 1; i <= 10; i++) {
        const n = String(i).padStart(2, '0');
        ids.push(await before.send(feishuGroup(a), card(renderer, `A-${n}`)));
        ids.push(await before.send(feishuGroup(b), feishuText(`B-${n}`)));
      }
      await sleep(150);
      expect(emu.messages).toEqual([]);
      const backlog = await before.backlog();
      expect(backlog.pending).toBe(20);
      expect(backlog.oldestPendingMs).toBeGreaterThanOrEqual(100);

      // A new process: its own connection to the database, outbox, channel and worker; the same key.
      const store = await odb.reopen();
      const after = new Outbox(store.dataSource, odb.secrets);
      startWorker(store.dataSource, after, [feishuChannel(emu)]);
      await until(settled(store.dataSource, ids), 15_000, 'the backlog delivered');

      expect(feishuChat(emu, a)).toEqual(markers('A', 10));
      expect(feishuChat(emu, b)).toEqual(markers('B', 10));
      expect(emu.messages).toHaveLength(20);
      expect(emu.messages.filter((m) => m.chatId === b).every((m) => m.msgType === 'text')).toBe(true);
      expect(await after.backlog()).toEqual({ pending: 0, failed: 0, oldestPendingMs: 0 });
    });

    it('a process that dies mid-way (worker stopped, database connection dropped while sends are in flight) loses and repeats nothing', async () => {
      const emu = await feishu();
      // Slow answers, so the process dies with sends on the wire.
      emu.setLatency(40, 'message.create');
      const first = await odb.reopen();
      const outbox1 = new Outbox(first.dataSource, odb.secrets);
      const channel1 = feishuChannel(emu);
      const [a, b] = [newChatId(), newChatId()];
      const ids: number[] = [];
      for (let i = 1; i <= 12; i++) {
        const n = String(i).padStart(2, '0');
        ids.push(await outbox1.send(feishuGroup(a), card(channel1, `A-${n}`)));
        ids.push(await outbox1.send(feishuGroup(b), card(channel1, `B-${n}`)));
      }
      const w1 = startWorker(first.dataSource, outbox1, [channel1]);
      await emu.waitFor(() => emu.messages.length >= 7, 10_000, 'part of the backlog delivered');
      w1.stop();
      await first.close();
      const shownAtCrash = emu.messages.length;
      expect(shownAtCrash).toBeLessThan(24);

      const second = await odb.reopen();
      const outbox2 = new Outbox(second.dataSource, odb.secrets);
      const w2 = startWorker(second.dataSource, outbox2, [feishuChannel(emu)]);
      await until(settled(second.dataSource, ids), 15_000, 'the rest delivered');

      expect(feishuChat(emu, a)).toEqual(markers('A', 12));
      expect(feishuChat(emu, b)).toEqual(markers('B', 12));
      const all = await rows(second.dataSource, ids);
      expect(all.every((r) => r.status === 'sent')).toBe(true);
      // Every row names the one Feishu message it became (a repeated send got the original back).
      expect(all.map((r) => r.platformMessageId).sort()).toEqual(emu.messages.map((m) => m.messageId).sort());
      // The sends on the wire at the crash reached Feishu but not the database: they went again and were de-duplicated.
      expect(creates(emu).length).toBeGreaterThan(emu.messages.length);
      expect(w2.failed).toEqual([]);
    });

    it('a send Feishu accepted but the database never recorded (crash in between) is repeated with the same uuid and shows once', async () => {
      const emu = await feishu();
      const channel1 = feishuChannel(emu);
      const outbox1 = newOutbox(odb.store, odb.secrets);
      const a = newChatId();
      const w1 = startWorker(db(), outbox1, [channel1]);
      const first = await outbox1.send(feishuGroup(a), card(channel1, 'C-01'));
      await until(settled(db(), [first]), 5_000, 'C-01 delivered');
      w1.stop();
      await sleep(100);
      const delivered = await row(db(), first);
      expect(delivered.status).toBe('sent');
      // The crash: Feishu has the message, the row still says pending (with the attempts it had).
      await db().getRepository(OutboxMessageEntity).update({ id: first }, { status: 'pending', sentAt: null, platformMessageId: null });
      const second = await outbox1.send(feishuGroup(a), card(channel1, 'C-02'));

      const store = await odb.reopen();
      const outbox2 = new Outbox(store.dataSource, odb.secrets);
      startWorker(store.dataSource, outbox2, [feishuChannel(emu)]);
      await until(settled(store.dataSource, [first, second]), 5_000, 'C-01 again and C-02');

      expect(feishuChat(emu, a)).toEqual(['C-01', 'C-02']);
      const repeated = creates(emu).filter((c) => c.uuid === emu.messages[0]!.uuid);
      expect(repeated).toHaveLength(2);
      expect(repeated.every((c) => c.status === 200)).toBe(true);
      expect((await row(store.dataSource, first)).platformMessageId).toBe(delivered.platformMessageId);
    });

    it('a second database sending as the same Feishu app (a reinstall within the hour) is not swallowed by uuid de-duplication', async () => {
      const emu = await feishu();
      const channel = feishuChannel(emu);
      const a = newChatId();
      const old = await openOutboxDatabase(kind);
      const fresh = await openOutboxDatabase(kind);
      try {
        const oldOutbox = newOutbox(old.store, old.secrets);
        const w1 = startWorker(old.store.dataSource, oldOutbox, [channel]);
        const before = await oldOutbox.send(feishuGroup(a), card(channel, 'R-01'));
        await until(settled(old.store.dataSource, [before]), 5_000, 'R-01 delivered');
        w1.stop();

        const freshOutbox = newOutbox(fresh.store, fresh.secrets);
        startWorker(fresh.store.dataSource, freshOutbox, [feishuChannel(emu)]);
        const after = await freshOutbox.send(feishuGroup(a), card(channel, 'R-02'));
        await until(settled(fresh.store.dataSource, [after]), 5_000, 'R-02 delivered');

        expect(feishuChat(emu, a)).toEqual(['R-01', 'R-02']);
        expect((await row(fresh.store.dataSource, after)).platformMessageId).not.toBe((await row(old.store.dataSource, before)).platformMessageId);
      } finally {
        stopAllWorkers();
        await sleep(50);
        await old.close();
        await fresh.close();
      }
    });
  });

  describe('rate limits delay, never drop', () => {
    it('a storm of 429s (x-ogw-ratelimit-reset honoured) delays every message; all arrive once, in order; no attempt is counted, no row fails', async () => {
      const emu = await feishu();
      emu.respondWith('message.create', { status: 429, times: 16, headers: { 'x-ogw-ratelimit-reset': '0.2' } });
      const channel = feishuChannel(emu);
      const outbox = newOutbox(odb.store, odb.secrets);
      const [a, b] = [newChatId(), newChatId()];
      // Giving up after 1 ms would fail any retryable error at once: rate limits must be exempt.
      const w = startWorker(db(), outbox, [channel], { giveUpAfterMs: 1 });
      const ids: number[] = [];
      for (let i = 1; i <= 6; i++) {
        const n = String(i).padStart(2, '0');
        ids.push(await outbox.send(feishuGroup(a), card(channel, `A-${n}`)));
        ids.push(await outbox.send(feishuGroup(b), card(channel, `B-${n}`)));
      }
      await until(settled(db(), ids), 15_000, 'every message through the storm');

      expect(feishuChat(emu, a)).toEqual(markers('A', 6));
      expect(feishuChat(emu, b)).toEqual(markers('B', 6));
      const calls = creates(emu);
      expect(calls.filter((c) => c.status === 429)).toHaveLength(16);
      // After each 429 the chat's next call waited the 0.2 s Feishu asked for.
      for (const [i, c] of calls.entries()) {
        if (c.status !== 429) continue;
        const next = calls.slice(i + 1).find((n) => n.chat === c.chat);
        expect(next, 'a call after the 429').toBeDefined();
        expect(next!.at - c.at).toBeGreaterThanOrEqual(195);
      }
      const all = await rows(db(), ids);
      expect(all.map((r) => [r.status, r.attempts])).toEqual(ids.map(() => ['sent', 1]));
      expect(w.failed).toEqual([]);
      expect(w.retries).toHaveLength(16);
      expect(w.retries.every((r) => r.rateLimited)).toBe(true);
    });

    it("Feishu's per-chat limit (code 230020) delays the chat's messages; all arrive once, in order, none fails", async () => {
      const emu = await feishu({ chatRateLimit: { perSecond: 2 } });
      const channel = feishuChannel(emu);
      const outbox = newOutbox(odb.store, odb.secrets);
      const a = newChatId();
      const w = startWorker(db(), outbox, [channel], { giveUpAfterMs: 1 });
      const ids: number[] = [];
      for (const m of markers('L', 6)) ids.push(await outbox.send(feishuGroup(a), card(channel, m)));
      await until(settled(db(), ids), 15_000, 'six messages past the chat limit');

      expect(feishuChat(emu, a)).toEqual(markers('L', 6));
      const refused = creates(emu).filter((c) => c.status === 400);
      expect(refused.length).toBeGreaterThan(0);
      expect(w.retries.length).toBe(refused.length);
      expect(w.retries.every((r) => r.rateLimited)).toBe(true);
      expect((await rows(db(), ids)).map((r) => [r.status, r.attempts])).toEqual(ids.map(() => ['sent', 1]));
      expect(w.failed).toEqual([]);
    });
  });

  describe('failures', () => {
    it('5xx answers are retried with doubling backoff until Feishu takes the message; the chat keeps its order', async () => {
      const emu = await feishu();
      emu.respondWith('message.create', { status: 503, times: 3 });
      const channel = feishuChannel(emu);
      const outbox = newOutbox(odb.store, odb.secrets);
      const a = newChatId();
      const w = startWorker(db(), outbox, [channel]);
      const first = await outbox.send(feishuGroup(a), card(channel, 'S-01'));
      const second = await outbox.send(feishuGroup(a), card(channel, 'S-02'));
      await until(settled(db(), [first, second]), 10_000, 'both delivered');

      expect(feishuChat(emu, a)).toEqual(['S-01', 'S-02']);
      const calls = creates(emu);
      expect(calls.map((c) => c.status)).toEqual([503, 503, 503, 200, 200]);
      // FAST backoff: 50 ms, then 100, then 200.
      expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(48);
      expect(calls[2]!.at - calls[1]!.at).toBeGreaterThanOrEqual(98);
      expect(calls[3]!.at - calls[2]!.at).toBeGreaterThanOrEqual(198);
      const r = await row(db(), first);
      expect([r.status, r.attempts, r.lastError]).toEqual(['sent', 4, null]);
      expect(w.retries.map((x) => [x.row.id, x.rateLimited])).toEqual([[first, false], [first, false], [first, false]]);
      expect(w.failed).toEqual([]);
    });

    it('a message Feishu refuses for good (bad content, 230001) fails once, loudly, and the chat goes on without it', async () => {
      const emu = await feishu();
      const channel = feishuChannel(emu);
      const outbox = newOutbox(odb.store, odb.secrets);
      const a = newChatId();
      const w = startWorker(db(), outbox, [channel]);
      const ok1 = await outbox.send(feishuGroup(a), card(channel, 'F-01'));
      const bad = await outbox.send(feishuGroup(a), { type: 'text', content: 'this is not JSON', updatable: false });
      const ok2 = await outbox.send(feishuGroup(a), card(channel, 'F-03'));
      await until(settled(db(), [ok1, bad, ok2]), 5_000, 'all three settled');
      // One more message to the chat: once it is out, the worker has moved past everything before it (one chat goes
      // out in order), so no retry or second copy of those can still come.
      const after = await outbox.send(feishuGroup(a), card(channel, 'F-04'));
      await until(settled(db(), [after]), 5_000, 'the next message delivered');

      expect(feishuChat(emu, a)).toEqual(['F-01', 'F-03', 'F-04']);
      const failed = await row(db(), bad);
      expect(failed.status).toBe('failed');
      expect(failed.lastError).toMatch(/HTTP 400, code 230001/);
      expect(failed.attempts).toBe(1);
      expect(w.failed.map((f) => [f.row.id, f.error])).toEqual([[bad, failed.lastError]]);
      expect(w.logger.lines.filter((l) => l.level === 'error').map((l) => l.obj)).toEqual([expect.objectContaining({ outboxId: bad })]);
      expect(await outbox.backlog()).toEqual({ pending: 0, failed: 1, oldestPendingMs: 0 });
      // One call: a refusal is not retried.
      expect(creates(emu).filter((c) => c.status !== 200)).toHaveLength(1);
    });

    it('an update Feishu does not know the message of (the bot moved to a new app) fails once and does not hold up the chat', async () => {
      const oldApp = await feishu();
      const outbox = newOutbox(odb.store, odb.secrets);
      const a = newChatId();
      const w1 = startWorker(db(), outbox, [feishuChannel(oldApp)]);
      const original = await outbox.send(feishuGroup(a), card(feishuChannel(oldApp), 'P-01'));
      await until(settled(db(), [original]), 5_000, 'the card under the old app');
      w1.stop();
      await sleep(100);

      const newApp = await feishu();
      const channel = feishuChannel(newApp);
      const w2 = startWorker(db(), outbox, [channel]);
      const update = await outbox.update(original, card(channel, 'P-02'));
      const next = await outbox.send(feishuGroup(a), card(channel, 'P-03'));
      await until(settled(db(), [update, next]), 5_000, 'the update and the next message settled');
      // Once a later message is out, the worker has moved past the update: no second PATCH can still come.
      const last = await outbox.send(feishuGroup(a), card(channel, 'P-04'));
      await until(settled(db(), [last]), 5_000, 'the last message delivered');

      const u = await row(db(), update);
      expect(u.status).toBe('failed');
      expect(u.lastError).toMatch(/message\.patch failed: HTTP 400, code 230001/);
      expect(w2.failed.map((f) => f.row.id)).toEqual([update]);
      expect(newApp.requests.filter((r) => r.method === 'PATCH')).toHaveLength(1);
      expect(feishuChat(newApp, a)).toEqual(['P-03', 'P-04']);
      expect(markerOf(oldApp.messages[0]!.rawContent)).toBe('P-01');
    });

    it('an update of a message that could never be sent fails without calling Feishu', async () => {
      const emu = await feishu();
      const channel = feishuChannel(emu);
      const outbox = newOutbox(odb.store, odb.secrets);
      const a = newChatId();
      const brokenCard = await outbox.send(feishuGroup(a), { type: 'interactive', content: '{not a card', updatable: true });
      const update = await outbox.update(brokenCard, card(channel, 'N-02'));
      const w = startWorker(db(), outbox, [channel]);
      await until(settled(db(), [brokenCard, update]), 5_000, 'both settled');
      // Once a later message is out, the worker has moved past both: nothing about them can still reach Feishu.
      const next = await outbox.send(feishuGroup(a), card(channel, 'N-03'));
      await until(settled(db(), [next]), 5_000, 'the next message delivered');

      expect((await rows(db(), [brokenCard, update])).map((r) => r.status)).toEqual(['failed', 'failed']);
      expect((await row(db(), update)).lastError).toMatch(/never delivered/);
      expect(w.failed.map((f) => f.row.id)).toEqual([brokenCard, update]);
      expect(emu.requests.filter((r) => r.method === 'PATCH')).toEqual([]);
      expect(feishuChat(emu, a)).toEqual(['N-03']);
    });
    it('a stored message that cannot be read (sealed with another key) fails for good instead of blocking its chat', async () => {
      const emu = await feishu();
      const channel = feishuChannel(emu);
      const outbox = newOutbox(odb.store, odb.secrets);
      const a = newChatId();
      const foreign = new Outbox(db(), SecretBox.fromText(randomBytes(32).toString('hex'), 'another key'));
      const unreadable = await foreign.send(feishuGroup(a), card(channel, 'K-01'));
      const next = await outbox.send(feishuGroup(a), card(channel, 'K-02'));
      const w = startWorker(db(), outbox, [channel]);
      await until(settled(db(), [unreadable, next]), 5_000, 'both settled');

      expect(feishuChat(emu, a)).toEqual(['K-02']);
      const r = await row(db(), unreadable);
      expect(r.status).toBe('failed');
      expect(r.lastError).toMatch(/cannot be read/);
      expect(w.failed.map((f) => f.row.id)).toEqual([unreadable]);
    });
  });

  describe('updates', () => {
    it('updates made while no worker runs coalesce into one PATCH with the newest content; the earlier ones are superseded', async () => {
      const emu = await feishu();
      const channel = feishuChannel(emu);
      const outbox = newOutbox(odb.store, odb.secrets);
      const a = newChatId();
      const w1 = startWorker(db(), outbox, [channel]);
      const original = await outbox.send(feishuGroup(a), card(channel, 'v0'), { correlation: 'approval:7' });
      await until(settled(db(), [original]), 5_000, 'the card sent');
      w1.stop();
      await sleep(100);

      const updates: number[] = [];
      for (const v of ['v1', 'v2', 'v3', 'v4']) updates.push(await outbox.update(original, card(channel, v)));
      expect((await rows(db(), updates)).map((r) => r.status)).toEqual(['superseded', 'superseded', 'superseded', 'pending']);
      expect((await outbox.sentFor('approval:7')).map((r) => r.id)).toEqual([original]);

      startWorker(db(), outbox, [feishuChannel(emu)]);
      await until(settled(db(), updates), 5_000, 'the newest update delivered');
      // Once a later message is out, the worker has moved past the updates: no second PATCH can still come.
      const next = await outbox.send(feishuGroup(a), feishuText('after'));
      await until(settled(db(), [next]), 5_000, 'the next message delivered');

      const cardId = (await row(db(), original)).platformMessageId;
      expect(emu.patches).toHaveLength(1);
      expect(emu.patches[0]!.messageId).toBe(cardId);
      expect(markerOf(emu.patches[0]!.rawContent)).toBe('v4');
      // The chat shows one card, now with v4 (and the message sent after it).
      expect(feishuChat(emu, a)).toEqual(['v4', 'after']);
      const last = await row(db(), updates[3]!);
      expect([last.status, last.correlation, last.platformMessageId]).toEqual(['sent', 'approval:7', cardId]);
    });

    it('an update waits behind the send of its original, even while that send is being retried', async () => {
      const emu = await feishu();
      emu.respondWith('message.create', { status: 502, times: 2 });
      const channel = feishuChannel(emu);
      const outbox = newOutbox(odb.store, odb.secrets);
      const a = newChatId();
      startWorker(db(), outbox, [channel]);
      const original = await outbox.send(feishuGroup(a), card(channel, 'W-0'));
      const update = await outbox.update(original, card(channel, 'W-1'));
      await until(settled(db(), [original, update]), 5_000, 'card and update delivered');

      const calls = emu.requests.filter((r) => r.path.startsWith(CREATE)).map((r) => `${r.method} ${r.status}`);
      expect(calls).toEqual(['POST 502', 'POST 502', 'POST 200', 'PATCH 200']);
      expect(emu.patches[0]!.messageId).toBe((await row(db(), original)).platformMessageId);
      expect(feishuChat(emu, a)).toEqual(['W-1']);
    });

    it('an update of a message that cannot change in place (a text message) is sent as a new message', async () => {
      const emu = await feishu();
      const channel = feishuChannel(emu);
      const outbox = newOutbox(odb.store, odb.secrets);
      const a = newChatId();
      const original = await outbox.send(feishuGroup(a), feishuText('T-01'));
      const replacement = await outbox.update(original, feishuText('T-02'));
      const r = await row(db(), replacement);
      expect([r.kind, r.updateOf]).toEqual(['send', null]);
      startWorker(db(), outbox, [channel]);
      await until(settled(db(), [original, replacement]), 5_000, 'both delivered');

      expect(feishuChat(emu, a)).toEqual(['T-01', 'T-02']);
      expect(emu.patches).toEqual([]);
    });
  });

  it('on DingTalk, an update of a markdown message (which cannot change in place) arrives as a new message in the same group', async () => {
    const dt = new DingTalkEmulator();
    await dt.start();
    dingTalks.push(dt);
    const channel = dingTalkChannel(dt);
    const outbox = newOutbox(odb.store, odb.secrets);
    const group: ChatAddress = { platform: 'dingtalk', orgId: 'corp-1', chatId: `cid-${randomBytes(6).toString('hex')}`, chatType: 'group' };
    const [started] = channel.render({ kind: 'message', text: 'build 41 started', tone: 'info' }, { locale: 'en' });
    const [finished] = channel.render({ kind: 'message', text: 'build 41 finished', tone: 'success' }, { locale: 'en' });
    expect([started!.type, started!.updatable]).toEqual(['markdown', false]);
    const original = await outbox.send(group, started!);
    const replacement = await outbox.update(original, finished!);
    startWorker(db(), outbox, [channel]);
    await until(settled(db(), [original, replacement]), 5_000, 'both DingTalk messages');

    expect(dt.groupMessages.map((m) => [m.openConversationId, m.msgKey])).toEqual([[group.chatId, 'sampleMarkdown'], [group.chatId, 'sampleMarkdown']]);
    expect(JSON.stringify(dt.groupMessages[0]!.msgParam)).toContain('build 41 started');
    expect(JSON.stringify(dt.groupMessages[1]!.msgParam)).toContain('build 41 finished');
    expect(dt.requests.filter((r) => r.path.startsWith('/v1.0/card/'))).toEqual([]);
    expect((await rows(db(), [original, replacement])).map((r) => [r.kind, r.status])).toEqual([['send', 'sent'], ['send', 'sent']]);
  });

  it('keeps payloads and reply contexts encrypted at rest; only the key opens them', async () => {
    const emu = await feishu();
    const channel = feishuChannel(emu);
    const outbox = newOutbox(odb.store, odb.secrets);
    const a = newChatId();
    startWorker(db(), outbox, [channel]);
    const question = await outbox.send(feishuGroup(a), card(channel, 'E-01'));
    await until(settled(db(), [question]), 5_000, 'the first message');
    const inReplyTo = (await row(db(), question)).platformMessageId!;
    const secret = `tok-${randomBytes(12).toString('hex')}`;
    const answer = await outbox.send(
      feishuGroup(a),
      { type: 'text', content: JSON.stringify({ text: `your new token is ${secret} mark=E-02` }), updatable: false },
      { replyTo: { messageId: inReplyTo, context: { note: `context-${secret}` } } },
    );
    await until(settled(db(), [answer]), 5_000, 'the reply');

    // The user sees the secret in the chat, as a reply…
    const reply = emu.messages.find((m) => m.kind === 'reply')!;
    expect(reply.replyTo).toBe(inReplyTo);
    expect(reply.rawContent).toContain(secret);
    // …but no column of any row holds it, nor the reply target, in the clear.
    const raw = (await db().query('SELECT * FROM outbox_messages WHERE id = ?', [answer])) as Array<Record<string, unknown>>;
    expect(raw).toHaveLength(1);
    const dump = JSON.stringify(await db().query('SELECT * FROM outbox_messages'));
    expect(dump).not.toContain(secret);
    expect(dump).not.toContain('mark=E');
    expect(dump).not.toContain('your new token');
    expect(JSON.stringify(raw[0])).not.toContain(inReplyTo);
    expect(String(raw[0]!.payload)).toMatch(/^v1:/);
    expect(String(raw[0]!.reply_to)).toMatch(/^v1:/);
    // The right key opens it; another key does not.
    const stored = await row(db(), answer);
    expect(outbox.open(stored).content).toContain(secret);
    expect(outbox.replyContext(stored)).toEqual({ messageId: inReplyTo, context: { note: `context-${secret}` } });
    const stranger = new Outbox(db(), SecretBox.fromText(randomBytes(32).toString('hex'), 'another key'));
    expect(() => stranger.open(stored)).toThrow();
  });
});
