// Loopback emulator of DingTalk: Stream-mode gateway + websocket and the robot/card OpenAPI subset, for real-SDK tests.
import { EventEmitter } from 'node:events';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { DWClient } from 'dingtalk-stream';
import { WebSocketServer } from 'ws';
import type { RawData, WebSocket } from 'ws';
import {
  FaultPlan,
  TimerBag,
  WindowLimiter,
  hex,
  parseUrl,
  rawToBuffer,
  closeLoopback,
  listenOnLoopback,
  readBody,
  rejectUpgrade,
  sendJson,
  uuid,
  waitForChange,
} from './emulator-kit.js';
import type { InjectedResponse, RecordedRequest } from './emulator-kit.js';

/** Topics as defined by dingtalk-stream's constants (TOPIC_ROBOT / TOPIC_CARD). */
export const DT_TOPIC_ROBOT = '/v1.0/im/bot/messages/get';
export const DT_TOPIC_CARD = '/v1.0/card/instances/callback';

export interface DingTalkEmulatorOptions {
  clientId?: string;
  clientSecret?: string;
  robotCode?: string;
  corpId?: string;
  /** Periodic SYSTEM ping to every connection; 0 (default) = only on demand via ping(). */
  pingIntervalMs?: number;
  /** How long push*() / ping() wait for the client before resolving acked=false. Default 5000. */
  ackTimeoutMs?: number;
  /**
   * Per-robot send limit shared by group sends, 1:1 sends and the sessionWebhook (DingTalk
   * documents ~20 messages/minute per robot). Off unless set.
   */
  robotRateLimit?: {
    perMinute: number;
    /** HTTP status for the v1.0 endpoints (not verified against DingTalk: 403 assumed). */
    status?: number;
    code?: string;
  };
  /** Message size limit in bytes (DingTalk: 20000). */
  maxMessageBytes?: number;
  /** sessionWebhook lifetime (DingTalk: about 90 minutes). */
  sessionWebhookTtlMs?: number;
}

export interface StreamAck {
  acked: boolean;
  /** `code` of the client's frame (the SDK always sends 200). */
  code?: number;
  /** The frame's `data`, JSON-parsed. For callbacks: {response: <socketCallBackResponse result>}. */
  data?: unknown;
  /** data.response, the value the product passed to socketCallBackResponse(). */
  response?: unknown;
  latencyMs: number;
  messageId: string;
}

export interface PingResult {
  connectionId: string;
  ok: boolean;
  latencyMs: number;
}

export interface GatewayRequest {
  clientId: string;
  ua?: string;
  localIp?: string;
  subscriptions: Array<{ type: string; topic: string }>;
  ok: boolean;
  at: number;
}

export interface RobotMessageOptions {
  conversationId: string;
  /** '1' = 1:1, '2' = group. */
  conversationType: '1' | '2';
  sender: { staffId: string; nick: string; corpId?: string };
  text: string;
  /** Whether the robot was @-mentioned (group). Real DingTalk only delivers group messages that @ the robot. */
  atBot?: boolean;
  msgId?: string;
  conversationTitle?: string;
}

export interface CardCallbackOptions {
  outTrackId: string;
  userId: string;
  /** Values the card submitted (cardPrivateData.params). */
  params?: Record<string, unknown>;
  actionId?: string;
}

export interface DtGroupMessage {
  robotCode: string;
  openConversationId: string;
  msgKey: string;
  msgParam: unknown;
  processQueryKey: string;
  at: number;
}

export interface DtOToMessage {
  robotCode: string;
  userIds: string[];
  msgKey: string;
  msgParam: unknown;
  processQueryKey: string;
  at: number;
}

export interface DtSessionMessage {
  session: string;
  conversationId: string;
  msgtype: string;
  body: Record<string, unknown>;
  /** Whether the request carried x-acs-dingtalk-access-token. */
  hadAccessToken: boolean;
  at: number;
}

export interface DtCard {
  outTrackId: string;
  cardTemplateId: string;
  openSpaceId: string;
  callbackType?: string;
  /** Current card data after creation, updates and callback responses. */
  cardParamMap: Record<string, unknown>;
  history: Array<{ kind: 'create' | 'update' | 'callback-response'; cardParamMap: Record<string, unknown>; at: number }>;
  createBody: Record<string, unknown>;
}

export type DingTalkRoute =
  | 'gateway'
  | 'accessToken'
  | 'groupMessages'
  | 'oToMessages'
  | 'card.createAndDeliver'
  | 'card.update'
  | 'sessionWebhook'
  | '*';

