// Feishu in webhook mode, end to end: the emulator's driver posts encrypted, signed events to the control plane's
// /webhooks/feishu route like Feishu does; forged or replayed requests are refused and never reach a command.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEventEntity } from '../../src/store/entities/audit-event.js';
import { buildMessageReceiveEvent, newMessageId } from '../emulators/feishu-protocol.js';
import { sendUrlVerification, sendWebhookEvent } from '../emulators/feishu-webhook-driver.js';
import {
  FEISHU_ENCRYPT_KEY, FEISHU_VERIFICATION_TOKEN, feishuReply, feishuText, inboundRow, outboxDrained, processed, startChatHarness, type ChatHarness,
} from './chat-harness.js';

const alice = { openId: 'ou_alicewebhook00001', name: 'Alice' };
let h: ChatHarness;
let url: string;
const sign = { encryptKey: FEISHU_ENCRYPT_KEY, verificationToken: FEISHU_VERIFICATION_TOKEN };

const whoami = () => {
  const messageId = newMessageId();
  return { messageId, envelope: buildMessageReceiveEvent(h.feishu!.identity, { chatId: 'oc_webhookgroup0001', chatType: 'p2p', sender: alice, text: 'claw whoami', messageId }) };
};
const audited = () => h.t.plane.store.dataSource.getRepository(AuditEventEntity).countBy({ identity: `feishu:${alice.openId}` });

beforeAll(async () => {
  h = await startChatHarness({ feishu: { mode: 'webhook' }, locale: 'en' });
  url = `${h.t.url}/webhooks/feishu`;
  await h.admin(`claw member add alice --role viewer --feishu ${alice.openId}`);
});
afterAll(async () => h?.close());

describe('Feishu webhook mode', () => {
  it('is reported as connected in webhook mode by /readyz', async () => {
    const ready = (await (await fetch(`${h.t.url}/readyz`)).json()) as { channels: Record<string, { mode: string; connected: boolean }> };
    expect(ready.channels.feishu).toMatchObject({ mode: 'webhook', connected: true });
  });

  it('answers the url_verification challenge only with the right token', async () => {
    const ok = await sendUrlVerification(url, { ...sign, challenge: 'c-123' });
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({ challenge: 'c-123' });
    const forged = await sendUrlVerification(url, { ...sign, challenge: 'c-456', tamper: 'token' });
    expect(forged.status).toBe(401);
    expect(forged.body).not.toContain('c-456');
  });

  it('runs a signed, encrypted message event and replies through the API', async () => {
    const { messageId, envelope } = whoami();
    h.feishu!.noteInbound(envelope);
    const result = await sendWebhookEvent(url, envelope, sign);
    expect(result.status).toBe(200);
    const reply = await feishuReply(h.feishu!, messageId);
    expect(feishuText(reply)).toContain('You are alice');
    // Run from its stored row, like every chat event (the refusals below leave none).
    expect(await processed(h.t, 'feishu', envelope.header.event_id)).toMatchObject({ status: 'done' });
  });

  it.each([
    ['a bad signature', 'signature', 'FEISHU_WEBHOOK_BAD_SIGNATURE'],
    ['a wrong verification token', 'token', 'FEISHU_WEBHOOK_BAD_TOKEN'],
    ['an hour-old timestamp (a replay)', 'timestamp', 'FEISHU_WEBHOOK_STALE_TIMESTAMP'],
  ] as const)('refuses %s with 401, and nothing runs', async (_what, tamper, code) => {
    const before = await audited();
    const { messageId, envelope } = whoami();
    const result = await sendWebhookEvent(url, envelope, { ...sign, tamper });
    expect(result.status).toBe(401);
    expect(result.json).toMatchObject({ error: { code } });
    // Refused before it was stored: with no row, nothing can run it later (every chat command starts from its row).
    expect(await inboundRow(h.t, 'feishu', envelope.header.event_id)).toBeNull();
    await outboxDrained(h.t);
    expect(h.feishu!.messages.filter((m) => m.replyTo === messageId)).toHaveLength(0);
    expect(await audited()).toBe(before);
  });

  it('refuses the exact same signed request sent twice', async () => {
    const { envelope } = whoami();
    const first = await sendWebhookEvent(url, envelope, { ...sign, nonce: 'n-1', timestamp: String(Math.floor(Date.now() / 1000)) });
    expect(first.status).toBe(200);
    const again = await fetch(url, { method: 'POST', headers: first.sent.headers, body: first.sent.body });
    expect(again.status).toBe(401);
  });

  it('answers malformed bodies with 400 and stays up', async () => {
    for (const body of ['not json', '{"encrypt": 42}', '']) {
      const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(r.status).toBe(400);
    }
    expect((await fetch(`${h.t.url}/healthz`)).status).toBe(200);
  });
});
