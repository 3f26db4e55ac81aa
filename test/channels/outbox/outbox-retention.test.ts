// What happens to chat messages nobody can deliver, and to old chat history, on SQLite and MariaDB: a message that keeps
// failing past the give-up time fails once and its chat goes on; settled history is pruned after its retention, while
// anything still to run or deliver is kept however old.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { INBOUND_RETENTION_MS, OUTBOX_RETENTION_MS, pruneChatHistory } from '../../../src/channels/chat-retention.js';
import { InboundEventEntity, type InboundEvent } from '../../../src/store/entities/inbound-event.js';
import { OutboxMessageEntity } from '../../../src/store/entities/outbox-message.js';
import { newId } from '../../../src/util/ids.js';
import { FeishuEmulator } from '../../emulators/feishu-emulator.js';
import { newChatId } from '../../emulators/feishu-protocol.js';
import { databaseKinds } from '../../support/databases.js';
import { card, feishuChannel, feishuChat, feishuGroup, newOutbox, openOutboxDatabase, row, rows, settled, startWorker, stopAllWorkers, until, type OutboxDatabase } from './outbox-kit.js';

const DAY = 86_400_000;

describe.each(databaseKinds())('outbox retention on %s', (kind) => {
  let odb: OutboxDatabase;
  let emu: FeishuEmulator | undefined;
  const db = () => odb.store.dataSource;

  beforeAll(async () => {
    odb = await openOutboxDatabase(kind);
  });
  afterAll(async () => {
    await odb?.close();
  });
  afterEach(async () => {
    stopAllWorkers();
    await emu?.stop();
    emu = undefined;
    await db().getRepository(OutboxMessageEntity).createQueryBuilder().delete().execute();
    await db().getRepository(InboundEventEntity).createQueryBuilder().delete().execute();
  });

  /** Moves a message's creation back, as if it had waited that long (through an outage, or a control plane that was down). */
  const age = (id: number, ms: number) => db().getRepository(OutboxMessageEntity).update({ id }, { createdAt: new Date(Date.now() - ms) });

  describe('given-up deliveries', () => {
    it('a message still failing after a day fails at its next error, once, and the chat goes on without it', async () => {
      emu = new FeishuEmulator();
      await emu.start();
      const channel = feishuChannel(emu);
      const outbox = newOutbox(odb.store, odb.secrets);
      const chat = newChatId();
      const stale = await outbox.send(feishuGroup(chat), card(channel, 'G-01'));
      const fresh = await outbox.send(feishuGroup(chat), card(channel, 'G-02'));
      await age(stale, DAY + 60_000);
      // One 5xx: retried for a fresh message, the end of the road for one past the (default) day.
      emu.respondWith('message.create', { status: 503, times: 1 });
      const w = startWorker(db(), outbox, [channel]);
      await until(async () => (await settled(db(), [stale, fresh])()) && w.failed.length > 0, 10_000, 'both settled, the give-up recorded');

      expect(feishuChat(emu, chat)).toEqual(['G-02']);
      const failed = await row(db(), stale);
      expect([failed.status, failed.attempts]).toEqual(['failed', 1]);
      expect(failed.lastError).toMatch(/503/);
      expect(w.failed.map((f) => f.row.id)).toEqual([stale]);
      expect(w.retries).toEqual([]);
      expect(await outbox.backlog()).toEqual({ pending: 0, failed: 1, oldestPendingMs: 0 });
    });

    it('a message retried through an outage is given up once it is older than the give-up time, not before', async () => {
      emu = new FeishuEmulator();
      await emu.start();
      const channel = feishuChannel(emu);
      const outbox = newOutbox(odb.store, odb.secrets);
      const chat = newChatId();
      emu.respondWith('message.create', { status: 500, times: 1000 });
      const givenUp: Array<{ id: number; at: number }> = [];
      const w = startWorker(db(), outbox, [channel], { giveUpAfterMs: 600, onFailed: async (failed) => void givenUp.push({ id: failed.id, at: Date.now() }) });
      const doomed = await outbox.send(feishuGroup(chat), card(channel, 'O-01'));
      // The hook runs after the row is marked failed: wait for it, the last thing a give-up does.
      await until(() => givenUp.length > 0, 10_000, 'the message given up');

      const r = await row(db(), doomed);
      expect(r.status).toBe('failed');
      // Retried with backoff while young (50, 100, 200, 400 ms: several tries fit in 600 ms), given up once, never before.
      expect(w.retries.length).toBeGreaterThanOrEqual(2);
      expect(w.retries.every((x) => !x.rateLimited)).toBe(true);
      expect(r.attempts).toBe(w.retries.length + 1);
      expect(givenUp.map((g) => g.id)).toEqual([doomed]);
      expect(givenUp[0]!.at - r.createdAt.getTime()).toBeGreaterThanOrEqual(600);
      expect(feishuChat(emu, chat)).toEqual([]);
    });
  });

  describe('pruning', () => {
    async function inbound(status: InboundEvent['status'], agoMs: number): Promise<string> {
      const id = newId();
      await db().getRepository(InboundEventEntity).insert({
        id, platform: 'feishu', eventId: `ev-${id}`, kind: 'message', payload: odb.secrets.seal('{}'), status,
        receivedAt: new Date(Date.now() - agoMs), processedAt: null, heartbeatAt: null,
      });
      return id;
    }

    it('deletes settled messages and finished events past their retention, and keeps what is still to deliver or run', async () => {
      const outbox = newOutbox(odb.store, odb.secrets);
      const chat = newChatId();
      const message = async (status: 'pending' | 'sent' | 'superseded' | 'failed', agoMs: number) => {
        const id = await outbox.send(feishuGroup(chat), { type: 'text', content: JSON.stringify({ text: `${status} ${agoMs}` }), updatable: false });
        await db().getRepository(OutboxMessageEntity).update({ id }, { status, createdAt: new Date(Date.now() - agoMs) });
        return id;
      };
      const old = OUTBOX_RETENTION_MS + DAY;
      const gone = [await message('sent', old), await message('superseded', old), await message('failed', old)];
      const kept = [await message('pending', old), await message('sent', OUTBOX_RETENTION_MS - DAY), await message('failed', DAY)];
      const oldEvent = INBOUND_RETENTION_MS + DAY;
      const goneEvents = [await inbound('done', oldEvent), await inbound('failed', oldEvent), await inbound('interrupted', oldEvent)];
      const keptEvents = [await inbound('received', oldEvent), await inbound('processing', oldEvent), await inbound('done', INBOUND_RETENTION_MS - DAY)];

      expect(await pruneChatHistory(db())).toEqual({ inbound: 3, outbox: 3 });
      expect((await rows(db())).map((r) => r.id)).toEqual(kept);
      const events = await db().getRepository(InboundEventEntity).find();
      expect(events.map((e) => e.id).sort()).toEqual([...keptEvents].sort());
      expect(goneEvents.some((id) => events.some((e) => e.id === id))).toBe(false);
      expect(gone.some((id) => kept.includes(id))).toBe(false);
      // A second pass has nothing left to do.
      expect(await pruneChatHistory(db())).toEqual({ inbound: 0, outbox: 0 });
    });
  });
});
