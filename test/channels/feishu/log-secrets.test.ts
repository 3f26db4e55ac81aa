// No credential in any log line: a sweep through everything the Feishu channel and the SDK under it may log, with the
// channel's logger and the console both recorded, checked for the app secret, encrypt key, verification token and tokens.
import { afterEach, describe, expect, it } from 'vitest';
import { DeliveryError } from '../../../src/channels/chat-channel.js';
import type { ChatAddress, RenderedMessage } from '../../../src/channels/chat-channel.js';
import { buildCardActionEvent, buildMessageReceiveEvent, newChatId, newMessageId, newOpenId } from '../../emulators/feishu-protocol.js';
import { sendUrlVerification, sendWebhookEvent } from '../../emulators/feishu-webhook-driver.js';
import { cleanupHarnesses, show, startHarness, waitConnected, watchConsole } from './feishu-channel-kit.js';

afterEach(cleanupHarnesses);

const ENCRYPT_KEY = 'sweep-encrypt-key-7d41b0c2e9';

const answerCard: RenderedMessage = {
  type: 'interactive',
  content: JSON.stringify({ schema: '2.0', config: { update_multi: true }, body: { elements: [{ tag: 'markdown', content: 'approved' }] } }),
  updatable: true,
};

/** The outcome of a call that must fail, as the value it failed with. */
const failed = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => new Error('expected a failure'),
    (e: unknown) => e,
  );

