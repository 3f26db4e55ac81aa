// FeishuChannel in webhook mode, driven like Feishu drives it: challenge, encrypted + signed events, and every refusal.
import { afterEach, describe, expect, it } from 'vitest';
import type { RenderedMessage } from '../../../src/channels/chat-channel.js';
import { buildCardActionEvent, buildMessageReceiveEvent, newChatId, newMessageId, newOpenId } from '../../emulators/feishu-protocol.js';
import { sendUrlVerification, sendWebhookEvent } from '../../emulators/feishu-webhook-driver.js';
import type { WebhookSendOptions } from '../../emulators/feishu-webhook-driver.js';
import { cleanupHarnesses, startHarness } from './feishu-channel-kit.js';
import type { Harness } from './feishu-channel-kit.js';

afterEach(cleanupHarnesses);

const ENCRYPT_KEY = 'webhook-test-encrypt-key';
const resultCard: RenderedMessage = {
  type: 'interactive',
  content: JSON.stringify({ schema: '2.0', config: { update_multi: true }, body: { elements: [{ tag: 'markdown', content: 'rejected' }] } }),
  updatable: true,
};

async function startWebhook(): Promise<Harness & { url: string; send: WebhookSendOptions }> {
  const h = await startHarness({ channel: { mode: 'webhook', encryptKey: ENCRYPT_KEY }, onCardClick: () => Promise.resolve(resultCard) });
  // The verification token is the emulator's: its envelopes carry it.
  expect(h.webhookUrl).toBeDefined();
  return Object.assign(h, { url: h.webhookUrl!, send: { encryptKey: ENCRYPT_KEY, verificationToken: h.emu.verificationToken } });
}

describe('FeishuChannel webhook: url_verification', () => {
  it('answers the challenge, and refuses it with a wrong verification token', async () => {
    const h = await startWebhook();
    const ok = await sendUrlVerification(h.url, { ...h.send, challenge: 'c-123' });
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({ challenge: 'c-123' });
    const wrong = await sendUrlVerification(h.url, { ...h.send, challenge: 'c-456', tamper: 'token' });
    expect(wrong.status).toBe(401);
    expect(wrong.json).toMatchObject({ error: { code: 'FEISHU_WEBHOOK_BAD_TOKEN' } });
    expect(wrong.body).not.toContain('c-456');
  });
});

describe('FeishuChannel webhook: events', () => {
  it('an encrypted, signed event reaches onMessage', async () => {
    const h = await startWebhook();
    h.emu.addUser({ openId: 'ou_webhook_alice', name: 'Alice' });
    const chatId = newChatId();
    const envelope = buildMessageReceiveEvent(h.emu.identity, { chatId, chatType: 'group', sender: { openId: 'ou_webhook_alice' }, text: 'claw status' });
    const res = await sendWebhookEvent(h.url, envelope, h.send);
    expect(res.status).toBe(200);
    expect(h.received).toEqual([
      {
        platform: 'feishu',
        eventId: envelope.header.event_id,
        messageId: (envelope.event.message as { message_id: string }).message_id,
        chat: { platform: 'feishu', orgId: h.emu.tenantKey, chatId, chatType: 'group' },
        sender: { userId: 'ou_webhook_alice', name: 'Alice' },
        text: '@_user_1 claw status',
        mentionsBot: true,
        fromBot: false,
        receivedAt: expect.any(Date),
      },
    ]);
  });

  it.each([
    ['a bad signature', 'signature', 401, 'FEISHU_WEBHOOK_BAD_SIGNATURE'],
    ['a wrong verification token', 'token', 401, 'FEISHU_WEBHOOK_BAD_TOKEN'],
    ['an hour-old timestamp (a replay)', 'timestamp', 401, 'FEISHU_WEBHOOK_STALE_TIMESTAMP'],
  ] as const)('refuses %s without calling onMessage', async (_what, tamper, status, code) => {
    const h = await startWebhook();
    const envelope = buildMessageReceiveEvent(h.emu.identity, { chatId: newChatId(), chatType: 'p2p', sender: { openId: newOpenId() }, text: 'claw status' });
    const res = await sendWebhookEvent(h.url, envelope, { ...h.send, tamper });
    expect(res.status).toBe(status);
    expect(res.json).toMatchObject({ error: { code } });
    expect(h.received).toHaveLength(0);
  });

  it('refuses malformed JSON (400), a plain body (400), an unsigned event (401) and an exact replay (401)', async () => {
    const h = await startWebhook();
    const post = (body: string, headers: Record<string, string> = {}) =>
      fetch(h.url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
    const malformed = await post('{"encrypt": ');
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ error: { code: 'FEISHU_WEBHOOK_MALFORMED' } });

    const envelope = buildMessageReceiveEvent(h.emu.identity, { chatId: newChatId(), chatType: 'p2p', sender: { openId: newOpenId() }, text: 'claw status' });
    const plain = await post(JSON.stringify(envelope));
    expect(plain.status).toBe(400);
    expect(await plain.json()).toMatchObject({ error: { code: 'FEISHU_WEBHOOK_UNENCRYPTED' } });

    const signed = await sendWebhookEvent(h.url, envelope, h.send);
    expect(signed.status).toBe(200);
    const unsigned = await post(signed.sent.body);
    expect(unsigned.status).toBe(401);
    const replay = await post(signed.sent.body, signed.sent.headers);
    expect(replay.status).toBe(401);
    expect(await replay.json()).toMatchObject({ error: { code: 'FEISHU_WEBHOOK_REPLAYED' } });
    expect(h.received).toHaveLength(1);
  });

  it('a card click via webhook answers with the handler card', async () => {
    const h = await startWebhook();
    const chatId = newChatId();
    const messageId = newMessageId();
    const operator = newOpenId();
    const envelope = buildCardActionEvent(h.emu.identity, { operator: { openId: operator }, value: { action: 'reject', approval: '3' }, openMessageId: messageId, openChatId: chatId, token: 'c-1' });
    const res = await sendWebhookEvent(h.url, envelope, h.send);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ card: { type: 'raw', data: JSON.parse(resultCard.content) } });
    expect(h.clicks).toEqual([
      {
        platform: 'feishu',
        eventId: envelope.header.event_id,
        chat: { platform: 'feishu', orgId: h.emu.tenantKey, chatId, chatType: 'group' },
        messageId,
        user: { userId: operator },
        value: { action: 'reject', approval: '3' },
      },
    ]);
  });

  it('answers 503 before start and after stop, so Feishu delivers the event again', async () => {
    const h = await startWebhook();
    h.abort.abort();
    const envelope = buildMessageReceiveEvent(h.emu.identity, { chatId: newChatId(), chatType: 'p2p', sender: { openId: newOpenId() }, text: 'claw status' });
    const res = await sendWebhookEvent(h.url, envelope, h.send);
    expect(res.status).toBe(503);
    expect(h.channel.status()).toMatchObject({ mode: 'webhook', connected: false, detail: 'stopped' });
    expect(h.logger.text()).not.toContain(ENCRYPT_KEY);
  });
});
