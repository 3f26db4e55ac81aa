// Proves the unmodified @larksuiteoapi/node-sdk (WSClient, EventDispatcher, Client, adaptDefault) works against FeishuEmulator.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import * as lark from '@larksuiteoapi/node-sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FeishuEmulator } from './feishu-emulator.js';
import type { FeishuEmulatorOptions } from './feishu-emulator.js';
import { buildMessageReceiveEvent, encryptPayload, newChatId, newOpenId } from './feishu-protocol.js';
import { sendUrlVerification, sendWebhookEvent } from './feishu-webhook-driver.js';

process.env.NO_PROXY = '127.0.0.1,localhost';

/** Collects SDK log lines instead of printing them (the SDK's default logger uses console). */
function captureLogger(): { logger: lark.Logger; lines: string[] } {
  const lines: string[] = [];
  const at =
    (level: string) =>
    (...msg: unknown[]): void => {
      // LoggerProxy passes its arguments as one array.
      lines.push(`${level} ${msg.flat().map((m) => (m instanceof Error ? m.message : String(m))).join(' ')}`);
    };
  return { lines, logger: { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug'), trace: at('trace') } };
}

interface ReceivedMessage {
  message_id: string;
  chat_id: string;
  chat_type: string;
  content: string;
  mentions?: Array<{ key: string; name: string; id: { open_id?: string } }>;
  event_id?: string;
  sender_open_id?: string;
}

interface CardActionData {
  operator: { open_id: string };
  action: { value: Record<string, unknown>; tag: string };
  context: { open_message_id: string; open_chat_id: string };
  token: string;
}

interface Harness {
  emu: FeishuEmulator;
  ws: lark.WSClient;
  client: lark.Client;
  received: ReceivedMessage[];
  cardActions: CardActionData[];
  lines: string[];
  reconnected: () => number;
}

const openHarnesses: Harness[] = [];

/**
 * Emulator + WSClient + Client wired the way the product will wire them. `onMessage`
 * lets a test change what the im.message.receive_v1 handler does.
 */
async function harness(
  opts: FeishuEmulatorOptions = {},
  onMessage: (m: ReceivedMessage) => Promise<unknown> = () => Promise.resolve(undefined),
): Promise<Harness> {
  const emu = new FeishuEmulator(opts);
  await emu.start();
  const { logger, lines } = captureLogger();
  const received: ReceivedMessage[] = [];
  const cardActions: CardActionData[] = [];
  let reconnects = 0;
  const dispatcher = new lark.EventDispatcher({ logger, loggerLevel: lark.LoggerLevel.debug }).register<{
    'card.action.trigger': (data: CardActionData) => Promise<unknown>;
  }>({
    'im.message.receive_v1': async (data) => {
      const m: ReceivedMessage = {
        ...data.message,
        event_id: data.event_id,
        sender_open_id: data.sender.sender_id?.open_id,
      };
      received.push(m);
      emu.emit('change');
      return onMessage(m);
    },
    'card.action.trigger': async (data) => {
      cardActions.push(data);
      emu.emit('change');
      const value = data.action.value;
      return {
        toast: { type: 'success', content: `ran ${String(value.cmd)}` },
        card: { type: 'raw', data: { elements: [{ tag: 'markdown', content: 'done' }] } },
      };
    },
  });
  let ready!: () => void;
  const readyP = new Promise<void>((r) => {
    ready = r;
  });
  const ws = new lark.WSClient({
    appId: emu.appId,
    appSecret: emu.appSecret,
    domain: emu.url,
    logger,
    loggerLevel: lark.LoggerLevel.debug,
    onReady: () => ready(),
    onReconnected: () => {
      reconnects++;
      emu.emit('change');
    },
  });
  // start() resolves before the socket is up: onReady is the real "connected" signal.
  await ws.start({ eventDispatcher: dispatcher });
  await readyP;
  const client = new lark.Client({ appId: emu.appId, appSecret: emu.appSecret, domain: emu.url, logger, loggerLevel: lark.LoggerLevel.debug });
  const h: Harness = { emu, ws, client, received, cardActions, lines, reconnected: () => reconnects };
  openHarnesses.push(h);
  return h;
}

afterEach(async () => {
  for (const h of openHarnesses.splice(0)) {
    h.ws.close({ force: true });
    await h.emu.stop();
  }
});

function httpError(err: unknown): { status: number; headers: Record<string, string>; data: { code?: number; msg?: string } } {
  const res = (err as { response?: { status: number; headers: Record<string, string>; data: { code?: number } } }).response;
  if (!res) throw new Error(`expected an HTTP error, got ${String(err)}`);
  return res;
}

describe('FeishuEmulator long connection with the real WSClient', () => {
  it('hands im.message.receive_v1 to EventDispatcher and receives the SDK ack', async () => {
    const { emu, received } = await harness();
    expect(emu.endpointRequests).toBe(1);
    const endpointCall = emu.requests.find((r) => r.path === '/callback/ws/endpoint');
    expect(endpointCall?.body).toEqual({ AppID: emu.appId, AppSecret: emu.appSecret });

    const chatId = newChatId();
    const sender = { openId: newOpenId(), userId: 'u123', name: 'Alice' };
    const ack = await emu.pushMessage({ chatId, chatType: 'group', sender, text: 'claw status' });

    expect(ack).toMatchObject({ acked: true, code: 200, withinDeadline: true });
    expect(ack.latencyMs).toBeLessThan(3000);
    // The SDK computes biz_rt as start - end, so it is never positive.
    expect(ack.bizRt).toBeLessThanOrEqual(0);
    expect(received).toHaveLength(1);
    const m = received[0];
    expect(m).toMatchObject({ chat_id: chatId, chat_type: 'group', message_type: 'text', sender_open_id: sender.openId });
    expect(JSON.parse(m?.content ?? '{}')).toEqual({ text: '@_user_1 claw status' });
    expect(m?.mentions?.[0]).toMatchObject({ key: '@_user_1', name: emu.botName, id: { open_id: emu.botOpenId } });
  });

  it('acks only after the handler settles: a slow handler delays the ack, a throwing one yields code 500', async () => {
    let mode: 'slow' | 'throw' = 'slow';
    const { emu } = await harness({}, async () => {
      if (mode === 'throw') throw new Error('boom');
      await sleep(300);
      return undefined;
    });
    const slow = await emu.pushMessage({ chatId: newChatId(), chatType: 'p2p', sender: { openId: newOpenId() }, text: 'claw list' });
    expect(slow.acked).toBe(true);
    expect(slow.latencyMs).toBeGreaterThanOrEqual(290);

    mode = 'throw';
    const failed = await emu.pushMessage({ chatId: newChatId(), chatType: 'p2p', sender: { openId: newOpenId() }, text: 'x' });
    expect(failed).toMatchObject({ acked: true, code: 500 });
  });

  it('reports a missed 3 s deadline when the handler is slower than ackDeadlineMs', async () => {
    const { emu } = await harness({ ackDeadlineMs: 100 }, async () => {
      await sleep(200);
      return undefined;
    });
    const ack = await emu.pushMessage({ chatId: newChatId(), chatType: 'group', sender: { openId: newOpenId() }, text: 'slow' });
    expect(ack).toMatchObject({ acked: true, withinDeadline: false });
  });

  it('delivers card.action.trigger and returns the handler response (toast + card) in the ack', async () => {
    const { emu, cardActions } = await harness();
    const operator = { openId: newOpenId(), userId: 'u9' };
    const ack = await emu.pushCardAction({
      operator,
      value: { cmd: 'restart', claw: 'c1' },
      openMessageId: 'om_card1',
      openChatId: newChatId(),
    });
    expect(ack).toMatchObject({ acked: true, code: 200, withinDeadline: true });
    expect(ack.data).toEqual({
      toast: { type: 'success', content: 'ran restart' },
      card: { type: 'raw', data: { elements: [{ tag: 'markdown', content: 'done' }] } },
    });
    expect(cardActions[0]).toMatchObject({
      operator: { open_id: operator.openId },
      action: { value: { cmd: 'restart', claw: 'c1' }, tag: 'button' },
      context: { open_message_id: 'om_card1' },
    });
    expect(cardActions[0]?.token).toMatch(/^c-/);
  });

  it('SDK fact: frames whose type header is "card" are ignored (never dispatched, never acked)', async () => {
    const { emu, cardActions } = await harness({ ackTimeoutMs: 300 });
    const ack = await emu.pushCardAction(
      { operator: { openId: newOpenId() }, value: { cmd: 'x' }, openMessageId: 'om_1', openChatId: newChatId() },
      { frameType: 'card' },
    );
    expect(ack.acked).toBe(false);
    expect(cardActions).toHaveLength(0);
  });

  it('SDK fact: an event type without a handler is still acked with code 200 (so Feishu never redelivers it)', async () => {
    const { emu } = await harness();
    const ack = await emu.pushEvent('im.chat.member.bot.added_v1', { chat_id: newChatId() });
    expect(ack).toMatchObject({ acked: true, code: 200, data: 'no im.chat.member.bot.added_v1 event handle' });
  });

  it('reassembles an event split into sum/seq fragments and acks it once', async () => {
    const { emu, received } = await harness();
    const ack = await emu.pushMessage(
      { chatId: newChatId(), chatType: 'group', sender: { openId: newOpenId() }, text: 'x'.repeat(5000) },
      { fragments: 3 },
    );
    expect(ack).toMatchObject({ acked: true, code: 200 });
    expect(received).toHaveLength(1);
    expect(JSON.parse(received[0]?.content ?? '{}')).toEqual({ text: `@_user_1 ${'x'.repeat(5000)}` });
  });

  it('answers the client pings with pong + ClientConfig', async () => {
    const { emu } = await harness({ clientConfig: { PingInterval: 0.05 } });
    await emu.waitFor(() => emu.pings >= 3, 5000, '3 pings');
  });

  it('redelivery reaches the handler twice with the same event_id and message_id (product must dedupe)', async () => {
    const { emu, received } = await harness();
    const first = await emu.pushMessage({ chatId: newChatId(), chatType: 'group', sender: { openId: newOpenId() }, text: 'claw restart c1' });
    const again = await emu.redeliver(first.eventId);
    expect(again.acked).toBe(true);
    expect(received).toHaveLength(2);
    expect(received[1]?.message_id).toBe(received[0]?.message_id);
    expect(received[1]?.event_id).toBe(received[0]?.event_id);
    // The transport-level frame id differs, so the SDK's own merge cache cannot dedupe it.
    expect(again.frameMessageId).not.toBe(first.frameMessageId);
  });

  it('reconnects by itself after the connection is dropped, then receives again', async () => {
    const h = await harness();
    const { emu } = h;
    emu.dropConnections();
    await emu.waitFor(() => h.reconnected() >= 1 && emu.connections === 1, 5000, 'SDK reconnect');
    expect(emu.connectionsOpened).toBe(2);
    expect(emu.endpointRequests).toBe(2);
    const ack = await emu.pushMessage({ chatId: newChatId(), chatType: 'group', sender: { openId: newOpenId() }, text: 'after drop' });
    expect(ack.acked).toBe(true);
  });

  it('detects a silent (half-open) connection via wsConfig.pingTimeout (off by default)', async () => {
    // pingTimeout must be shorter than the server's PingInterval: every ping re-arms the
    // watchdog, so a timeout longer than the interval never fires.
    const emu = new FeishuEmulator({ clientConfig: { PingInterval: 0.1 } });
    await emu.start();
    const { logger, lines } = captureLogger();
    let reconnected = 0;
    const ws = new lark.WSClient({
      appId: emu.appId,
      appSecret: emu.appSecret,
      domain: emu.url,
      logger,
      loggerLevel: lark.LoggerLevel.warn,
      // Seconds. Without it the SDK waits for a socket error that a half-open TCP path never raises.
      wsConfig: { pingTimeout: 0.05 },
      onReconnected: () => {
        reconnected++;
      },
    });
    try {
      await ws.start({ eventDispatcher: new lark.EventDispatcher({ logger }) });
      await emu.waitForConnections(1);
      emu.answerPings = false;
      await emu.waitFor(() => emu.connectionsOpened >= 2, 5000, 'watchdog reconnect');
      emu.answerPings = true;
      await emu.waitFor(() => reconnected >= 1, 5000, 'onReconnected');
      expect(lines.some((l) => l.includes('no pong/inbound'))).toBe(true);
    } finally {
      ws.close({ force: true });
      await emu.stop();
    }
  });

  it('retries rejected handshakes at ReconnectInterval (no storm) until one succeeds', async () => {
    const emu = new FeishuEmulator({ clientConfig: { ReconnectInterval: 0.05 } });
    await emu.start();
    emu.failHandshake(2);
    const { logger } = captureLogger();
    let readyCount = 0;
    const ws = new lark.WSClient({
      appId: emu.appId,
      appSecret: emu.appSecret,
      domain: emu.url,
      logger,
      onReady: () => {
        readyCount++;
        emu.emit('change');
      },
    });
    try {
      await ws.start({ eventDispatcher: new lark.EventDispatcher({ logger }) });
      await emu.waitFor(() => emu.connections === 1 && readyCount === 1, 5000, 'connected after 2 rejected handshakes');
      expect(emu.connectionAttempts).toBe(3);
      expect(emu.endpointRequests).toBe(3);
      expect(readyCount).toBe(1);
    } finally {
      ws.close({ force: true });
      await emu.stop();
    }
  });

  it('SDK fault reproduction: endpoint answering code 1 ("system busy") makes WSClient give up for good', async () => {
    const emu = new FeishuEmulator();
    await emu.start();
    emu.respondWith('ws.endpoint', { status: 200, body: { code: 1, msg: 'system busy', data: {} } });
    const { logger } = captureLogger();
    let error: Error | undefined;
    const ws = new lark.WSClient({
      appId: emu.appId,
      appSecret: emu.appSecret,
      domain: emu.url,
      logger,
      onError: (e) => {
        error = e;
        emu.emit('change');
      },
    });
    try {
      await ws.start({ eventDispatcher: new lark.EventDispatcher({ logger }) });
      await emu.waitFor(() => error, 5000, 'onError');
      expect(error?.message).toContain('code=1');
      expect(ws.getConnectionStatus().state).toBe('failed');
      // A transient "busy" is terminal: the product must call start() again itself.
      expect(emu.endpointRequests).toBe(1);
    } finally {
      ws.close({ force: true });
      await emu.stop();
    }
  });

  it('close({force:true}) stops the client for good: the socket closes and no reconnect follows', async () => {
    const h = await harness();
    h.ws.close({ force: true });
    await h.emu.waitFor(() => h.emu.connections === 0, 5000, 'socket closed');
    // Negative check: give a would-be reconnect (ReconnectInterval 0.1 s) time to happen.
    await sleep(400);
    expect(h.emu.endpointRequests).toBe(1);
    expect(h.ws.getConnectionStatus().state).toBe('idle');
  });
});

describe('FeishuEmulator lifecycle', () => {
  it('stop() closes sockets and the HTTP server and settles pending pushes as unacked', async () => {
    const h = await harness({ ackTimeoutMs: 60_000 }, () => new Promise<never>(() => undefined)); // handler never settles
    const url = h.emu.url;
    const pending = h.emu.pushMessage({ chatId: newChatId(), chatType: 'group', sender: { openId: newOpenId() }, text: 'x' });
    await h.emu.waitFor(() => h.received.length === 1, 5000, 'delivered');
    h.ws.close({ force: true });
    await h.emu.stop();
    await expect(pending).resolves.toMatchObject({ acked: false });
    await expect(fetch(`${url}/open-apis/bot/v3/info`)).rejects.toThrow();
  });
});

describe('FeishuEmulator OpenAPI with the real Client', () => {
  it('records create / reply / patch / delayed card update / contact / bot info, fetching the token once', async () => {
    const { emu, client } = await harness();
    const chatId = newChatId();
    const alice = emu.addUser({ openId: newOpenId(), userId: 'u1', name: 'Alice', email: 'alice@example.com' });

    const pushed = await emu.pushMessage({ chatId, chatType: 'group', sender: { openId: alice.openId }, text: 'claw status' });
    expect(pushed.acked).toBe(true);
    const inboundId = pushed.messageId ?? '';
    expect(inboundId).toMatch(/^om_/);

    const card = { elements: [{ tag: 'markdown', content: 'claw c1: **running**' }] };
    const created = await client.im.message.create({
      params: { receive_id_type: 'chat_id' },
      data: { receive_id: chatId, msg_type: 'interactive', content: JSON.stringify(card), uuid: 'req-1' },
    });
    expect(created.code).toBe(0);
    const cardId = created.data?.message_id ?? '';
    expect(cardId).toMatch(/^om_/);

    // Same uuid again: Feishu returns the original message instead of sending twice.
    const retried = await client.im.message.create({
      params: { receive_id_type: 'chat_id' },
      data: { receive_id: chatId, msg_type: 'interactive', content: JSON.stringify(card), uuid: 'req-1' },
    });
    expect(retried.data?.message_id).toBe(cardId);

    const reply = await client.im.message.reply({
      path: { message_id: inboundId },
      data: { msg_type: 'text', content: JSON.stringify({ text: 'ok' }) },
    });
    expect(reply.data?.parent_id).toBe(inboundId);

    const patched = await client.im.message.patch({
      path: { message_id: cardId },
      data: { content: JSON.stringify({ elements: [{ tag: 'markdown', content: 'claw c1: **stopped**' }] }) },
    });
    expect(patched.code).toBe(0);

    const action = await emu.pushCardAction({ operator: { openId: alice.openId }, value: { cmd: 'stop' }, openMessageId: cardId, openChatId: chatId, token: 'c-token-1' });
    expect(action.acked).toBe(true);
    const upd = await client.request({
      method: 'POST',
      url: '/open-apis/interactive/v1/card/update',
      data: { token: 'c-token-1', card: { elements: [] } },
    }) as { code: number };
    expect(upd.code).toBe(0);

    const user = await client.contact.user.get({ path: { user_id: alice.openId }, params: { user_id_type: 'open_id' } });
    expect(user.data?.user).toMatchObject({ name: 'Alice', email: 'alice@example.com', user_id: 'u1' });

    const bot = await client.request({ method: 'GET', url: '/open-apis/bot/v3/info' }) as { bot: { open_id: string; app_name: string } };
    expect(bot.bot).toMatchObject({ open_id: emu.botOpenId, app_name: emu.botName });

    expect(emu.messages.map((m) => [m.kind, m.msgType])).toEqual([
      ['create', 'interactive'],
      ['reply', 'text'],
    ]);
    expect(emu.messages[0]).toMatchObject({ receiveId: chatId, receiveIdType: 'chat_id', uuid: 'req-1', content: { elements: [{ tag: 'markdown', content: 'claw c1: **stopped**' }] } });
    expect(emu.messages[1]).toMatchObject({ replyTo: inboundId, chatId, content: { text: 'ok' } });
    expect(emu.patches).toHaveLength(1);
    expect(emu.cardUpdates[0]).toMatchObject({ token: 'c-token-1', tokenKnown: true, useCount: 1, openMessageId: cardId });
    // One token fetch for all the calls: the SDK caches it (process-wide, per appId).
    expect(emu.tokensIssued).toHaveLength(1);
    const authz = emu.requests.filter((r) => r.path.startsWith('/open-apis/im/')).map((r) => r.headers.authorization);
    expect(new Set(authz)).toEqual(new Set([`Bearer ${emu.tokensIssued[0]}`]));
  });

  it('surfaces an injected 429 with x-ogw-ratelimit-* headers to the caller (the SDK does not retry)', async () => {
    const { emu, client } = await harness();
    emu.respondWith('message.create', { status: 429, times: 1, headers: { 'x-ogw-ratelimit-reset': '2' } });
    const send = () =>
      client.im.message.create({ params: { receive_id_type: 'chat_id' }, data: { receive_id: newChatId(), msg_type: 'text', content: '{"text":"hi"}' } });
    const err = await send().then(
      () => undefined,
      (e: unknown) => e,
    );
    const res = httpError(err);
    expect(res.status).toBe(429);
    expect(res.headers['x-ogw-ratelimit-reset']).toBe('2');
    expect(res.data.code).toBe(99991400);
    expect(emu.requests.filter((r) => r.path === '/open-apis/im/v1/messages')).toHaveLength(1);
    await expect(send()).resolves.toMatchObject({ code: 0 });
  });

  it('SDK fact: an HTTP 200 answer with a non-zero code resolves (the caller must check code)', async () => {
    const { emu, client } = await harness();
    emu.respondWith('message.create', { status: 200, body: { code: 230002, msg: 'Bot/User can NOT be out of the chat.' } });
    const res = await client.im.message.create({
      params: { receive_id_type: 'chat_id' },
      data: { receive_id: newChatId(), msg_type: 'text', content: '{"text":"hi"}' },
    });
    expect(res.code).toBe(230002);
  });

  it('enforces the optional 5-per-second per-chat limit with code 230020', async () => {
    const { emu, client } = await harness({ chatRateLimit: { perSecond: 5 } });
    const chatId = newChatId();
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) =>
        client.im.message.create({ params: { receive_id_type: 'chat_id' }, data: { receive_id: chatId, msg_type: 'text', content: JSON.stringify({ text: `n${i}` }) } }),
      ),
    );
    const rejected = results.filter((r) => r.status === 'rejected');
    expect(rejected).toHaveLength(1);
    const res = httpError((rejected[0] as PromiseRejectedResult).reason);
    expect(res).toMatchObject({ status: 400, data: { code: 230020 } });
    expect(emu.messages).toHaveLength(5);
  });

  it('injects 5xx and latency', async () => {
    const { emu, client } = await harness();
    emu.respondWith('contact.user', { status: 503, times: 1 });
    emu.addUser({ openId: 'ou_x', name: 'X' });
    const get = () => client.contact.user.get({ path: { user_id: 'ou_x' }, params: { user_id_type: 'open_id' } });
    expect(httpError(await get().catch((e: unknown) => e)).status).toBe(503);
    emu.setLatency(200, 'contact.user');
    const t0 = Date.now();
    await expect(get()).resolves.toMatchObject({ code: 0 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
  });

  it('SDK fact: a revoked tenant token keeps being reused from the SDK cache (no refresh on 99991663)', async () => {
    const { emu, client } = await harness();
    const send = () =>
      client.im.message.create({ params: { receive_id_type: 'chat_id' }, data: { receive_id: newChatId(), msg_type: 'text', content: '{"text":"hi"}' } });
    await send();
    emu.revokeTokens();
    for (let i = 0; i < 2; i++) {
      const res = httpError(await send().catch((e: unknown) => e));
      expect(res.data.code).toBe(99991663);
    }
    expect(emu.tokensIssued).toHaveLength(1);
  });
});

describe('Feishu webhook driver against the SDK EventDispatcher + adaptDefault', () => {
  const encryptKey = 'test-encrypt-key';
  const verificationToken = 'test-verification-token';
  let server: Server | undefined;
  let url = '';
  let handled: Array<Record<string, unknown>> = [];
  let lines: string[] = [];

  async function serve(dispatcherOpts: { encryptKey?: string; verificationToken?: string }): Promise<void> {
    const cap = captureLogger();
    lines = cap.lines;
    handled = [];
    const dispatcher = new lark.EventDispatcher({ ...dispatcherOpts, logger: cap.logger, loggerLevel: lark.LoggerLevel.debug }).register({
      'im.message.receive_v1': (data) => {
        handled.push(data as unknown as Record<string, unknown>);
        return { ok: true };
      },
    });
    const handler = lark.adaptDefault('/webhook/event', dispatcher, { autoChallenge: true });
    server = createServer((req, res) => {
      handler(req, res).catch(() => res.end());
    });
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook/event`;
  }

  beforeEach(() => {
    handled = [];
  });

  afterEach(async () => {
    const s = server;
    server = undefined;
    if (s) {
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    }
  });

  const app = { appId: 'cli_0123456789abcdef', tenantKey: 'tk1', verificationToken, botOpenId: 'ou_bot', botUnionId: 'on_bot', botName: 'Bot' };
  const event = () => buildMessageReceiveEvent(app, { chatId: 'oc_1', chatType: 'group', sender: { openId: 'ou_a' }, text: 'claw status' });

  it('our AES output decrypts with the SDK AESCipher', () => {
    const cipher = new lark.AESCipher(encryptKey);
    expect(cipher.decrypt(encryptPayload(encryptKey, '{"a":1}'))).toBe('{"a":1}');
  });

  it('answers url_verification (plain and encrypted) through autoChallenge', async () => {
    await serve({ encryptKey, verificationToken });
    const plain = await sendUrlVerification(url, { verificationToken, challenge: 'abc' });
    expect(plain).toMatchObject({ status: 200, json: { challenge: 'abc' } });
    const enc = await sendUrlVerification(url, { verificationToken, encryptKey, challenge: 'def' });
    expect(enc).toMatchObject({ status: 200, json: { challenge: 'def' } });
    // SDK fact: the challenge is answered even with a wrong verification token.
    const wrong = await sendUrlVerification(url, { verificationToken, tamper: 'token', challenge: 'ghi' });
    expect(wrong).toMatchObject({ status: 200, json: { challenge: 'ghi' } });
  });

  it('an encrypted + signed event is decrypted, verified and dispatched', async () => {
    await serve({ encryptKey, verificationToken });
    const ev = event();
    const res = await sendWebhookEvent(url, ev, { encryptKey, verificationToken });
    expect(res).toMatchObject({ status: 200, json: { ok: true } });
    expect(handled).toHaveLength(1);
    expect(handled[0]).toMatchObject({ event_id: ev.header.event_id, token: verificationToken, message: { chat_id: 'oc_1' } });
    expect(res.sent.headers['X-Lark-Signature']).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a bad signature is rejected by the SDK, but answered HTTP 200 with an empty body', async () => {
    await serve({ encryptKey, verificationToken });
    const res = await sendWebhookEvent(url, event(), { encryptKey, verificationToken, tamper: 'signature' });
    expect(handled).toHaveLength(0);
    expect(res.status).toBe(200);
    expect(res.body).toBe('');
    expect(lines.some((l) => l.includes('verification failed event'))).toBe(true);
  });

  it('SDK gap: a wrong verification token is NOT checked: the handler runs (product must compare data.token)', async () => {
    await serve({ encryptKey, verificationToken });
    const res = await sendWebhookEvent(url, event(), { encryptKey, verificationToken, tamper: 'token' });
    expect(res.status).toBe(200);
    expect(handled).toHaveLength(1);
    expect(handled[0]?.token).toBe('not-the-verification-token');
  });

  it('SDK gap: an hour-old (replayed) but correctly signed request is accepted (product must check the timestamp)', async () => {
    await serve({ encryptKey, verificationToken });
    const res = await sendWebhookEvent(url, event(), { encryptKey, verificationToken, tamper: 'timestamp' });
    expect(res.status).toBe(200);
    expect(handled).toHaveLength(1);
  });

  it('SDK gap: without an encryptKey the dispatcher checks no signature at all', async () => {
    await serve({ verificationToken });
    const res = await sendWebhookEvent(url, event(), { verificationToken, headers: { 'X-Lark-Signature': 'garbage' } });
    expect(res.status).toBe(200);
    expect(handled).toHaveLength(1);
  });
});
