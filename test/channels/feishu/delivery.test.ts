// FeishuChannel.deliver against the emulator: create, reply, patch, uuid de-duplication, and every failure mapping.
import { afterEach, describe, expect, it } from 'vitest';
import { DeliveryError } from '../../../src/channels/chat-channel.js';
import type { ChatAddress, Delivery, RenderedMessage } from '../../../src/channels/chat-channel.js';
import { createFeishuChannel } from '../../../src/channels/feishu/index.js';
import { newChatId, newOpenId } from '../../emulators/feishu-protocol.js';
import { captureLogger, cleanupHarnesses, startHarness } from './feishu-channel-kit.js';
import type { Harness } from './feishu-channel-kit.js';

afterEach(cleanupHarnesses);

const group = (chatId: string): ChatAddress => ({ platform: 'feishu', orgId: 't1', chatId, chatType: 'group' });

async function senderHarness(options: Parameters<typeof startHarness>[0] = {}): Promise<Harness & { card: (text: string) => RenderedMessage }> {
  // Delivering needs no started channel: the outbox sends whatever the receiving side is doing.
  const h = await startHarness({ ...options, start: false });
  const card = (text: string) => h.channel.render({ kind: 'message', text, tone: 'success' }, { locale: 'en' })[0]!;
  return Object.assign(h, { card });
}

async function failure(p: Promise<unknown>): Promise<DeliveryError> {
  const outcome = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(outcome).toBeInstanceOf(DeliveryError);
  return outcome as DeliveryError;
}

describe('FeishuChannel.deliver: sends and updates', () => {
  it('send creates the message with uuid = idempotencyKey; a retry with the same key posts nothing new', async () => {
    const h = await senderHarness();
    const chatId = newChatId();
    const message = h.card('claw alice started');
    const send: Delivery = { kind: 'send', to: group(chatId), message, idempotencyKey: 'outbox-41' };
    const sent = await h.channel.deliver(send);
    expect(sent.messageId).toMatch(/^om_/);
    expect(h.emu.messages).toHaveLength(1);
    expect(h.emu.messages[0]).toMatchObject({
      kind: 'create', receiveId: chatId, receiveIdType: 'chat_id', msgType: 'interactive', uuid: 'outbox-41', content: JSON.parse(message.content),
    });
    const again = await h.channel.deliver(send);
    expect(again.messageId).toBe(sent.messageId);
    expect(h.emu.messages).toHaveLength(1);
  });

  it('a direct chat known only by its user is sent by open_id; a long idempotency key becomes a stable 43-character uuid', async () => {
    const h = await senderHarness();
    const user = newOpenId();
    const key = `outbox-${'x'.repeat(80)}`;
    await h.channel.deliver({ kind: 'send', to: { platform: 'feishu', orgId: 't1', chatId: '', chatType: 'direct', userId: user }, message: h.card('hi'), idempotencyKey: key });
    expect(h.emu.messages[0]).toMatchObject({ receiveId: user, receiveIdType: 'open_id' });
    expect(h.emu.messages[0]?.uuid).toHaveLength(43);
  });

  it('reply posts in reply to the message with uuid = idempotencyKey; update patches the card in place', async () => {
    const h = await senderHarness();
    const chatId = newChatId();
    const first = await h.channel.deliver({ kind: 'send', to: group(chatId), message: h.card('waiting for approval'), idempotencyKey: 'k-1' });
    const replyMessage = h.card('approved by Erin');
    const reply = await h.channel.deliver({ kind: 'send', to: group(chatId), message: replyMessage, idempotencyKey: 'k-2', replyTo: { messageId: first.messageId } });
    expect(h.emu.messages[1]).toMatchObject({ kind: 'reply', replyTo: first.messageId, chatId, uuid: 'k-2', messageId: reply.messageId, content: JSON.parse(replyMessage.content) });

    const updated = h.card('claw alice stopped');
    const result = await h.channel.deliver({ kind: 'update', to: group(chatId), messageId: first.messageId, message: updated });
    expect(result.messageId).toBe(first.messageId);
    expect(h.emu.patches).toEqual([expect.objectContaining({ messageId: first.messageId, content: JSON.parse(updated.content) })]);
    expect(h.emu.tokensIssued).toHaveLength(1);
  });

  it('refuses to update a text message (only cards can be patched), without calling Feishu', async () => {
    const h = await senderHarness();
    const err = await failure(
      h.channel.deliver({ kind: 'update', to: group(newChatId()), messageId: 'om_1', message: { type: 'text', content: '{"text":"x"}', updatable: false } }),
    );
    expect(err.retryable).toBe(false);
    expect(h.emu.requests.filter((r) => r.path.startsWith('/open-apis/im/'))).toHaveLength(0);
  });
});