export interface DingTalkRespondWith {
  status: number;
  times?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface StreamFrame {
  specVersion: string;
  type: 'SYSTEM' | 'EVENT' | 'CALLBACK';
  headers: Record<string, string>;
  data: string;
}

interface Connection {
  connectionId: string;
  socket: WebSocket;
  subscriptions: Array<{ type: string; topic: string }>;
  openedAt: number;
}

interface PendingReply {
  kind: 'push' | 'ping';
  sentAt: number;
  timer: NodeJS.Timeout;
  connectionId: string;
  expectData?: string;
  resolve: (frame: { code?: number; data?: string } | undefined) => void;
}

export class DingTalkEmulator extends EventEmitter {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly robotCode: string;
  readonly corpId: string;
  readonly chatbotUserId: string;

  readonly requests: RecordedRequest[] = [];
  readonly gatewayRequests: GatewayRequest[] = [];
  readonly groupMessages: DtGroupMessage[] = [];
  readonly oToMessages: DtOToMessage[] = [];
  readonly sessionMessages: DtSessionMessage[] = [];
  readonly cards = new Map<string, DtCard>();
  readonly acks: StreamAck[] = [];
  readonly accessTokensIssued: string[] = [];
  /** WebSocket upgrade attempts, including rejected ones. */
  connectionAttempts = 0;
  /** Successful WebSocket handshakes over the emulator's lifetime. */
  connectionsOpened = 0;
  pongs = 0;
  missedPongs = 0;
  readonly protocolErrors: string[] = [];

  private server: Server | undefined;
  private readonly wss = new WebSocketServer({ noServer: true });
  private baseUrl = '';
  private readonly timers = new TimerBag();
  private readonly faults = new FaultPlan();
  private readonly conns = new Map<string, Connection>();
  private readonly pending = new Map<string, PendingReply>();
  private readonly frames = new Map<string, StreamFrame>();
  private readonly tickets = new Map<string, Array<{ type: string; topic: string }>>();
  private readonly validTokens = new Set<string>();
  private readonly sessions = new Map<string, { conversationId: string; expiresAt: number }>();
  private readonly ackTimeoutMs: number;
  private readonly maxMessageBytes: number;
  private readonly sessionTtlMs: number;
  private readonly robotLimiter: WindowLimiter | undefined;
  private readonly robotLimit: { status: number; code: string };
  private readonly pingIntervalMs: number;
  private gatewayFailures: Array<{ status: number }> = [];
  private handshakeFailures = 0;

  constructor(opts: DingTalkEmulatorOptions = {}) {
    super();
    this.clientId = opts.clientId ?? `ding${hex(8)}`;
    this.clientSecret = opts.clientSecret ?? hex(24);
    this.robotCode = opts.robotCode ?? this.clientId;
    this.corpId = opts.corpId ?? `ding${hex(8)}`;
    this.chatbotUserId = `$:LWCP_v1:$${hex(12)}`;
    this.ackTimeoutMs = opts.ackTimeoutMs ?? 5000;
    this.maxMessageBytes = opts.maxMessageBytes ?? 20_000;
    this.sessionTtlMs = opts.sessionWebhookTtlMs ?? 90 * 60_000;
    this.robotLimiter = opts.robotRateLimit ? new WindowLimiter(opts.robotRateLimit.perMinute, 60_000) : undefined;
    this.robotLimit = {
      status: opts.robotRateLimit?.status ?? 403,
      code: opts.robotRateLimit?.code ?? 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi',
    };
    this.pingIntervalMs = opts.pingIntervalMs ?? 0;
  }

  get url(): string {
    if (!this.baseUrl) throw new Error('DingTalkEmulator not started');
    return this.baseUrl;
  }

  /** What the SDK's hard-coded GATEWAY_URL must be replaced with. */
  get gatewayUrl(): string {
    return `${this.url}/v1.0/gateway/connections/open`;
  }

  /** Currently open stream connections. */
  get connections(): number {
    return this.conns.size;
  }

  /** Subscriptions of each open connection (from its gateway request). */
  get connectionSubscriptions(): Array<Array<{ type: string; topic: string }>> {
    return [...this.conns.values()].map((c) => c.subscriptions);
  }

  async start(): Promise<void> {
    const { server, baseUrl } = await listenOnLoopback(
      (req, res) => this.handleHttp(req, res),
      (req, socket, head) => this.handleUpgrade(req, socket, head),
      (err) => ({ code: 'EmulatorError', message: String(err) }),
    );
    this.server = server;
    this.baseUrl = baseUrl;
    if (this.pingIntervalMs > 0) {
      this.timers.interval(() => {
        this.ping().catch(() => undefined);
      }, this.pingIntervalMs);
    }
  }

