// Chat events are never lost: one stored by a replica that died before running it is run by the leader, once; one
// cut off while running is not run again (its command may already have acted), and its sender is told so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InboundMessage } from '../../src/channels/chat-channel.js';
import { InboundEventEntity } from '../../src/store/entities/inbound-event.js';
import { newId } from '../../src/util/ids.js';
import { feishuText, inboundRow, outboxDrained, startChatHarness, type ChatHarness } from '../e2e/chat-harness.js';
import { newMessageId } from '../emulators/feishu-protocol.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases.js';

const alice = { openId: 'ou_alicerecovery0001', name: 'Alice' };
const chatId = 'oc_recovery000000001';
let h: ChatHarness;

/** What a replica wrote before dying: the event stored (as `status`), the reply never sent. */
async function stranded(status: 'received' | 'processing', agoMs: number, heartbeatAgoMs?: number): Promise<{ messageId: string; eventId: string }> {
  const messageId = newMessageId();
  h.feishu!.noteInbound({ event: { message: { message_id: messageId, chat_id: chatId } } });
  const message: InboundMessage = {
    platform: 'feishu', eventId: `ev-${newId()}`, messageId, chat: { platform: 'feishu', orgId: h.feishu!.identity.tenantKey, chatId, chatType: 'direct', userId: alice.openId },
    sender: { userId: alice.openId }, text: 'claw whoami', mentionsBot: true, fromBot: false, receivedAt: new Date(Date.now() - agoMs),
  };
  await h.t.plane.store.dataSource.getRepository(InboundEventEntity).insert({
    id: newId(), platform: 'feishu', eventId: message.eventId, kind: 'message', payload: h.t.plane.secrets.seal(JSON.stringify(message)),
    status, receivedAt: message.receivedAt, processedAt: null, heartbeatAt: heartbeatAgoMs === undefined ? null : new Date(Date.now() - heartbeatAgoMs),
  });
  return { messageId, eventId: message.eventId };
}

// Each database in turn: the claim of a stranded event and its status changes are compare-and-swap updates, which
// SQLite and MariaDB must both honour for "exactly once" to hold.
describe.each(databaseKinds())('inbound recovery on %s', (kind) => {
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    // The harness makes a SQLite database of its own; a MariaDB one is handed to the control plane through its settings.
    db = kind === 'mysql' ? await createTestDatabase('mysql') : undefined;
    h = await startChatHarness({ feishu: {}, locale: 'en', ...(db ? { settings: { database: db.settings } } : {}) });
    expect(h.t.plane.store.kind).toBe(kind);
    await h.admin(`claw member add alice --role viewer --feishu ${alice.openId}`);
  });
  afterAll(async () => {
    await h?.close();
    await db?.drop();
  });

  it('runs an event a dead replica stored but never ran, exactly once, and leaves recent and running ones alone', async () => {
    const old = await stranded('received', 60_000);
    const fresh = await stranded('received', 0);
    const running = await stranded('processing', 60_000);
    // The leader sweeps every 15 s too; whichever pass gets there first runs it.
    await h.t.plane.chat.inbound.resume();
    const reply = await h.feishu!.waitForMessage((m) => m.replyTo === old.messageId);
    expect(feishuText(reply)).toContain('You are alice');
    // A second pass finds nothing more to do: the event is done, not run twice.
    expect(await h.t.plane.chat.inbound.resume()).toBe(0);
    // Where each one ended: the old one ran to the end, the recent and the running ones were left as they were...
    expect(await inboundRow(h.t, 'feishu', old.eventId)).toMatchObject({ status: 'done', processedAt: expect.any(Date) });
    expect(await inboundRow(h.t, 'feishu', fresh.eventId)).toMatchObject({ status: 'received', processedAt: null });
    expect(await inboundRow(h.t, 'feishu', running.eventId)).toMatchObject({ status: 'processing', processedAt: null });
    // ...and every reply queued has gone out: one, to the old event.
    await outboxDrained(h.t);
    expect(h.feishu!.messages.filter((m) => m.replyTo === old.messageId)).toHaveLength(1);
    expect(h.feishu!.messages.some((m) => m.replyTo === fresh.messageId || m.replyTo === running.messageId)).toBe(false);
    const rows = await h.t.plane.store.dataSource.getRepository(InboundEventEntity).find();
    expect(rows.map((r) => r.payload).join('')).not.toContain('whoami');
  });

  it('tells the sender, once, when the replica running their command went silent, and never runs it again', async () => {
    const crashed = await stranded('processing', 10 * 60_000, 5 * 60_000);
    const legacy = await stranded('processing', 10 * 60_000);
    const alive = await stranded('processing', 10 * 60_000, 5_000);
    expect(await h.t.plane.chat.inbound.resume()).toBe(0);
    for (const cutOff of [crashed.messageId, legacy.messageId]) {
      const notice = await h.feishu!.waitForMessage((m) => m.replyTo === cutOff);
      expect(feishuText(notice)).toContain('restarted unexpectedly while this command ran');
      expect(feishuText(notice)).not.toContain('whoami');
    }
    expect(await h.t.plane.chat.inbound.resume()).toBe(0);
    // The second pass has ended (its notices, if any, are queued): the cut-off ones are closed, the live one still runs,
    // and once every queued notice has gone out there is still one per cut-off message and none for the live one.
    for (const cutOff of [crashed, legacy]) expect(await inboundRow(h.t, 'feishu', cutOff.eventId)).toMatchObject({ status: 'interrupted' });
    expect(await inboundRow(h.t, 'feishu', alive.eventId)).toMatchObject({ status: 'processing', processedAt: null });
    await outboxDrained(h.t);
    expect(h.feishu!.messages.filter((m) => m.replyTo === crashed.messageId || m.replyTo === legacy.messageId)).toHaveLength(2);
    expect(h.feishu!.messages.some((m) => m.replyTo === alive.messageId)).toBe(false);
    const statuses = (await h.t.plane.store.dataSource.getRepository(InboundEventEntity).find()).map((r) => r.status);
    expect(statuses.filter((s) => s === 'interrupted')).toHaveLength(2);
    expect(statuses.filter((s) => s === 'processing')).toHaveLength(2);
  });
});
