// Proves the unmodified dingtalk-stream DWClient works against DingTalkEmulator, and reproduces the SDK's known faults.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TOPIC_CARD, TOPIC_ROBOT } from 'dingtalk-stream';
import type { DWClientDownStream, RobotTextMessage } from 'dingtalk-stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MockInstance } from 'vitest';
import { DingTalkEmulator, EmulatedDWClient } from './dingtalk-emulator.js';
import type { DingTalkEmulatorOptions, EmulatedDWClientOptions } from './dingtalk-emulator.js';

process.env.NO_PROXY = '127.0.0.1,localhost';

const emulators: DingTalkEmulator[] = [];
const clients: EmulatedDWClient[] = [];
let consoleSpies: MockInstance[] = [];

beforeEach(() => {
  // DWClient logs straight to console (connect success / ERROR / Disconnecting.) with no
  // logger option; silence it and keep the calls for assertions.
  consoleSpies = (['info', 'warn', 'error', 'log'] as const).map((m) => vi.spyOn(console, m).mockImplementation(() => undefined));
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.halt();
  for (const e of emulators.splice(0)) await e.stop();
  for (const s of consoleSpies) s.mockRestore();
});

const spy = (method: 'info' | 'warn' | 'error' | 'log'): MockInstance =>
  consoleSpies[['info', 'warn', 'error', 'log'].indexOf(method)] as MockInstance;

async function emulator(opts: DingTalkEmulatorOptions = {}): Promise<DingTalkEmulator> {
  const emu = new DingTalkEmulator(opts);
  await emu.start();
  emulators.push(emu);
  return emu;
}

function dwClient(emu: DingTalkEmulator, opts: Partial<EmulatedDWClientOptions> = {}): EmulatedDWClient {
  const c = new EmulatedDWClient({
    clientId: emu.clientId,
    clientSecret: emu.clientSecret,
    gatewayUrl: emu.gatewayUrl,
    // A fresh array: the SDK default is shared by every client in the process.
    subscriptions: [{ type: 'EVENT', topic: '*' }],
    reconnectIntervalMs: 50,
    ...opts,
  });
  clients.push(c);
  return c;
}

interface Connected {
  emu: DingTalkEmulator;
  client: EmulatedDWClient;
  robot: RobotTextMessage[];
}

/** Emulator + a client whose robot listener acks every message with {handled: msgId}. */
async function connected(opts: DingTalkEmulatorOptions = {}, clientOpts: Partial<EmulatedDWClientOptions> = {}): Promise<Connected> {
  const emu = await emulator(opts);
  const client = dwClient(emu, clientOpts);
  const robot: RobotTextMessage[] = [];
  client.registerCallbackListener(TOPIC_ROBOT, (res: DWClientDownStream) => {
    const msg = JSON.parse(res.data) as RobotTextMessage;
    robot.push(msg);
    client.socketCallBackResponse(res.headers.messageId, { handled: msg.msgId });
  });
  await client.connect();
  await emu.waitForConnections(1);
  return { emu, client, robot };
}