describe('FeishuChannel.deliver: failures become DeliveryErrors', () => {
  it('HTTP 429 (code 99991400) is retryable and rate limited, waiting x-ogw-ratelimit-reset seconds', async () => {
    const h = await senderHarness();
    h.emu.respondWith('message.create', { status: 429, headers: { 'x-ogw-ratelimit-reset': '2' } });
    const err = await failure(h.channel.deliver({ kind: 'send', to: group(newChatId()), message: h.card('x'), idempotencyKey: 'k' }));
    expect(err).toMatchObject({ retryable: true, rateLimited: true, retryAfterMs: 2000 });
  });

  it('code 230020 (the per-chat limit) is retryable and rate limited', async () => {
    const h = await senderHarness({ emulator: { chatRateLimit: { perSecond: 5 } } });
    const chatId = newChatId();
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) => h.channel.deliver({ kind: 'send', to: group(chatId), message: h.card(`n${i}`), idempotencyKey: `k-${i}` })),
    );
    const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as DeliveryError] : []));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(DeliveryError);
    expect(errors[0]).toMatchObject({ retryable: true, rateLimited: true, retryAfterMs: 1000 });
    expect(errors[0]?.message).toContain('230020');
  });

  it('HTTP 500 is retryable (not rate limited); a network failure and a timeout are retryable too', async () => {
    const h = await senderHarness({ channel: { requestTimeoutMs: 200 } });
    h.emu.respondWith('message.create', { status: 500 });
    const e500 = await failure(h.channel.deliver({ kind: 'send', to: group(newChatId()), message: h.card('x'), idempotencyKey: 'k1' }));
    expect(e500).toMatchObject({ retryable: true, rateLimited: false });

    h.emu.setLatency(1000, 'message.create');
    const slow = await failure(h.channel.deliver({ kind: 'send', to: group(newChatId()), message: h.card('x'), idempotencyKey: 'k2' }));
    expect(slow.retryable).toBe(true);
    expect(slow.message).toMatch(/network error/);

    const closed = createFeishuChannel({ appId: h.emu.appId, appSecret: h.emu.appSecret, domain: 'http://127.0.0.1:9', logger: captureLogger() });
    const refused = await failure(closed.deliver({ kind: 'send', to: group(newChatId()), message: h.card('x'), idempotencyKey: 'k3' }));
    expect(refused).toMatchObject({ retryable: true, rateLimited: false });
    expect(refused.message).toContain('ECONNREFUSED');
  });

  it('HTTP 400 with an error code, and HTTP 200 with a non-zero code, are not retryable and carry Feishu msg', async () => {
    const h = await senderHarness();
    const bad = await failure(h.channel.deliver({ kind: 'send', to: group(newChatId()), message: h.card('x'), idempotencyKey: 'k1', replyTo: { messageId: 'om_unknown' } }));
    expect(bad.retryable).toBe(false);
    expect(bad.message).toContain('230001');
    expect(bad.message).toContain('invalid message_id om_unknown');

    h.emu.respondWith('message.create', { status: 200, body: { code: 230002, msg: 'Bot/User can NOT be out of the chat.' } });
    const out = await failure(h.channel.deliver({ kind: 'send', to: group(newChatId()), message: h.card('x'), idempotencyKey: 'k2' }));
    expect(out).toMatchObject({ retryable: false, rateLimited: false });
    expect(out.message).toContain('Bot/User can NOT be out of the chat.');
  });

  it('a revoked tenant token is dropped and a new one fetched; the call succeeds without the outbox noticing', async () => {
    const h = await senderHarness();
    await h.channel.deliver({ kind: 'send', to: group(newChatId()), message: h.card('one'), idempotencyKey: 'k1' });
    h.emu.revokeTokens();
    const second = await h.channel.deliver({ kind: 'send', to: group(newChatId()), message: h.card('two'), idempotencyKey: 'k2' });
    expect(second.messageId).toMatch(/^om_/);
    expect(h.emu.tokensIssued).toHaveLength(2);
    const auth = h.emu.requests.filter((r) => r.path === '/open-apis/im/v1/messages').map((r) => [r.status, r.headers.authorization]);
    expect(auth).toEqual([
      [200, `Bearer ${h.emu.tokensIssued[0]}`],
      [400, `Bearer ${h.emu.tokensIssued[0]}`],
      [200, `Bearer ${h.emu.tokensIssued[1]}`],
    ]);
  });

  it('a token refused again right after the refetch fails the item (not retryable); no secret reaches the log', async () => {
    const h = await senderHarness();
    h.emu.respondWith('message.create', { status: 400, times: 2, body: { code: 99991663, msg: 'Invalid access token for authorization.' } });
    const err = await failure(h.channel.deliver({ kind: 'send', to: group(newChatId()), message: h.card('the secret sk-do-not-log'), idempotencyKey: 'k' }));
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('99991663');
    expect(h.emu.tokensIssued).toHaveLength(2);
    const log = h.logger.text();
    expect(log).not.toContain(h.emu.appSecret);
    for (const token of h.emu.tokensIssued) expect(log).not.toContain(token);
    expect(log).not.toContain('sk-do-not-log');
  });
});
