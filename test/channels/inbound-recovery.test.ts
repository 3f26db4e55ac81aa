// Chat events are never lost: one stored by a replica that died before running it is run by the leader, once; one
// cut off while running is not run again (its command may already have acted), and its sender is told so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InboundMessage } from '../../src/channels/chat-channel.js';
import { InboundEventEntity } from '../../src/store/entities/inbound-event.js';
import { newId } from '../../src/util/ids.js';
import { feishuText, startChatHarness, type ChatHarness } from '../e2e/chat-harness.js';
import { newMessageId } from '../emulators/feishu-protocol.js';

const alice = { openId: 'ou_alicerecovery0001', name: 'Alice' };
const chatId = 'oc_recovery000000001';
let h: ChatHarness;

/** What a replica wrote before dying: the event stored (as `status`), the reply never sent. */
async function stranded(status: 'received' | 'processing', agoMs: number, heartbeatAgoMs?: number): Promise<string> {
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
  return messageId;
}

beforeAll(async () => {
  h = await startChatHarness({ feishu: {}, locale: 'en' });
  await h.admin(`claw member add alice --role viewer --feishu ${alice.openId}`);
});
afterAll(async () => h?.close());

describe('inbound recovery', () => {
  it('runs an event a dead replica stored but never ran, exactly once, and leaves recent and running ones alone', async () => {
    const old = await stranded('received', 60_000);
    const fresh = await stranded('received', 0);
    const running = await stranded('processing', 60_000);
    // The leader sweeps every 15 s too; whichever pass gets there first runs it.
    await h.t.plane.chat.inbound.resume();
    const reply = await h.feishu!.waitForMessage((m) => m.replyTo === old);
    expect(feishuText(reply)).toContain('You are alice');
    // A second pass finds nothing more to do: the event is done, not run twice.
    expect(await h.t.plane.chat.inbound.resume()).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(h.feishu!.messages.filter((m) => m.replyTo === old)).toHaveLength(1);
    expect(h.feishu!.messages.some((m) => m.replyTo === fresh || m.replyTo === running)).toBe(false);
    const rows = await h.t.plane.store.dataSource.getRepository(InboundEventEntity).find();
    expect(rows.map((r) => r.payload).join('')).not.toContain('whoami');
  });

  it('tells the sender, once, when the replica running their command went silent, and never runs it again', async () => {
    const crashed = await stranded('processing', 10 * 60_000, 5 * 60_000);
    const legacy = await stranded('processing', 10 * 60_000);
    const alive = await stranded('processing', 10 * 60_000, 5_000);
    expect(await h.t.plane.chat.inbound.resume()).toBe(0);
    for (const cutOff of [crashed, legacy]) {
      const notice = await h.feishu!.waitForMessage((m) => m.replyTo === cutOff);
      expect(feishuText(notice)).toContain('restarted unexpectedly while this command ran');
      expect(feishuText(notice)).not.toContain('whoami');
    }
    await h.t.plane.chat.inbound.resume();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(h.feishu!.messages.filter((m) => m.replyTo === crashed || m.replyTo === legacy)).toHaveLength(2);
    expect(h.feishu!.messages.some((m) => m.replyTo === alive)).toBe(false);
    const statuses = (await h.t.plane.store.dataSource.getRepository(InboundEventEntity).find()).map((r) => r.status);
    expect(statuses.filter((s) => s === 'interrupted')).toHaveLength(2);
    expect(statuses.filter((s) => s === 'processing')).toHaveLength(2);
  });
});