  async stop(): Promise<void> {
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.resolve(undefined);
    }
    this.timers.clearAll();
    for (const c of this.conns.values()) c.socket.terminate();
    this.conns.clear();
    const server = this.server;
    this.server = undefined;
    await closeLoopback(this.wss, server);
    this.removeAllListeners();
  }

  // -------------------------------------------------------------------------
  // Stream pushes
  // -------------------------------------------------------------------------

  /** Builds the robot message payload exactly as pushRobotMessage sends it (data of the CALLBACK frame). */
  buildRobotMessage(opts: RobotMessageOptions): Record<string, unknown> {
    const now = Date.now();
    const session = hex(16);
    this.sessions.set(session, { conversationId: opts.conversationId, expiresAt: now + this.sessionTtlMs });
    const isGroup = opts.conversationType === '2';
    const atBot = opts.atBot ?? isGroup;
    const msg: Record<string, unknown> = {
      conversationId: opts.conversationId,
      chatbotCorpId: this.corpId,
      chatbotUserId: this.chatbotUserId,
      msgId: opts.msgId ?? `msg${hex(12)}`,
      senderNick: opts.sender.nick,
      isAdmin: false,
      senderStaffId: opts.sender.staffId,
      sessionWebhookExpiredTime: now + this.sessionTtlMs,
      createAt: now,
      senderCorpId: opts.sender.corpId ?? this.corpId,
      conversationType: opts.conversationType,
      senderId: `$:LWCP_v1:$${hex(12)}`,
      sessionWebhook: `${this.url}/robot/sendBySession?session=${session}`,
      // DingTalk strips the robot's @name from the text, leaving the leading space.
      text: { content: atBot ? ` ${opts.text}` : opts.text },
      robotCode: this.robotCode,
      msgtype: 'text',
    };
    if (isGroup) {
      msg.conversationTitle = opts.conversationTitle ?? 'Claw Ops';
      msg.isInAtList = atBot;
      msg.atUsers = atBot ? [{ dingtalkId: this.chatbotUserId }] : [];
    }
    return msg;
  }

  /** Pushes a robot message (CALLBACK /v1.0/im/bot/messages/get); resolves with the socketCallBackResponse ack. */
  pushRobotMessage(opts: RobotMessageOptions): Promise<StreamAck> {
    return this.push('CALLBACK', DT_TOPIC_ROBOT, this.buildRobotMessage(opts));
  }

  /** Pushes a card click (CALLBACK /v1.0/card/instances/callback). A `cardData` in the response updates the card. */
  async pushCardCallback(opts: CardCallbackOptions): Promise<StreamAck> {
    const card = this.cards.get(opts.outTrackId);
    const space = card ? parseOpenSpaceId(card.openSpaceId) : { spaceType: 'IM', spaceId: '' };
    const data = {
      extension: '{}',
      corpId: this.corpId,
      userIdType: 1,
      type: 'actionCallback',
      userId: opts.userId,
      content: JSON.stringify({
        cardPrivateData: { actionIds: [opts.actionId ?? 'action_1'], params: opts.params ?? {} },
      }),
      outTrackId: opts.outTrackId,
      spaceType: space.spaceType,
      spaceId: space.spaceId,
    };
    const ack = await this.push('CALLBACK', DT_TOPIC_CARD, data);
    const cardData = (ack.response as { cardData?: { cardParamMap?: Record<string, unknown> } } | undefined)?.cardData;
    if (card && cardData?.cardParamMap) {
      card.cardParamMap = { ...card.cardParamMap, ...cardData.cardParamMap };
      card.history.push({ kind: 'callback-response', cardParamMap: cardData.cardParamMap, at: Date.now() });
      this.changed();
    }
    return ack;
  }

  /** Pushes any frame type/topic (e.g. an EVENT), to a connection subscribed to it. */
  push(type: 'EVENT' | 'CALLBACK', topic: string, data: unknown): Promise<StreamAck> {
    const conn = this.pickConnection(type, topic);
    if (!conn) return Promise.reject(new Error(`DingTalkEmulator: no open connection subscribed to ${type} ${topic}`));
    const messageId = uuid();
    const frame: StreamFrame = {
      specVersion: '1.0',
      type,
      headers: {
        appId: this.clientId,
        connectionId: conn.connectionId,
        contentType: 'application/json',
        messageId,
        time: String(Date.now()),
        topic,
      },
      data: JSON.stringify(data),
    };
    this.frames.set(messageId, frame);
    return this.sendAndWait(conn, frame);
  }

