// Delivery edge cases against the emulator: timeouts, auth failures, direct fallbacks, card ids per outbox item, limits.
import { describe, expect, it } from 'vitest';
import { DeliveryError } from '../../../src/channels/chat-channel.js';
import type { ChatAddress, Delivery, RenderedMessage } from '../../../src/channels/chat-channel.js';
import type { DingTalkChannel } from '../../../src/channels/dingtalk/index.js';
import type { View } from '../../../src/render/view.js';
import { alice, direct, group, useDingTalkHarness } from './dingtalk-fixtures.js';

const h = useDingTalkHarness();

const note: View = { kind: 'message', text: 'alice is Running', tone: 'success' };
const approval: View = {
  kind: 'message',
  text: 'Stop alice?',
  headline: 'Approval #12',
  actions: [{ label: 'Approve', style: 'primary', value: { approval: '12' }, command: 'claw approve 12' }],
};

function first(channel: DingTalkChannel, view: View): RenderedMessage {
  return channel.render(view, { locale: 'en' })[0]!;
}

function send(channel: DingTalkChannel, message: RenderedMessage, to: ChatAddress, extra: Partial<Extract<Delivery, { kind: 'send' }>> = {}) {
  return channel.deliver({ kind: 'send', to, message, idempotencyKey: 'k', ...extra });
}

async function failure(p: Promise<unknown>): Promise<DeliveryError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(DeliveryError);
  return err as DeliveryError;
}

describe('DingTalk delivery edge cases', () => {
  it('a send that gets no answer within requestTimeoutMs is retryable (the message may or may not have arrived)', async () => {
    const emu = await h.emulator();
    const { channel } = h.channel(emu, { requestTimeoutMs: 200 });
    emu.setLatency(2_000, 'groupMessages');
    const started = Date.now();
    const err = await failure(send(channel, first(channel, note), group));
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(err).toMatchObject({ retryable: true, rateLimited: false });
    expect(err.message).toContain('no answer within 200 ms');
  });

  it('an access token refused twice (the app lost the right) fails the item without the token in the message', async () => {
    const emu = await h.emulator();
    const { channel, logger } = h.channel(emu);
    emu.respondWith('groupMessages', { status: 401, times: 2, body: { code: 'InvalidAuthentication', message: 'token not accepted' } });
    const err = await failure(send(channel, first(channel, note), group));
    expect(err).toMatchObject({ retryable: false });
    expect(err.message).toContain('InvalidAuthentication');
    // One refusal, a fresh token, one more refusal: no loop.
    expect(emu.accessTokensIssued).toHaveLength(2);
    expect(emu.requests.filter((r) => r.path === '/v1.0/robot/groupMessages/send')).toHaveLength(2);
    const printed = JSON.stringify([err.message, logger.lines]);
    for (const token of emu.accessTokensIssued) expect(printed).not.toContain(token);
    expect(printed).not.toContain(emu.clientSecret);
  });

  it('a reply in a 1:1 chat whose sessionWebhook expired goes to the user through the 1:1 send', async () => {
    const emu = await h.emulator();
    const { channel } = h.channel(emu);
    const inbound = emu.buildRobotMessage({ conversationId: 'cidDirect1', conversationType: '1', sender: alice, text: 'claw status' });
    const context = { sessionWebhook: String(inbound.sessionWebhook), sessionWebhookExpiredTime: String(inbound.sessionWebhookExpiredTime) };
    await send(channel, first(channel, note), direct, { replyTo: { messageId: 'm1', context } });
    expect(emu.sessionMessages.map((m) => m.conversationId)).toEqual(['cidDirect1']);
    emu.expireSessionWebhooks();
    const { messageId } = await send(channel, first(channel, note), direct, { replyTo: { messageId: 'm2', context } });
    expect(emu.sessionMessages).toHaveLength(1);
    expect(emu.oToMessages).toEqual([expect.objectContaining({ userIds: ['staff-alice'], msgKey: 'sampleMarkdown', processQueryKey: messageId })]);
  });

  it('a direct chat without the user id fails loudly instead of guessing', async () => {
    const emu = await h.emulator();
    const { channel } = h.channel(emu);
    const err = await failure(send(channel, first(channel, note), { ...direct, userId: undefined }));
    expect(err.retryable).toBe(false);
    expect(emu.oToMessages).toHaveLength(0);
  });

  it('a card send retried by the outbox names the same card (outTrackId from the idempotency key), also for long keys', async () => {
    const emu = await h.emulator();
    const { channel } = h.channel(emu, { cardTemplateId: 'tpl.claw' });
    const card = first(channel, approval);
    const a = await send(channel, card, group, { idempotencyKey: 'claw-outbox-41' });
    const b = await send(channel, card, group, { idempotencyKey: 'claw-outbox-41' });
    expect(a.messageId).toBe('claw-outbox-41');
    expect(b.messageId).toBe(a.messageId);
    const longKey = `outbox/${'x'.repeat(100)}/attempt`;
    const c = await send(channel, card, group, { idempotencyKey: longKey });
    const d = await send(channel, card, group, { idempotencyKey: longKey });
    expect(c.messageId).toMatch(/^claw-[0-9a-f]{40}$/);
    expect(d.messageId).toBe(c.messageId);
    expect([...emu.cards.keys()]).toEqual([a.messageId, c.messageId]);
    // And the id an update needs is the one the send returned.
    await channel.deliver({ kind: 'update', to: group, messageId: c.messageId, message: first(channel, { ...approval, actions: [] }) });
    expect(emu.cards.get(c.messageId)?.history.map((e) => e.kind)).toEqual(['create', 'update']);
  });

  it('a message DingTalk finds too long on the OpenAPI send is not retried', async () => {
    const emu = await h.emulator({ maxMessageBytes: 200 });
    const { channel } = h.channel(emu);
    const err = await failure(send(channel, first(channel, { kind: 'message', text: 'x'.repeat(400) }), group));
    expect(err).toMatchObject({ retryable: false, rateLimited: false });
    expect(err.message).toContain('TooLong');
  });

  it('declares limits the outbox can pace by: at most 20 robot messages in any minute, and the 20 000-byte message size', async () => {
    const emu = await h.emulator();
    const { channel } = h.channel(emu);
    const { perBot, perChat } = channel.limits;
    // A token bucket lets `burst` through at once, then `perSecond`: the worst minute is burst + 60 * perSecond.
    expect(perBot!.burst + 60 * perBot!.perSecond).toBeLessThanOrEqual(20);
    expect(perBot!.burst).toBeGreaterThanOrEqual(3);
    expect(perChat.perSecond).toBeGreaterThan(0);
    expect(channel.maxMessageBytes).toBe(20_000);
  });
});