async function api(emu: DingTalkEmulator, method: string, path: string, body: unknown, token?: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers['x-acs-dingtalk-access-token'] = token;
  const res = await fetch(`${emu.url}${path}`, { method, headers, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function accessToken(emu: DingTalkEmulator): Promise<string> {
  const r = await api(emu, 'POST', '/v1.0/oauth2/accessToken', { appKey: emu.clientId, appSecret: emu.clientSecret });
  expect(r.status).toBe(200);
  return r.json.accessToken as string;
}

const alice = { staffId: 'staff-alice', nick: 'Alice' };

describe('DingTalkEmulator stream mode with the real DWClient', () => {
  it('connects through the gateway and delivers a robot CALLBACK that the client acks with socketCallBackResponse', async () => {
    const { emu, client, robot } = await connected();
    expect(emu.gatewayRequests).toHaveLength(1);
    expect(emu.gatewayRequests[0]).toMatchObject({
      clientId: emu.clientId,
      subscriptions: [
        { type: 'EVENT', topic: '*' },
        { type: 'CALLBACK', topic: TOPIC_ROBOT },
      ],
    });
    // 2.1.5 sends no localIp.
    expect(emu.gatewayRequests[0]?.localIp).toBeUndefined();
    expect(client.connected).toBe(true);
    expect(spy('info')).toHaveBeenCalledWith(expect.stringContaining('connect success'));

    const ack = await emu.pushRobotMessage({ conversationId: 'cidGroup1', conversationType: '2', sender: alice, text: 'claw status', msgId: 'msgA' });
    expect(ack).toMatchObject({ acked: true, code: 200, response: { handled: 'msgA' } });
    expect(ack.latencyMs).toBeLessThan(1000);
    expect(robot[0]).toMatchObject({
      conversationId: 'cidGroup1',
      conversationType: '2',
      senderStaffId: 'staff-alice',
      senderNick: 'Alice',
      msgtype: 'text',
      text: { content: ' claw status' },
      robotCode: emu.robotCode,
    });
    expect(robot[0]?.sessionWebhook.startsWith(emu.url)).toBe(true);
  });

  it('SDK fact: CALLBACK frames are not acked unless the listener calls socketCallBackResponse; EVENT frames are auto-acked', async () => {
    const emu = await emulator({ ackTimeoutMs: 300 });
    const client = dwClient(emu);
    client.registerCallbackListener(TOPIC_ROBOT, () => undefined);
    await client.connect();
    await emu.waitForConnections(1);
    const silent = await emu.pushRobotMessage({ conversationId: 'cid1', conversationType: '1', sender: alice, text: 'hi' });
    expect(silent.acked).toBe(false);
    const event = await emu.push('EVENT', 'chat_update_title', { title: 'x' });
    expect(event).toMatchObject({ acked: true, data: { status: 'SUCCESS' } });
  });

  it('answers SYSTEM pings with the same headers and opaque data (on demand and on an interval)', async () => {
    const { emu } = await connected({ pingIntervalMs: 50 });
    const [result] = await emu.ping();
    expect(result?.ok).toBe(true);
    await emu.waitFor(() => emu.pongs >= 3, 5000, '3 pongs');
    expect(emu.missedPongs).toBe(0);
  });

  it('delivers a card callback; a cardData in the callback response updates the card', async () => {
    const { emu, client } = await connected();
    client.registerCallbackListener(TOPIC_CARD, (res: DWClientDownStream) => {
      const data = JSON.parse(res.data) as { outTrackId: string; content: string };
      const params = (JSON.parse(data.content) as { cardPrivateData: { params: Record<string, unknown> } }).cardPrivateData.params;
      client.socketCallBackResponse(res.headers.messageId, { cardData: { cardParamMap: { status: `confirmed ${String(params.claw)}` } } });
    });
    // The card topic was registered after connect(): it only reaches the gateway on the next connect.
    await expect(emu.pushCardCallback({ outTrackId: 'track-1', userId: 'staff-alice' })).rejects.toThrow(/no open connection subscribed/);
    emu.dropConnections();
    await emu.waitFor(() => emu.connectionSubscriptions.some((s) => s.some((x) => x.topic === TOPIC_CARD)), 5000, 'resubscribed');

    const token = await accessToken(emu);
    const created = await api(emu, 'POST', '/v1.0/card/instances/createAndDeliver', {
      cardTemplateId: 'tpl.schema',
      outTrackId: 'track-1',
      callbackType: 'STREAM',
      cardData: { cardParamMap: { status: 'pending' } },
      openSpaceId: 'dtv1.card//IM_GROUP.cidGroup1',
      imGroupOpenSpaceModel: { supportForward: true },
      imGroupOpenDeliverModel: { robotCode: emu.robotCode },
    }, token);
    expect(created.json).toMatchObject({ success: true, result: { outTrackId: 'track-1' } });

    const ack = await emu.pushCardCallback({ outTrackId: 'track-1', userId: 'staff-alice', params: { claw: 'c1', action: 'restart' } });
    expect(ack).toMatchObject({ acked: true, response: { cardData: { cardParamMap: { status: 'confirmed c1' } } } });
    expect(emu.cards.get('track-1')?.cardParamMap).toEqual({ status: 'confirmed c1' });
  });

  it('records replies POSTed to the sessionWebhook, enforcing size and expiry', async () => {
    const { emu, client } = await connected();
    const results: unknown[] = [];
    client.registerCallbackListener('/v1.0/im/bot/messages/get', (res: DWClientDownStream) => {
      const msg = JSON.parse(res.data) as RobotTextMessage;
      client.socketCallBackResponse(res.headers.messageId, {});
      const post = (body: unknown): Promise<unknown> =>
        fetch(msg.sessionWebhook, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json());
      void post({ msgtype: 'markdown', markdown: { title: 'status', text: '**c1** running' } })
        .then((ok) => post({ msgtype: 'text', text: { content: 'x'.repeat(20_001) } }).then((tooBig) => results.push(ok, tooBig)))
        .catch((e: unknown) => results.push(e));
    });
    await emu.pushRobotMessage({ conversationId: 'cidGroup2', conversationType: '2', sender: alice, text: 'claw status' });
    await emu.waitFor(() => results.length === 2, 5000, 'two session webhook answers');
    expect(results).toEqual([
      { errcode: 0, errmsg: 'ok' },
      { errcode: 460101, errmsg: 'message too long, exceed 20000 bytes' },
    ]);
    expect(emu.sessionMessages).toHaveLength(1);
    expect(emu.sessionMessages[0]).toMatchObject({ conversationId: 'cidGroup2', msgtype: 'markdown', body: { markdown: { text: '**c1** running' } } });

    emu.expireSessionWebhooks();
    const hook = (await emu.waitFor(() => emu.requests.find((r) => r.path === '/robot/sendBySession'))).query.session;
    const expired = await fetch(`${emu.url}/robot/sendBySession?session=${hook ?? ''}`, { method: 'POST', body: JSON.stringify({ msgtype: 'text', text: { content: 'late' } }) });
    expect(await expired.json()).toMatchObject({ errcode: 300001 });
  });

  it('redelivery reaches the listener twice with the same messageId and msgId (product must dedupe)', async () => {
    const { emu, robot } = await connected();
    const first = await emu.pushRobotMessage({ conversationId: 'cid1', conversationType: '1', sender: alice, text: 'claw restart c1' });
    const again = await emu.redeliver(first.messageId);
    expect(again.acked).toBe(true);
    expect(robot).toHaveLength(2);
    expect(robot[1]?.msgId).toBe(robot[0]?.msgId);
  });

  it('reconnects after a dropped connection (fixed 1 s delay in the SDK, 50 ms here) and resubscribes', async () => {
    const { emu, robot } = await connected();
    emu.dropConnections();
    await emu.waitFor(() => emu.connectionsOpened === 2 && emu.connections === 1, 5000, 'reconnect');
    expect(emu.gatewayRequests).toHaveLength(2);
    const ack = await emu.pushRobotMessage({ conversationId: 'cid1', conversationType: '1', sender: alice, text: 'after drop' });
    expect(ack.acked).toBe(true);
    expect(robot).toHaveLength(1);
  });

  it('SYSTEM disconnect only flips flags in the SDK; the reconnect happens when the server closes the socket', async () => {
    const { emu, client } = await connected();
    emu.sendDisconnect(200);
    await emu.waitFor(() => !client.connected, 5000, 'client marked disconnected');
    // Still the same socket at this point: the SDK neither closes nor reconnects on its own.
    expect(emu.connections).toBe(1);
    await emu.waitFor(() => emu.connectionsOpened === 2 && emu.connections === 1 && client.connected, 5000, 'reconnect after close');
  });
});

describe('DingTalkEmulator lifecycle', () => {
  it('stop() closes sockets and the HTTP server and settles pending pushes as unacked', async () => {
    const emu = new DingTalkEmulator({ ackTimeoutMs: 60_000 });
    await emu.start();
    const client = dwClient(emu);
    client.registerCallbackListener(TOPIC_ROBOT, () => undefined); // never acks
    await client.connect();
    await emu.waitForConnections(1);
    const url = emu.url;
    const pending = emu.pushRobotMessage({ conversationId: 'cid', conversationType: '1', sender: alice, text: 'x' });
    client.halt();
    await emu.stop();
    await expect(pending).resolves.toMatchObject({ acked: false });
    await expect(fetch(`${url}/v1.0/oauth2/accessToken`, { method: 'POST' })).rejects.toThrow();
  });
});

describe('DingTalkEmulator OpenAPI', () => {
  it('records token, group send, 1:1 send, card create and update; rejects calls without a token', async () => {
    const emu = await emulator();
    const token = await accessToken(emu);
    const noToken = await api(emu, 'POST', '/v1.0/robot/groupMessages/send', {});
    expect(noToken).toMatchObject({ status: 401, json: { code: 'InvalidAuthentication' } });

    const group = await api(emu, 'POST', '/v1.0/robot/groupMessages/send', {
      robotCode: emu.robotCode,
      openConversationId: 'cidGroup1',
      msgKey: 'sampleMarkdown',
      msgParam: JSON.stringify({ title: 'claws', text: '| c1 | running |' }),
    }, token);
    expect(group.status).toBe(200);
    expect(typeof group.json.processQueryKey).toBe('string');

    const oto = await api(emu, 'POST', '/v1.0/robot/oToMessages/batchSend', {
      robotCode: emu.robotCode,
      userIds: ['staff-alice'],
      msgKey: 'sampleText',
      msgParam: JSON.stringify({ content: 'hi' }),
    }, token);
    expect(oto.json).toMatchObject({ invalidStaffIdList: [], flowControlledStaffIdList: [] });

    await api(emu, 'POST', '/v1.0/card/instances/createAndDeliver', {
      cardTemplateId: 'tpl', outTrackId: 't1', callbackType: 'STREAM', cardData: { cardParamMap: { a: '1', b: '1' } },
      openSpaceId: 'dtv1.card//IM_ROBOT.staff-alice', imRobotOpenSpaceModel: { supportForward: false }, imRobotOpenDeliverModel: { spaceType: 'IM_ROBOT' },
    }, token);
    const upd = await api(emu, 'PUT', '/v1.0/card/instances', { outTrackId: 't1', cardData: { cardParamMap: { b: '2' } }, cardUpdateOptions: { updateCardDataByKey: true } }, token);
    expect(upd.json).toEqual({ success: true, result: true });
    const missing = await api(emu, 'PUT', '/v1.0/card/instances', { outTrackId: 'nope', cardData: { cardParamMap: {} } }, token);
    expect(missing.status).toBe(400);

    expect(emu.groupMessages[0]).toMatchObject({ openConversationId: 'cidGroup1', msgKey: 'sampleMarkdown', msgParam: { title: 'claws' } });
    expect(emu.oToMessages[0]).toMatchObject({ userIds: ['staff-alice'], msgKey: 'sampleText' });
    expect(emu.cards.get('t1')).toMatchObject({ cardParamMap: { a: '1', b: '2' }, openSpaceId: 'dtv1.card//IM_ROBOT.staff-alice', callbackType: 'STREAM' });
    expect(emu.cards.get('t1')?.history.map((h) => h.kind)).toEqual(['create', 'update']);
  });

  it('enforces the optional per-robot rate limit across OpenAPI and sessionWebhook sends', async () => {
    const { emu, client } = await connected({ robotRateLimit: { perMinute: 2 } });
    const token = await accessToken(emu);
    const send = () =>
      api(emu, 'POST', '/v1.0/robot/groupMessages/send', { robotCode: emu.robotCode, openConversationId: 'cid', msgKey: 'sampleText', msgParam: '{"content":"x"}' }, token);
    expect((await send()).status).toBe(200);
    expect((await send()).status).toBe(200);
    expect(await send()).toMatchObject({ status: 403, json: { code: 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi' } });

    let hookAnswer: unknown;
    client.registerCallbackListener(TOPIC_ROBOT, (res: DWClientDownStream) => {
      const msg = JSON.parse(res.data) as RobotTextMessage;
      void fetch(msg.sessionWebhook, { method: 'POST', body: JSON.stringify({ msgtype: 'text', text: { content: 'x' } }) })
        .then((r) => r.json())
        .then((j: unknown) => {
          hookAnswer = j;
        })
        .catch((e: unknown) => {
          hookAnswer = e;
        });
    });
    await emu.pushRobotMessage({ conversationId: 'cid', conversationType: '2', sender: alice, text: 'x' });
    await emu.waitFor(() => hookAnswer, 5000, 'session webhook answer');
    expect(hookAnswer).toEqual({ errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' });
  });

  it('injects 429 / 5xx and latency', async () => {
    const emu = await emulator();
    const token = await accessToken(emu);
    emu.respondWith('groupMessages', { status: 429, times: 1 });
    emu.respondWith('card.createAndDeliver', { status: 502, times: 1 });
    const body = { robotCode: emu.robotCode, openConversationId: 'cid', msgKey: 'sampleText', msgParam: '{"content":"x"}' };
    expect((await api(emu, 'POST', '/v1.0/robot/groupMessages/send', body, token)).status).toBe(429);
    expect((await api(emu, 'POST', '/v1.0/card/instances/createAndDeliver', {}, token)).status).toBe(502);
    emu.setLatency(150, 'groupMessages');
    const t0 = Date.now();
    expect((await api(emu, 'POST', '/v1.0/robot/groupMessages/send', body, token)).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    expect(emu.groupMessages).toHaveLength(1);
  });
});

describe('dingtalk-stream 2.1.5 faults (reproductions, so the product can guard against them)', () => {
  it('SDK fault reproduction: a refused websocket handshake multiplies the reconnect loops (reconnect storm, leaked sockets)', async () => {
    const emu = await emulator();
    emu.failHandshake(2);
    const client = dwClient(emu);
    await client.connect();
    // Each refusal fires both 'error' (connect()'s catch schedules a retry) and 'close' (the
    // close handler schedules another); the error handler's terminate() can add one more.
    // So retry loops multiply, and every loop that later succeeds opens its own socket.
    // Parallel loops also share this.dw_url, so two of them can present the same one-time
    // ticket and cause yet another refusal. A correct client would make 3 attempts and hold
    // exactly 1 socket.
    await emu.waitFor(() => emu.connections >= 2, 5000, 'more than one live socket for one client');
    expect(emu.gatewayRequests.length).toBeGreaterThan(3);
    expect(emu.connectionAttempts).toBeGreaterThan(3);
    // Let the in-flight loops finish against the live emulator before tearing down, so no
    // late socket error lands (as a console.warn) in the next test. After halt() no loop can
    // start a new attempt, so "nothing new for 200 ms" means they are all done.
    client.halt();
    let last = -1;
    let stableSince = Date.now();
    await emu.waitFor(() => {
      const now = emu.gatewayRequests.length + emu.connectionAttempts;
      if (now !== last) {
        last = now;
        stableSince = Date.now();
      }
      return Date.now() - stableSince >= 200;
    }, 5000, 'storm loops finished');
  });

  it('SDK fault reproduction: gateway failures (e.g. a wrong secret) are retried forever at a fixed interval, silently', async () => {
    const emu = await emulator();
    const client = dwClient(emu, { clientSecret: 'wrong-secret' });
    const errors: unknown[] = [];
    client.on('error', (e: unknown) => errors.push(e));
    await client.connect(); // resolves: the failure is swallowed and a retry is scheduled
    await emu.waitFor(() => emu.gatewayRequests.length >= 5, 5000, '5 gateway attempts');
    expect(emu.gatewayRequests.every((g) => !g.ok)).toBe(true);
    expect(errors).toEqual([]);
    expect(spy('warn')).not.toHaveBeenCalled();
    expect(spy('error')).not.toHaveBeenCalled();
    expect(client.connected).toBe(false);
  });

  it('SDK fault reproduction: disconnect() while a reconnect is pending does not stop it', async () => {
    const { emu, client } = await connected({}, { reconnectIntervalMs: 300 });
    emu.dropConnections();
    await emu.waitFor(() => !client.connected, 5000, 'client saw the drop');
    client.disconnect(); // the product's "stop" — but the SDK's retry timer is not cancelled
    await emu.waitFor(() => emu.connectionsOpened === 2 && emu.connections === 1 && client.connected, 5000, 'zombie reconnect');
  });

  it('SDK fault reproduction: the default subscriptions array is shared by every DWClient in the process', async () => {
    const emu = await emulator({ ackTimeoutMs: 300 });
    const a = new EmulatedDWClient({ clientId: emu.clientId, clientSecret: emu.clientSecret, gatewayUrl: emu.gatewayUrl, reconnectIntervalMs: 50 });
    const b = new EmulatedDWClient({ clientId: emu.clientId, clientSecret: emu.clientSecret, gatewayUrl: emu.gatewayUrl, reconnectIntervalMs: 50 });
    clients.push(a, b);
    const shared = a.config.subscriptions;
    try {
      a.registerCallbackListener(TOPIC_ROBOT, () => undefined);
      expect(b.config.subscriptions).toBe(shared);
      expect(b.config.subscriptions).toContainEqual({ type: 'CALLBACK', topic: TOPIC_ROBOT });
      // B never registered a robot listener, yet subscribes the topic and gets the traffic,
      // which then is never acked.
      await b.connect();
      await emu.waitForConnections(1);
      expect(emu.gatewayRequests[0]?.subscriptions).toContainEqual({ type: 'CALLBACK', topic: TOPIC_ROBOT });
      const ack = await emu.pushRobotMessage({ conversationId: 'cid', conversationType: '1', sender: alice, text: 'lost' });
      expect(ack.acked).toBe(false);
    } finally {
      // Undo the pollution of the module-level default for the rest of this process.
      shared.splice(0, shared.length, { type: 'EVENT', topic: '*' });
    }
  });

  const fixture = fileURLToPath(new URL('./fixtures/dw-crash-child.ts', import.meta.url));
  const root = fileURLToPath(new URL('../..', import.meta.url));

  async function runCrashChild(mode: 'sync' | 'async' | 'badjson'): Promise<{ code: number | null; stderr: string }> {
    const emu = await emulator({ ackTimeoutMs: 500 });
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, mode, emu.gatewayUrl, emu.clientId, emu.clientSecret], {
      cwd: root,
      env: { ...process.env, NO_PROXY: '127.0.0.1,localhost' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.stdout.resume();
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await emu.waitForConnections(1, 15_000);
      if (mode === 'badjson') {
        emu.sendRaw('this is not json');
        return { code: await exited, stderr };
      }
      // The ack never comes (the process dies), so the push resolves unacked after 500 ms.
      const [code, ack] = await Promise.all([
        exited,
        emu.pushRobotMessage({ conversationId: 'cid', conversationType: '1', sender: alice, text: 'boom' }),
      ]);
      expect(ack.acked).toBe(false);
      return { code, stderr };
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }

  it('SDK fault reproduction: a callback listener that throws crashes the whole process', async () => {
    const r = await runCrashChild('sync');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('listener boom');
  });

  it('SDK fault reproduction: an async callback listener that rejects crashes the process (unhandled rejection)', async () => {
    const r = await runCrashChild('async');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('async listener boom');
  });

  it('SDK fault reproduction: a non-JSON frame from the server crashes the process (JSON.parse in onDownStream)', async () => {
    const r = await runCrashChild('badjson');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('SyntaxError');
  });
});