  /**
   * Sends an earlier frame again with the same messageId and data, as DingTalk does when
   * the ack did not arrive (the docs say it retries for about a minute).
   */
  redeliver(messageId: string): Promise<StreamAck> {
    const frame = this.frames.get(messageId);
    if (!frame) return Promise.reject(new Error(`unknown messageId ${messageId}`));
    const conn = this.pickConnection(frame.type, frame.headers.topic ?? '');
    if (!conn) return Promise.reject(new Error('DingTalkEmulator: no open connection for redelivery'));
    return this.sendAndWait(conn, { ...frame, headers: { ...frame.headers, connectionId: conn.connectionId } });
  }

  /** SYSTEM ping to every open connection; each must echo the same headers and opaque data. */
  ping(): Promise<PingResult[]> {
    return Promise.all(
      [...this.conns.values()].map(async (conn) => {
        const messageId = uuid();
        const data = JSON.stringify({ opaque: uuid() });
        const frame: StreamFrame = {
          specVersion: '1.0',
          type: 'SYSTEM',
          headers: { contentType: 'application/json', messageId, time: String(Date.now()), topic: 'ping' },
          data,
        };
        const sentAt = Date.now();
        const reply = await this.expectReply(conn, messageId, 'ping', data, () => conn.socket.send(JSON.stringify(frame)));
        const ok = reply !== undefined && reply.data === data;
        if (ok) this.pongs++;
        else this.missedPongs++;
        this.changed();
        return { connectionId: conn.connectionId, ok, latencyMs: Date.now() - sentAt };
      }),
    );
  }

  /** SYSTEM disconnect (server-initiated migration), then closes the sockets after `graceMs`. */
  sendDisconnect(graceMs = 100): void {
    for (const conn of this.conns.values()) {
      const frame: StreamFrame = {
        specVersion: '1.0',
        type: 'SYSTEM',
        headers: { contentType: 'application/json', messageId: uuid(), time: String(Date.now()), topic: 'disconnect' },
        data: JSON.stringify({ reason: 'emulator requested disconnect' }),
      };
      conn.socket.send(JSON.stringify(frame));
      this.timers.timeout(() => conn.socket.close(1000, 'disconnect'), graceMs);
    }
  }

  /** Sends arbitrary text to every connection (e.g. malformed JSON). */
  sendRaw(text: string): void {
    for (const conn of this.conns.values()) conn.socket.send(text);
  }

  /** Kills every stream connection without a close handshake (network drop). */
  dropConnections(): void {
    for (const c of this.conns.values()) c.socket.terminate();
  }

  /** The next `times` POSTs to the gateway answer `status` (default 503). */
  failGateway(times: number, status = 503): void {
    for (let i = 0; i < times; i++) this.gatewayFailures.push({ status });
  }

  /** The next `times` websocket handshakes are refused with HTTP 401 (bad/expired ticket). */
  failHandshake(times: number): void {
    this.handshakeFailures += times;
  }

  respondWith(route: DingTalkRoute, r: DingTalkRespondWith): void {
    const injected: InjectedResponse = { status: r.status, body: r.body, headers: r.headers };
    injected.body ??= { code: r.status === 429 ? 'Throttling' : 'ServiceUnavailable', message: `emulated HTTP ${r.status}`, requestid: uuid() };
    this.faults.add(route, injected, r.times ?? 1);
  }

  setLatency(ms: number, route: DingTalkRoute = '*'): void {
    this.faults.setLatency(ms, route);
  }

  revokeTokens(): void {
    this.validTokens.clear();
  }

  /** Makes every sessionWebhook handed out so far expire now. */
  expireSessionWebhooks(): void {
    for (const s of this.sessions.values()) s.expiresAt = 0;
  }

  waitFor<T>(predicate: () => T | undefined | false | null, timeoutMs = 5000, what = 'condition'): Promise<T> {
    return waitForChange(this, predicate, timeoutMs, what);
  }

  waitForConnections(n = 1, timeoutMs = 5000): Promise<number> {
    return this.waitFor(() => (this.conns.size >= n ? this.conns.size : undefined), timeoutMs, `${n} open connection(s)`);
  }

  // -------------------------------------------------------------------------
  // Internals: stream
  // -------------------------------------------------------------------------

  private changed(): void {
    this.emit('change');
  }