describe('FeishuChannel: credentials never reach a log', () => {
  it('a sweep (connect, reconnect, message, click, send, failed sends, token revocation, webhook requests) logs no secret or token', async () => {
    const consoleCalls = watchConsole();

    // Long connection: connect, then a drop answered by a refused handshake and a give-up (code 1) before the reconnect.
    const ws = await startHarness({ channel: { encryptKey: ENCRYPT_KEY, reconnect: { initialMs: 50, maxMs: 200 } }, onCardClick: () => Promise.resolve(answerCard) });
    const { emu } = ws;
    await waitConnected(ws);
    emu.respondWith('ws.endpoint', { status: 200, times: 1, body: { code: 1, msg: 'system busy', data: {} } });
    emu.failHandshake(1);
    emu.dropConnections();
    await emu.waitFor(() => (emu.connectionsOpened >= 2 && ws.channel.status().connected) || undefined, 10_000, 'reconnected');

    // A message from a known user, one from a user the directory does not know (a failed lookup is logged), a click.
    const alice = emu.addUser({ openId: newOpenId(), name: 'Alice' });
    const chatId = newChatId();
    expect(await emu.pushMessage({ chatId, chatType: 'group', sender: { openId: alice.openId }, text: 'claw status' })).toMatchObject({ acked: true, code: 200 });
    expect(await emu.pushMessage({ chatId: newChatId(), chatType: 'p2p', sender: { openId: newOpenId() }, text: 'claw help' })).toMatchObject({ acked: true, code: 200 });
    const click = await emu.pushCardAction({ operator: { openId: alice.openId }, value: { action: 'approve', approval: '1' }, openMessageId: newMessageId(), openChatId: chatId });
    expect(click).toMatchObject({ acked: true, code: 200, data: { card: { type: 'raw' } } });
    expect(ws.received).toHaveLength(2);

    // Sends: one that works, then HTTP 500 and 429.
    const to: ChatAddress = { platform: 'feishu', orgId: emu.tenantKey, chatId, chatType: 'group' };
    const card = (text: string) => ws.channel.render({ kind: 'message', text, tone: 'info' }, { locale: 'en' })[0]!;
    const sent = await ws.channel.deliver({ kind: 'send', to, message: card('claw alice started'), idempotencyKey: 'sweep-1' });
    const errors: unknown[] = [];
    emu.respondWith('message.create', { status: 500 });
    errors.push(await failed(ws.channel.deliver({ kind: 'send', to, message: card('two'), idempotencyKey: 'sweep-2' })));
    emu.respondWith('message.create', { status: 429 });
    errors.push(await failed(ws.channel.deliver({ kind: 'send', to, message: card('three'), idempotencyKey: 'sweep-3' })));

    // Token revocation: the next call is refused, the token refetched, the call repeated; then a refetch that fails
    // itself (the SDK logs the token request's error, whose config carries the app secret), then one that works.
    emu.revokeTokens();
    await ws.channel.deliver({ kind: 'update', to, messageId: sent.messageId, message: card('claw alice stopped') });
    emu.revokeTokens();
    emu.respondWith('token', { status: 500 });
    errors.push(await failed(ws.channel.deliver({ kind: 'send', to, message: card('four'), idempotencyKey: 'sweep-4' })));
    await ws.channel.deliver({ kind: 'send', to, message: card('five'), idempotencyKey: 'sweep-5' });
    expect(errors).toHaveLength(3);
    for (const e of errors) expect(e).toBeInstanceOf(DeliveryError);
    expect(emu.tokensIssued.length).toBeGreaterThanOrEqual(3);

    // Webhook mode on the same app: a challenge, an event and a click that pass, and tampered or malformed requests.
    const hook = await startHarness({ emulator: emu, channel: { mode: 'webhook', encryptKey: ENCRYPT_KEY }, onCardClick: () => Promise.resolve(answerCard) });
    const url = hook.webhookUrl!;
    const send = { encryptKey: ENCRYPT_KEY, verificationToken: emu.verificationToken };
    const message = () => buildMessageReceiveEvent(emu.identity, { chatId: newChatId(), chatType: 'group', sender: { openId: alice.openId }, text: 'claw status' });
    const answers = [
      await sendUrlVerification(url, { ...send, challenge: 'c-sweep' }),
      await sendWebhookEvent(url, message(), send),
      await sendWebhookEvent(url, buildCardActionEvent(emu.identity, { operator: { openId: alice.openId }, value: { action: 'reject' }, openMessageId: newMessageId(), openChatId: chatId, token: 'c-sweep' }), send),
      await sendUrlVerification(url, { ...send, challenge: 'c-tampered', tamper: 'token' }),
      await sendWebhookEvent(url, message(), { ...send, tamper: 'signature' }),
      await sendWebhookEvent(url, message(), { ...send, tamper: 'token' }),
      await sendWebhookEvent(url, message(), { ...send, tamper: 'timestamp' }),
      await sendWebhookEvent(url, message(), { ...send, encryptKey: 'not-the-encrypt-key' }),
    ];
    const malformed = await fetch(url, { method: 'POST', body: '{"encrypt": ', headers: { 'content-type': 'application/json' } });
    expect([...answers.map((a) => a.status), malformed.status]).toEqual([200, 200, 200, 401, 401, 401, 401, 401, 400]);
    expect(hook.received).toHaveLength(1);
    expect(hook.clicks).toHaveLength(1);

    // Everything written: both channels' loggers, every console call, and (for good measure) what callers were handed.
    const written = [
      ...[...ws.logger.lines, ...hook.logger.lines].map((l) => `logger.${l.level}: ${show(l.obj)} ${l.msg}`),
      ...consoleCalls.map((c) => `console.${c.method}: ${c.args.map(show).join(' ')}`),
      ...errors.map((e) => `DeliveryError: ${show(e)}`),
      ...answers.map((a) => `webhook answer: ${a.status} ${a.body}`),
    ];
    // The sweep reached the paths that log: the SDK's own error lines included.
    expect(ws.logger.lines.some((l) => (l.obj as { component?: string }).component === 'feishu-sdk')).toBe(true);
    expect(ws.logger.lines.some((l) => l.msg.includes('gave up'))).toBe(true);
    expect(ws.logger.lines.some((l) => l.msg.includes('tenant token'))).toBe(true);

    const secrets: Array<[string, string]> = [
      ['app secret', emu.appSecret],
      ['encrypt key', ENCRYPT_KEY],
      ['verification token', emu.verificationToken],
      ...emu.tokensIssued.map((t, i): [string, string] => [`tenant_access_token #${i + 1}`, t]),
    ];
    for (const [, value] of secrets) expect(value.length).toBeGreaterThanOrEqual(8);
    const leaks = written.flatMap((line) => secrets.filter(([, value]) => line.includes(value)).map(([what]) => `${what} in ${line}`));
    expect(leaks).toEqual([]);
  });
});