  private pickConnection(type: string, topic: string): Connection | undefined {
    // Like DingTalk, route only to a connection whose gateway request subscribed the topic,
    // and to one connection only (no broadcast); newest first.
    let chosen: Connection | undefined;
    for (const c of this.conns.values()) {
      const subscribed = c.subscriptions.some((s) => s.type === type && (s.topic === topic || s.topic === '*'));
      if (subscribed && (!chosen || c.openedAt >= chosen.openedAt)) chosen = c;
    }
    return chosen;
  }

  private expectReply(
    conn: Connection,
    messageId: string,
    kind: 'push' | 'ping',
    expectData: string | undefined,
    send: () => void,
  ): Promise<{ code?: number; data?: string } | undefined> {
    return new Promise((resolve) => {
      const timer = this.timers.timeout(() => {
        this.pending.delete(messageId);
        resolve(undefined);
      }, this.ackTimeoutMs);
      this.pending.set(messageId, { kind, sentAt: Date.now(), timer, connectionId: conn.connectionId, expectData, resolve });
      send();
    });
  }

  private async sendAndWait(conn: Connection, frame: StreamFrame): Promise<StreamAck> {
    const messageId = frame.headers.messageId ?? '';
    const sentAt = Date.now();
    const reply = await this.expectReply(conn, messageId, 'push', undefined, () => conn.socket.send(JSON.stringify(frame)));
    const latencyMs = Date.now() - sentAt;
    let ack: StreamAck;
    if (!reply) {
      ack = { acked: false, latencyMs, messageId };
    } else {
      let data: unknown = reply.data;
      try {
        data = typeof reply.data === 'string' ? (JSON.parse(reply.data) as unknown) : reply.data;
      } catch {
        this.protocolErrors.push(`ack data is not JSON: ${String(reply.data)}`);
      }
      const response = (data as { response?: unknown } | undefined)?.response;
      ack = { acked: true, code: reply.code, data, response, latencyMs, messageId };
    }
    this.acks.push(ack);
    this.changed();
    return ack;
  }

  private handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const { path, query } = parseUrl(req);
    if (path !== '/connect') {
      rejectUpgrade(socket, 404);
      return;
    }
    this.connectionAttempts++;
    const subs = this.tickets.get(query.ticket ?? '');
    if (this.handshakeFailures > 0 || !subs) {
      if (this.handshakeFailures > 0) this.handshakeFailures--;
      rejectUpgrade(socket, 401);
      this.changed();
      return;
    }
    this.tickets.delete(query.ticket ?? '');
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.onConnection(ws, subs);
    });
  }

  private onConnection(socket: WebSocket, subscriptions: Array<{ type: string; topic: string }>): void {
    const conn: Connection = { connectionId: uuid(), socket, subscriptions, openedAt: Date.now() };
    this.conns.set(conn.connectionId, conn);
    this.connectionsOpened++;
    socket.on('message', (raw: RawData) => {
      this.onClientFrame(rawToBuffer(raw).toString('utf8'));
    });
    socket.on('close', () => {
      this.conns.delete(conn.connectionId);
      this.changed();
    });
    socket.on('error', () => {
      // Client resets are expected in drop tests; 'close' does the bookkeeping.
    });
    this.changed();
  }

  private onClientFrame(text: string): void {
    let frame: { code?: number; headers?: { messageId?: string }; message?: string; data?: string };
    try {
      frame = JSON.parse(text) as typeof frame;
    } catch {
      this.protocolErrors.push(`client frame is not JSON: ${text.slice(0, 100)}`);
      this.changed();
      return;
    }
    const messageId = frame.headers?.messageId ?? '';
    const p = this.pending.get(messageId);
    if (!p) {
      this.protocolErrors.push(`reply for unknown messageId ${messageId}`);
      this.changed();
      return;
    }
    this.pending.delete(messageId);
    this.timers.cancel(p.timer);
    p.resolve({ code: frame.code, data: frame.data });
  }

  // -------------------------------------------------------------------------
  // Internals: HTTP
  // -------------------------------------------------------------------------

  private routeOf(method: string, path: string): DingTalkRoute | undefined {
    if (method === 'POST' && path === '/v1.0/gateway/connections/open') return 'gateway';
    if (method === 'POST' && path === '/v1.0/oauth2/accessToken') return 'accessToken';
    if (method === 'POST' && path === '/v1.0/robot/groupMessages/send') return 'groupMessages';
    if (method === 'POST' && path === '/v1.0/robot/oToMessages/batchSend') return 'oToMessages';
    if (method === 'POST' && path === '/v1.0/card/instances/createAndDeliver') return 'card.createAndDeliver';
    if (method === 'PUT' && path === '/v1.0/card/instances') return 'card.update';
    if (method === 'POST' && path === '/robot/sendBySession') return 'sessionWebhook';
    return undefined;
  }

  private async handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const { path, query } = parseUrl(req);
    const { json } = await readBody(req);
    const body = (json && typeof json === 'object' ? json : {}) as Record<string, unknown>;
    const route = this.routeOf(method, path);
    const latency = this.faults.latencyFor(route ?? '*');
    if (latency > 0) await this.timers.sleep(latency);

    let status: number;
    let out: unknown;
    let headers: Record<string, string> = {};
    const injected = route ? this.faults.take(route) : undefined;
    if (injected) {
      status = injected.status;
      out = injected.body;
      headers = injected.headers ?? {};
      if (route === 'gateway') this.recordGateway(body, false);
    } else if (!route) {
      status = 404;
      out = { code: 'NotFound', message: `emulator: no route ${method} ${path}`, requestid: uuid() };
    } else {
      [status, out] = this.dispatch(route, req, query, body);
    }
    this.requests.push({ method, path, query, headers: req.headers, body: json, status, at: Date.now() });
    if (!res.destroyed) sendJson(res, status, out, headers);
    this.changed();
  }

  private recordGateway(body: Record<string, unknown>, ok: boolean): void {
    this.gatewayRequests.push({
      clientId: String(body.clientId ?? ''),
      ua: typeof body.ua === 'string' ? body.ua : undefined,
      localIp: typeof body.localIp === 'string' ? body.localIp : undefined,
      subscriptions: Array.isArray(body.subscriptions) ? (body.subscriptions as Array<{ type: string; topic: string }>) : [],
      ok,
      at: Date.now(),
    });
  }

  private error(status: number, code: string, message: string): [number, unknown] {
    return [status, { code, message, requestid: uuid() }];
  }

  private dispatch(
    route: DingTalkRoute,
    req: IncomingMessage,
    query: Record<string, string>,
    body: Record<string, unknown>,
  ): [number, unknown] {
    switch (route) {
      case 'gateway':
        return this.gateway(body);
      case 'accessToken':
        return this.accessToken(body);
      case 'sessionWebhook':
        return this.sessionWebhook(query.session ?? '', body, req);
      default:
        break;
    }
    const token = req.headers['x-acs-dingtalk-access-token'];
    if (typeof token !== 'string' || !this.validTokens.has(token)) {
      return this.error(401, 'InvalidAuthentication', '不合法的access_token');
    }
    switch (route) {
      case 'groupMessages':
        return this.robotSend('group', body);
      case 'oToMessages':
        return this.robotSend('oto', body);
      case 'card.createAndDeliver':
        return this.createCard(body);
      case 'card.update':
        return this.updateCard(body);
      default:
        return this.error(404, 'NotFound', 'not found');
    }
  }

  private gateway(body: Record<string, unknown>): [number, unknown] {
    const failure = this.gatewayFailures.shift();
    if (failure) {
      this.recordGateway(body, false);
      return this.error(failure.status, 'ServiceUnavailable', 'emulated gateway failure');
    }
    if (body.clientId !== this.clientId || body.clientSecret !== this.clientSecret) {
      this.recordGateway(body, false);
      return this.error(401, 'InvalidAuthentication', 'clientId or clientSecret is invalid');
    }
    this.recordGateway(body, true);
    const ticket = hex(16);
    const subs = Array.isArray(body.subscriptions) ? (body.subscriptions as Array<{ type: string; topic: string }>) : [];
    // Copy: the SDK mutates its subscriptions array later (registerCallbackListener).
    this.tickets.set(ticket, subs.map((s) => ({ ...s })));
    return [200, { endpoint: `${this.url.replace(/^http/, 'ws')}/connect`, ticket }];
  }

  private accessToken(body: Record<string, unknown>): [number, unknown] {
    if (body.appKey !== this.clientId || body.appSecret !== this.clientSecret) {
      return this.error(400, 'invalidClientIdOrSecret', '无效的clientId或者clientSecret');
    }
    const token = hex(16);
    this.validTokens.add(token);
    this.accessTokensIssued.push(token);
    return [200, { accessToken: token, expireIn: 7200 }];
  }

  private robotSend(kind: 'group' | 'oto', body: Record<string, unknown>): [number, unknown] {
    const robotCode = body.robotCode;
    const msgKey = body.msgKey;
    const msgParamRaw = body.msgParam;
    if (typeof robotCode !== 'string' || typeof msgKey !== 'string' || typeof msgParamRaw !== 'string') {
      return this.error(400, 'MissingParameter', 'robotCode, msgKey and msgParam (a JSON string) are required');
    }
    if (kind === 'group' && typeof body.openConversationId !== 'string') {
      return this.error(400, 'MissingParameter', 'openConversationId is required');
    }
    if (kind === 'oto' && !Array.isArray(body.userIds)) {
      return this.error(400, 'MissingParameter', 'userIds is required');
    }
    let msgParam: unknown;
    try {
      msgParam = JSON.parse(msgParamRaw) as unknown;
    } catch {
      return this.error(400, 'InvalidParameter', 'msgParam is not a JSON string');
    }
    if (Buffer.byteLength(msgParamRaw) > this.maxMessageBytes) {
      return this.error(400, 'InvalidParameter.MsgParam.TooLong', `message too long, exceed ${this.maxMessageBytes} bytes`);
    }
    if (this.robotLimiter && !this.robotLimiter.allow(robotCode)) {
      return this.error(this.robotLimit.status, this.robotLimit.code, 'robot send rate limit exceeded');
    }
    const processQueryKey = Buffer.from(hex(16)).toString('base64');
    if (kind === 'group') {
      this.groupMessages.push({
        robotCode,
        openConversationId: body.openConversationId as string,
        msgKey,
        msgParam,
        processQueryKey,
        at: Date.now(),
      });
      return [200, { processQueryKey }];
    }
    this.oToMessages.push({ robotCode, userIds: body.userIds as string[], msgKey, msgParam, processQueryKey, at: Date.now() });
    return [200, { processQueryKey, invalidStaffIdList: [], flowControlledStaffIdList: [] }];
  }

  private sessionWebhook(session: string, body: Record<string, unknown>, req: IncomingMessage): [number, unknown] {
    // The legacy robot API answers HTTP 200 with errcode/errmsg, including for errors.
    const s = this.sessions.get(session);
    if (!s || s.expiresAt < Date.now()) return [200, { errcode: 300001, errmsg: 'session is invalid or expired' }];
    const msgtype = body.msgtype;
    if (typeof msgtype !== 'string' || !['text', 'markdown', 'actionCard', 'link', 'feedCard'].includes(msgtype)) {
      return [200, { errcode: 40035, errmsg: 'missing or unsupported msgtype' }];
    }
    if (Buffer.byteLength(JSON.stringify(body)) > this.maxMessageBytes) {
      return [200, { errcode: 460101, errmsg: `message too long, exceed ${this.maxMessageBytes} bytes` }];
    }
    if (this.robotLimiter && !this.robotLimiter.allow(this.robotCode)) {
      return [200, { errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' }];
    }
    this.sessionMessages.push({
      session,
      conversationId: s.conversationId,
      msgtype,
      body,
      hadAccessToken: typeof req.headers['x-acs-dingtalk-access-token'] === 'string',
      at: Date.now(),
    });
    return [200, { errcode: 0, errmsg: 'ok' }];
  }

  private createCard(body: Record<string, unknown>): [number, unknown] {
    const outTrackId = body.outTrackId;
    const cardTemplateId = body.cardTemplateId;
    const openSpaceId = body.openSpaceId;
    if (typeof outTrackId !== 'string' || typeof cardTemplateId !== 'string' || typeof openSpaceId !== 'string') {
      return this.error(400, 'MissingParameter', 'outTrackId, cardTemplateId and openSpaceId are required');
    }
    const cardParamMap = ((body.cardData as { cardParamMap?: Record<string, unknown> } | undefined)?.cardParamMap ?? {});
    if (Buffer.byteLength(JSON.stringify(cardParamMap)) > this.maxMessageBytes) {
      return this.error(400, 'InvalidParameter.CardData.TooLong', `card data too long, exceed ${this.maxMessageBytes} bytes`);
    }
    this.cards.set(outTrackId, {
      outTrackId,
      cardTemplateId,
      openSpaceId,
      callbackType: typeof body.callbackType === 'string' ? body.callbackType : undefined,
      cardParamMap: { ...cardParamMap },
      history: [{ kind: 'create', cardParamMap, at: Date.now() }],
      createBody: body,
    });
    const space = parseOpenSpaceId(openSpaceId);
    return [
      200,
      {
        success: true,
        result: {
          outTrackId,
          deliverResults: [{ spaceType: space.spaceType, spaceId: space.spaceId, success: true, carrierId: hex(8) }],
        },
      },
    ];
  }

  private updateCard(body: Record<string, unknown>): [number, unknown] {
    const outTrackId = body.outTrackId;
    const card = typeof outTrackId === 'string' ? this.cards.get(outTrackId) : undefined;
    if (!card) return this.error(400, 'param.cardNotExist', `card ${String(outTrackId)} does not exist`);
    const cardParamMap = (body.cardData as { cardParamMap?: Record<string, unknown> } | undefined)?.cardParamMap ?? {};
    const byKey = (body.cardUpdateOptions as { updateCardDataByKey?: boolean } | undefined)?.updateCardDataByKey === true;
    card.cardParamMap = byKey ? { ...card.cardParamMap, ...cardParamMap } : { ...cardParamMap };
    card.history.push({ kind: 'update', cardParamMap, at: Date.now() });
    return [200, { success: true, result: true }];
  }
}

function parseOpenSpaceId(openSpaceId: string): { spaceType: string; spaceId: string } {
  // e.g. dtv1.card//IM_GROUP.cidXXXX or dtv1.card//IM_ROBOT.userId
  const m = /^dtv1\.card\/\/([A-Z_]+)\.(.+)$/.exec(openSpaceId);
  return { spaceType: m?.[1] ?? 'UNKNOWN', spaceId: m?.[2] ?? openSpaceId };
}

// ---------------------------------------------------------------------------
// DWClient pointed at the emulator
// ---------------------------------------------------------------------------

export interface EmulatedDWClientOptions {
  clientId: string;
  clientSecret: string;
  /** Replaces the SDK's hard-coded GATEWAY_URL (https://api.dingtalk.com/v1.0/gateway/connections/open). */
  gatewayUrl: string;
  ua?: string;
  keepAlive?: boolean;
  debug?: boolean;
  /**
   * A fresh subscriptions array. Leave undefined to keep the SDK default, which is a
   * module-level array SHARED by every DWClient in the process (see README).
   */
  subscriptions?: Array<{ type: string; topic: string }>;
  autoReconnect?: boolean;
  /** Overrides the SDK's private fixed 1 s reconnect delay (tests use it to run faster). */
  reconnectIntervalMs?: number;
}

/**
 * dingtalk-stream 2.1.5's DWClient with only getEndpoint() overridden: the SDK's version
 * POSTs to a module constant, so this copy of it posts to `gatewayUrl` instead. Everything
 * else (connect, reconnect, ping, callbacks) is the SDK's own code.
 */
export class EmulatedDWClient extends DWClient {
  private readonly gatewayEndpoint: string;
  private haltedByTest = false;

  constructor(opts: EmulatedDWClientOptions) {
    const { gatewayUrl, subscriptions, autoReconnect, reconnectIntervalMs, ...base } = opts;
    // The SDK's constructor type omits subscriptions/autoReconnect, but it spreads every
    // option into its config, so passing them through is supported at runtime.
    const extra: Record<string, unknown> = {};
    if (subscriptions) extra.subscriptions = subscriptions;
    if (autoReconnect !== undefined) extra.autoReconnect = autoReconnect;
    super({ ...base, ...extra } as ConstructorParameters<typeof DWClient>[0]);
    this.gatewayEndpoint = gatewayUrl;
    if (reconnectIntervalMs !== undefined) Reflect.set(this, 'reconnectInterval', reconnectIntervalMs);
  }

  /** Same steps as DWClient.getEndpoint(), against `gatewayUrl`. */
  override async getEndpoint(): Promise<this> {
    if (this.haltedByTest) throw new Error('EmulatedDWClient halted');
    this.printDebug('get connect endpoint by config');
    const res = await fetch(this.gatewayEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({
        clientId: this.config.clientId,
        clientSecret: this.config.clientSecret,
        ua: this.config.ua,
        subscriptions: this.config.subscriptions,
      }),
    });
    // axios (used by the SDK) rejects on non-2xx; mirror that.
    if (!res.ok) throw new Error(`gateway answered HTTP ${res.status}`);
    const data = (await res.json()) as { endpoint?: string; ticket?: string } | null;
    if (!data) throw new Error('build: get endpoint failed');
    const { endpoint, ticket } = data;
    if (!endpoint || !ticket) throw new Error('endpoint or ticket is null');
    // dw_url is private in the SDK's typings; _connect() reads it.
    Reflect.set(this, 'dw_url', `${endpoint}?ticket=${ticket}`);
    return this;
  }

  /**
   * Test cleanup that really stops the client: disables autoReconnect, makes any pending
   * reconnect timer's getEndpoint() fail, and closes the socket. Plain disconnect() is not
   * enough (see the SDK-fault tests).
   */
  halt(): void {
    this.haltedByTest = true;
    this.config.autoReconnect = false;
    this.disconnect();
  }
}
