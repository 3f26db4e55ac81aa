// Loopback emulator of Feishu (Lark): OpenAPI subset + long-connection gateway (pbbp2 over ws) for real-SDK tests.
import { EventEmitter } from 'node:events';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
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
import {
  FRAME_CONTROL,
  FRAME_DATA,
  buildCardActionEvent,
  buildEnvelope,
  buildMessageReceiveEvent,
  decodeFrame,
  encodeFrame,
  headerValue,
  newAppId,
  newCardToken,
  newMessageId,
  newOpenId,
  newUnionId,
} from './feishu-protocol.js';
import type {
  FeishuAppIdentity,
  FeishuEventEnvelope,
  Frame,
  PushCardActionOptions,
  PushMessageOptions,
} from './feishu-protocol.js';

export type { PushCardActionOptions, PushMessageOptions } from './feishu-protocol.js';

/** ClientConfig as the endpoint and every pong hand it to the SDK (units: seconds). */
export interface FeishuClientConfig {
  ReconnectCount: number;
  ReconnectInterval: number;
  ReconnectNonce: number;
  PingInterval: number;
}

export interface FeishuEmulatorOptions {
  appId?: string;
  appSecret?: string;
  tenantKey?: string;
  botOpenId?: string;
  botName?: string;
  verificationToken?: string;
  /**
   * Sent to the SDK by /callback/ws/endpoint and in pongs. Defaults are test-friendly
   * (fast reconnect, no jitter); Feishu's real values are minutes (SDK defaults:
   * PingInterval 120 s, ReconnectInterval 120 s, ReconnectNonce 30 s, ReconnectCount -1).
   */
  clientConfig?: Partial<FeishuClientConfig>;
  /** Feishu's delivery deadline: an ack later than this counts as failed (re-push). Default 3000. */
  ackDeadlineMs?: number;
  /** How long push*() waits for an ack before resolving with acked=false. Default 10000. */
  ackTimeoutMs?: number;
  /**
   * Per-chat send limit (Feishu: 5 QPS per chat, shared by the bots in a group; 5 QPS per
   * user for p2p). Off unless set. Feishu answers HTTP 400 + code 230020.
   */
  chatRateLimit?: { perSecond: number; status?: number };
  /** tenant_access_token lifetime in seconds. Default 7200 like Feishu. */
  tokenTtlSeconds?: number;
}

/** The client's answer to one pushed event (one data frame, or one set of fragments). */
export interface FeishuAck {
  acked: boolean;
  /** Code in the SDK's response payload: 200 = handler resolved, 500 = handler threw. */
  code?: number;
  /** The handler's return value, decoded from the payload's base64 `data`. */
  data?: unknown;
  latencyMs: number;
  /** latencyMs <= ackDeadlineMs (3 s on Feishu). */
  withinDeadline: boolean;
  eventId: string;
  /** message.message_id of an im.message.receive_v1 push (what the product replies to). */
  messageId?: string;
  frameMessageId: string;
  /** biz_rt header the SDK appended (ms; the SDK computes it as start - end, so it is <= 0). */
  bizRt?: number;
}

export interface FeishuSentMessage {
  kind: 'create' | 'reply';
  messageId: string;
  /** create: receive_id; reply: chat of the replied-to message. */
  receiveId: string;
  receiveIdType: string;
  chatId: string;
  msgType: string;
  /** `content` parsed from its JSON string. */
  content: unknown;
  rawContent: string;
  uuid?: string;
  replyTo?: string;
  replyInThread?: boolean;
  at: number;
}

export interface FeishuPatch {
  messageId: string;
  content: unknown;
  rawContent: string;
  at: number;
}

export interface FeishuCardUpdate {
  token: string;
  card: unknown;
  /** Token was issued by a pushCardAction() of this emulator. */
  tokenKnown: boolean;
  /** How many times the token has been used, this call included (Feishu allows 2 in 30 min). */
  useCount: number;
  openMessageId?: string;
  at: number;
}

export interface FeishuUser {
  openId: string;
  userId?: string;
  unionId?: string;
  name: string;
  enName?: string;
  email?: string;
}

export type FeishuRoute =
  | 'ws.endpoint'
  | 'token'
  | 'message.create'
  | 'message.reply'
  | 'message.patch'
  | 'card.update'
  | 'contact.user'
  | 'bot.info'
  | '*';

export interface FeishuRespondWith {
  status: number;
  times?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Connection {
  id: number;
  socket: WebSocket;
  serviceId: number;
  openedAt: number;
}

interface PendingAck {
  resolve: (ack: FeishuAck) => void;
  timer: NodeJS.Timeout;
  sentAt: number;
  eventId: string;
  messageId?: string;
}

interface Delivery {
  envelope: FeishuEventEnvelope;
  fragments: number;
  frameType: string;
}

const DEFAULT_CLIENT_CONFIG: FeishuClientConfig = {
  ReconnectCount: -1,
  ReconnectInterval: 0.1,
  ReconnectNonce: 0,
  PingInterval: 120,
};

const TOKEN_MISSING = {
  code: 99991661,
  msg: 'Missing access token for authorization. Please make a request with token attached.',
};
const TOKEN_INVALID = {
  code: 99991663,
  msg: 'Invalid access token for authorization. Please make a request with token attached.',
};

export class FeishuEmulator extends EventEmitter {
  readonly appId: string;
  readonly appSecret: string;
  readonly tenantKey: string;
  readonly botOpenId: string;
  readonly botUnionId: string;
  readonly botName: string;
  readonly verificationToken: string;

  /** Every OpenAPI / endpoint call, in arrival order. */
  readonly requests: RecordedRequest[] = [];
  readonly messages: FeishuSentMessage[] = [];
  readonly patches: FeishuPatch[] = [];
  readonly cardUpdates: FeishuCardUpdate[] = [];
  readonly acks: FeishuAck[] = [];
  /** tenant_access_tokens handed out, oldest first. */
  readonly tokensIssued: string[] = [];
  /** POSTs to /callback/ws/endpoint. */
  endpointRequests = 0;
  /** WebSocket upgrade attempts (including rejected ones). */
  connectionAttempts = 0;
  /** Successful WebSocket handshakes over the emulator's lifetime. */
  connectionsOpened = 0;
  /** Client ping control frames received. */
  pings = 0;
  /** Frames the emulator could not decode. */
  readonly protocolErrors: string[] = [];
  /** Set false to swallow client pings (a half-open connection, as seen from the client). */
  answerPings = true;

  private server: Server | undefined;
  private readonly wss = new WebSocketServer({ noServer: true });
  private baseUrl = '';
  private readonly timers = new TimerBag();
  private readonly faults = new FaultPlan();
  private readonly conns = new Map<number, Connection>();
  private readonly pending = new Map<string, PendingAck>();
  private readonly deliveries = new Map<string, Delivery>();
  private readonly tickets = new Map<string, { serviceId: number }>();
  private readonly validTokens = new Set<string>();
  private readonly users = new Map<string, FeishuUser>();
  private readonly inbound = new Map<string, { chatId: string }>();
  private readonly byUuid = new Map<string, FeishuSentMessage>();
  private readonly cardTokens = new Map<string, { openMessageId: string; uses: number }>();
  private readonly clientConfig: FeishuClientConfig;
  private readonly ackDeadlineMs: number;
  private readonly ackTimeoutMs: number;
  private readonly tokenTtlSeconds: number;
  private readonly chatLimiter: WindowLimiter | undefined;
  private readonly chatLimitStatus: number;
  private handshakeFailures = 0;
  private nextConnId = 1;
  private seq = 0;

  constructor(opts: FeishuEmulatorOptions = {}) {
    super();
    // A fresh appId per emulator matters: the SDK caches tenant tokens process-wide
    // (internalCache) keyed by appId, so reusing one would leak tokens between tests.
    this.appId = opts.appId ?? newAppId();
    if (!/^cli_[0-9a-fA-F]{16}$/.test(this.appId)) {
      throw new Error(`appId must be cli_ + 16 hex digits (WSClient.start() refuses others): ${this.appId}`);
    }
    this.appSecret = opts.appSecret ?? hex(16);
    this.tenantKey = opts.tenantKey ?? hex(8);
    this.botOpenId = opts.botOpenId ?? newOpenId();
    this.botUnionId = newUnionId();
    this.botName = opts.botName ?? 'Claw Bot';
    this.verificationToken = opts.verificationToken ?? hex(16);
    this.clientConfig = { ...DEFAULT_CLIENT_CONFIG, ...opts.clientConfig };
    this.ackDeadlineMs = opts.ackDeadlineMs ?? 3000;
    this.ackTimeoutMs = opts.ackTimeoutMs ?? 10_000;
    this.tokenTtlSeconds = opts.tokenTtlSeconds ?? 7200;
    this.chatLimiter = opts.chatRateLimit ? new WindowLimiter(opts.chatRateLimit.perSecond, 1000) : undefined;
    this.chatLimitStatus = opts.chatRateLimit?.status ?? 400;
  }

  /** Base URL to pass as `domain` to both Client and WSClient. */
  get url(): string {
    if (!this.baseUrl) throw new Error('FeishuEmulator not started');
    return this.baseUrl;
  }

  /** Number of currently open long connections. */
  get connections(): number {
    return this.conns.size;
  }

  get identity(): FeishuAppIdentity {
    return {
      appId: this.appId,
      tenantKey: this.tenantKey,
      verificationToken: this.verificationToken,
      botOpenId: this.botOpenId,
      botUnionId: this.botUnionId,
      botName: this.botName,
    };
  }

  async start(): Promise<void> {
    const { server, baseUrl } = await listenOnLoopback(
      (req, res) => this.handleHttp(req, res),
      (req, socket, head) => this.handleUpgrade(req, socket, head),
      (err) => ({ code: -1, msg: String(err) }),
    );
    this.server = server;
    this.baseUrl = baseUrl;
  }

  async stop(): Promise<void> {
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.resolve(this.failedAck(p, id));
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
  // Pushing events down the long connection
  // -------------------------------------------------------------------------

  /** Pushes im.message.receive_v1; resolves with the client's ack. */
  pushMessage(
    opts: PushMessageOptions,
    delivery: { fragments?: number; frameType?: string } = {},
  ): Promise<FeishuAck> {
    const envelope = buildMessageReceiveEvent(this.identity, opts);
    const message = envelope.event.message as { message_id: string; chat_id: string };
    this.inbound.set(message.message_id, { chatId: message.chat_id });
    return this.deliver(envelope, delivery);
  }

  /** Makes a message delivered another way (a webhook driver) known, so the product can reply to it as on Feishu. */
  noteInbound(envelope: { event: Record<string, unknown> }): void {
    const message = envelope.event.message as { message_id: string; chat_id: string };
    this.inbound.set(message.message_id, { chatId: message.chat_id });
  }

  /** Pushes card.action.trigger; the ack's `data` is the handler's response (toast / card). */
  pushCardAction(
    opts: PushCardActionOptions,
    delivery: { fragments?: number; frameType?: string } = {},
  ): Promise<FeishuAck> {
    const token = opts.token ?? newCardToken();
    this.cardTokens.set(token, { openMessageId: opts.openMessageId, uses: 0 });
    return this.deliver(buildCardActionEvent(this.identity, { ...opts, token }), delivery);
  }

  /** Pushes any schema-2.0 event, e.g. im.chat.member.bot.added_v1. */
  pushEvent(
    eventType: string,
    event: Record<string, unknown>,
    delivery: { fragments?: number; frameType?: string; eventId?: string } = {},
  ): Promise<FeishuAck> {
    return this.deliver(buildEnvelope(this.identity, eventType, event, delivery.eventId), delivery);
  }

  /**
   * Pushes an already-delivered event again with the same event_id and message_id, as
   * Feishu does when it believes delivery failed (no ack within 3 s, or a non-200 code).
   */
  redeliver(eventId: string): Promise<FeishuAck> {
    const d = this.deliveries.get(eventId);
    if (!d) return Promise.reject(new Error(`unknown event_id ${eventId}`));
    return this.deliver(d.envelope, d);
  }

  /** Kills every long connection without a close handshake (network drop). */
  dropConnections(): void {
    for (const c of this.conns.values()) c.socket.terminate();
  }

  /** Rejects the next `times` WebSocket handshakes with HTTP 403 and Feishu's handshake-* headers. */
  failHandshake(times: number): void {
    this.handshakeFailures += times;
  }

  // -------------------------------------------------------------------------
  // Fault injection and fixtures
  // -------------------------------------------------------------------------

  /**
   * Makes `route` answer `status` for the next `times` calls (default 1). Without a body,
   * 429 gets Feishu's gateway answer ({code: 99991400} + x-ogw-ratelimit-* headers) and
   * 5xx a generic error body.
   */
  respondWith(route: FeishuRoute, r: FeishuRespondWith): void {
    const injected: InjectedResponse = { status: r.status, body: r.body, headers: r.headers };
    if (r.status === 429) {
      injected.body ??= { code: 99991400, msg: 'request trigger frequency limit' };
      injected.headers = { 'x-ogw-ratelimit-limit': '100', 'x-ogw-ratelimit-reset': '1', ...r.headers };
    } else if (r.status >= 500) {
      injected.body ??= { code: -1, msg: `emulated HTTP ${r.status}` };
    }
    this.faults.add(route, injected, r.times ?? 1);
  }

  /** Delays answers of `route` (default: all routes, incl. the ws endpoint) by `ms`. */
  setLatency(ms: number, route: FeishuRoute = '*'): void {
    this.faults.setLatency(ms, route);
  }

  /** Invalidates every issued tenant_access_token (as a secret rotation would). */
  revokeTokens(): void {
    this.validTokens.clear();
  }

  /** Adds a user to the directory behind GET /open-apis/contact/v3/users/:user_id. */
  addUser(user: FeishuUser): FeishuUser {
    const full = { ...user, unionId: user.unionId ?? newUnionId() };
    this.users.set(full.openId, full);
    return full;
  }

  /** Resolves once `predicate` returns a truthy value (re-checked on every emulator change). */
  waitFor<T>(predicate: () => T | undefined | false | null, timeoutMs = 5000, what = 'condition'): Promise<T> {
    return waitForChange(this, predicate, timeoutMs, what);
  }

  /** Resolves with the first recorded message matching `predicate`. */
  waitForMessage(predicate: (m: FeishuSentMessage) => boolean = () => true, timeoutMs = 5000): Promise<FeishuSentMessage> {
    return this.waitFor(() => this.messages.find(predicate), timeoutMs, 'a matching sent message');
  }

  /** Resolves once `n` long connections are open. */
  waitForConnections(n = 1, timeoutMs = 5000): Promise<number> {
    return this.waitFor(() => (this.conns.size >= n ? this.conns.size : undefined), timeoutMs, `${n} open connection(s)`);
  }

  // -------------------------------------------------------------------------
  // Internals: long connection
  // -------------------------------------------------------------------------

  private changed(): void {
    this.emit('change');
  }

  private failedAck(p: PendingAck, frameMessageId: string): FeishuAck {
    return {
      acked: false,
      latencyMs: Date.now() - p.sentAt,
      withinDeadline: false,
      eventId: p.eventId,
      messageId: p.messageId,
      frameMessageId,
    };
  }

  private pickConnection(): Connection | undefined {
    // Feishu delivers each event to ONE of the app's connections (cluster mode, no
    // broadcast); we pick the newest so a reconnected client gets the traffic.
    let newest: Connection | undefined;
    for (const c of this.conns.values()) if (!newest || c.id > newest.id) newest = c;
    return newest;
  }

  private deliver(
    envelope: FeishuEventEnvelope,
    opts: { fragments?: number; frameType?: string },
  ): Promise<FeishuAck> {
    const conn = this.pickConnection();
    if (!conn) return Promise.reject(new Error('FeishuEmulator: no open long connection to push to'));
    const fragments = Math.max(1, Math.floor(opts.fragments ?? 1));
    const frameType = opts.frameType ?? 'event';
    const eventId = envelope.header.event_id;
    const messageId = (envelope.event.message as { message_id?: string } | undefined)?.message_id;
    this.deliveries.set(eventId, { envelope, fragments, frameType });
    const frameMessageId = hex(10);
    const traceId = uuid();
    const payload = Buffer.from(JSON.stringify(envelope), 'utf8');
    const size = Math.ceil(payload.length / fragments);
    return new Promise<FeishuAck>((resolve) => {
      const sentAt = Date.now();
      const entry: PendingAck = {
        resolve,
        sentAt,
        eventId,
        messageId,
        timer: this.timers.timeout(() => {
          this.pending.delete(frameMessageId);
          const ack = this.failedAck(entry, frameMessageId);
          this.acks.push(ack);
          resolve(ack);
          this.changed();
        }, this.ackTimeoutMs),
      };
      this.pending.set(frameMessageId, entry);
      for (let i = 0; i < fragments; i++) {
        const frame: Frame = {
          SeqID: ++this.seq,
          LogID: this.seq,
          service: conn.serviceId,
          method: FRAME_DATA,
          headers: [
            { key: 'type', value: frameType },
            { key: 'message_id', value: frameMessageId },
            { key: 'sum', value: String(fragments) },
            { key: 'seq', value: String(i) },
            { key: 'trace_id', value: traceId },
          ],
          payload: payload.subarray(i * size, (i + 1) * size),
        };
        conn.socket.send(encodeFrame(frame));
      }
    });
  }

  private handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const { path, query } = parseUrl(req);
    if (path !== '/ws') {
      rejectUpgrade(socket, 404);
      return;
    }
    this.connectionAttempts++;
    const ticket = this.tickets.get(query.ticket ?? '');
    if (this.handshakeFailures > 0 || !ticket) {
      if (this.handshakeFailures > 0) this.handshakeFailures--;
      // Header names from the SDK's HeaderKey enum (handshake-status / -msg / -autherrcode).
      rejectUpgrade(socket, 403, {
        'handshake-status': '514',
        'handshake-msg': 'auth failed',
        'handshake-autherrcode': '514',
      });
      this.changed();
      return;
    }
    this.tickets.delete(query.ticket ?? '');
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.onConnection(ws, ticket.serviceId);
    });
  }

  private onConnection(socket: WebSocket, serviceId: number): void {
    const conn: Connection = { id: this.nextConnId++, socket, serviceId, openedAt: Date.now() };
    this.conns.set(conn.id, conn);
    this.connectionsOpened++;
    socket.on('message', (raw: RawData) => {
      this.onFrame(conn, rawToBuffer(raw));
    });
    socket.on('close', () => {
      this.conns.delete(conn.id);
      this.changed();
    });
    socket.on('error', () => {
      // A reset from the client side is normal here; 'close' does the bookkeeping.
    });
    this.changed();
  }

  private onFrame(conn: Connection, buf: Buffer): void {
    let frame: Frame;
    try {
      frame = decodeFrame(buf);
    } catch (err) {
      this.protocolErrors.push(String(err));
      this.changed();
      return;
    }
    const type = headerValue(frame, 'type');
    if (frame.method === FRAME_CONTROL) {
      if (type === 'ping') {
        this.pings++;
        if (!this.answerPings) {
          this.changed();
          return;
        }
        const pong: Frame = {
          SeqID: 0,
          LogID: 0,
          service: conn.serviceId,
          method: FRAME_CONTROL,
          headers: [{ key: 'type', value: 'pong' }],
          payload: Buffer.from(JSON.stringify(this.clientConfig)),
        };
        conn.socket.send(encodeFrame(pong));
        this.changed();
      }
      return;
    }
    // A data frame from the client is the response to one of our pushes.
    const frameMessageId = headerValue(frame, 'message_id') ?? '';
    const p = this.pending.get(frameMessageId);
    if (!p) {
      this.protocolErrors.push(`response for unknown message_id ${frameMessageId}`);
      this.changed();
      return;
    }
    this.pending.delete(frameMessageId);
    this.timers.cancel(p.timer);
    let code: number | undefined;
    let data: unknown;
    try {
      const body = JSON.parse(Buffer.from(frame.payload ?? []).toString('utf8')) as { code?: number; data?: string };
      code = body.code;
      if (typeof body.data === 'string' && body.data.length > 0) {
        data = JSON.parse(Buffer.from(body.data, 'base64').toString('utf8')) as unknown;
      }
    } catch (err) {
      this.protocolErrors.push(`bad response payload: ${String(err)}`);
    }
    const latencyMs = Date.now() - p.sentAt;
    const bizRt = headerValue(frame, 'biz_rt');
    const ack: FeishuAck = {
      acked: true,
      code,
      data,
      latencyMs,
      withinDeadline: latencyMs <= this.ackDeadlineMs,
      eventId: p.eventId,
      messageId: p.messageId,
      frameMessageId,
      bizRt: bizRt === undefined ? undefined : Number(bizRt),
    };
    this.acks.push(ack);
    p.resolve(ack);
    this.changed();
  }

  // -------------------------------------------------------------------------
  // Internals: HTTP
  // -------------------------------------------------------------------------

  private routeOf(method: string, path: string): { route: FeishuRoute; id?: string } | undefined {
    if (method === 'POST' && path === '/callback/ws/endpoint') return { route: 'ws.endpoint' };
    if (method === 'POST' && path === '/open-apis/auth/v3/tenant_access_token/internal') return { route: 'token' };
    if (method === 'POST' && path === '/open-apis/im/v1/messages') return { route: 'message.create' };
    if (method === 'POST' && path === '/open-apis/interactive/v1/card/update') return { route: 'card.update' };
    if (method === 'GET' && path === '/open-apis/bot/v3/info') return { route: 'bot.info' };
    let m = /^\/open-apis\/im\/v1\/messages\/([^/]+)\/reply$/.exec(path);
    if (m && method === 'POST') return { route: 'message.reply', id: decodeURIComponent(m[1] ?? '') };
    m = /^\/open-apis\/im\/v1\/messages\/([^/]+)$/.exec(path);
    if (m && method === 'PATCH') return { route: 'message.patch', id: decodeURIComponent(m[1] ?? '') };
    m = /^\/open-apis\/contact\/v3\/users\/([^/]+)$/.exec(path);
    if (m && method === 'GET') return { route: 'contact.user', id: decodeURIComponent(m[1] ?? '') };
    return undefined;
  }

  private async handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const { path, query } = parseUrl(req);
    const { json } = await readBody(req);
    const body = (json ?? {}) as Record<string, unknown>;
    const match = this.routeOf(method, path);
    const route = match?.route ?? '*';
    const latency = this.faults.latencyFor(route);
    if (latency > 0) await this.timers.sleep(latency);

    let status = 200;
    let out: unknown;
    let headers: Record<string, string> = {};
    const injected = match ? this.faults.take(route) : undefined;
    if (route === 'ws.endpoint') this.endpointRequests++;
    if (injected) {
      status = injected.status;
      out = injected.body;
      headers = injected.headers ?? {};
    } else if (!match) {
      status = 404;
      out = { code: 404, msg: `emulator: no route ${method} ${path}` };
    } else {
      [status, out, headers] = this.dispatch(match.route, match.id, req, query, body);
    }
    this.requests.push({ method, path, query, headers: req.headers, body: json, status, at: Date.now() });
    if (!res.destroyed) sendJson(res, status, out, headers);
    this.changed();
  }

  private dispatch(
    route: FeishuRoute,
    id: string | undefined,
    req: IncomingMessage,
    query: Record<string, string>,
    body: Record<string, unknown>,
  ): [number, unknown, Record<string, string>] {
    if (route === 'ws.endpoint') return [200, this.wsEndpoint(body), {}];
    if (route === 'token') return this.issueToken(body);
    const auth = req.headers.authorization;
    if (!auth) return [400, TOKEN_MISSING, {}];
    const token = /^Bearer (.+)$/.exec(auth)?.[1] ?? '';
    if (!this.validTokens.has(token)) return [400, TOKEN_INVALID, {}];
    switch (route) {
      case 'message.create':
        return this.createMessage(query, body);
      case 'message.reply':
        return this.replyMessage(id ?? '', body);
      case 'message.patch':
        return this.patchMessage(id ?? '', body);
      case 'card.update':
        return this.updateCard(body);
      case 'contact.user':
        return this.getUser(id ?? '', query);
      case 'bot.info':
        // This endpoint puts `bot` at the top level, not under `data`.
        return [
          200,
          {
            code: 0,
            msg: 'ok',
            bot: {
              activate_status: 2,
              app_name: this.botName,
              avatar_url: '',
              ip_white_list: [],
              open_id: this.botOpenId,
            },
          },
          {},
        ];
      default:
        return [404, { code: 404, msg: 'not found' }, {}];
    }
  }

  private wsEndpoint(body: Record<string, unknown>): unknown {
    if (body.AppID !== this.appId || body.AppSecret !== this.appSecret) {
      // ErrorCode.auth_failed in the SDK: it treats this as fatal (no retry, onError).
      return { code: 514, msg: 'auth failed', data: {} };
    }
    const ticket = hex(16);
    const serviceId = 33_554_678;
    this.tickets.set(ticket, { serviceId });
    // The SDK reads service_id with qs.parse(URL), so it must not be the first query key.
    const url = `${this.url.replace(/^http/, 'ws')}/ws?fpid=1&device_id=${hex(8)}&service_id=${serviceId}&ticket=${ticket}`;
    return { code: 0, msg: 'ok', data: { URL: url, ClientConfig: this.clientConfig } };
  }

  private issueToken(body: Record<string, unknown>): [number, unknown, Record<string, string>] {
    if (body.app_id !== this.appId || body.app_secret !== this.appSecret) {
      return [400, { code: 10014, msg: 'app secret invalid' }, {}];
    }
    const token = `t-${hex(20)}`;
    this.validTokens.add(token);
    this.tokensIssued.push(token);
    return [200, { code: 0, msg: 'ok', tenant_access_token: token, expire: this.tokenTtlSeconds }, {}];
  }

  private validateContent(body: Record<string, unknown>): { msgType: string; raw: string; parsed: unknown } | string {
    const msgType = body.msg_type;
    const raw = body.content;
    if (typeof msgType !== 'string' || typeof raw !== 'string') return 'msg_type and content are required';
    try {
      return { msgType, raw, parsed: JSON.parse(raw) as unknown };
    } catch {
      return 'content is not a JSON string';
    }
  }

  private rateLimited(chatId: string): [number, unknown, Record<string, string>] | undefined {
    if (!this.chatLimiter || this.chatLimiter.allow(chatId)) return undefined;
    return [this.chatLimitStatus, { code: 230020, msg: 'This operation triggers the frequency limit.' }, {}];
  }

  private messageData(m: FeishuSentMessage): Record<string, unknown> {
    return {
      message_id: m.messageId,
      root_id: m.replyTo ?? '',
      parent_id: m.replyTo ?? '',
      msg_type: m.msgType,
      create_time: String(m.at),
      update_time: String(m.at),
      deleted: false,
      updated: false,
      chat_id: m.chatId,
      sender: { id: this.appId, id_type: 'app_id', sender_type: 'app', tenant_key: this.tenantKey },
      body: { content: m.rawContent },
      mentions: [],
      upper_message_id: '',
    };
  }

  private createMessage(
    query: Record<string, string>,
    body: Record<string, unknown>,
  ): [number, unknown, Record<string, string>] {
    const receiveIdType = query.receive_id_type;
    const receiveId = body.receive_id;
    if (!receiveIdType || typeof receiveId !== 'string') {
      return [400, { code: 99992402, msg: 'field validation failed' }, {}];
    }
    const c = this.validateContent(body);
    if (typeof c === 'string') return [400, { code: 230001, msg: `Your request contains an invalid request parameter: ${c}` }, {}];
    const uuidValue = typeof body.uuid === 'string' ? body.uuid : undefined;
    // Feishu de-duplicates on uuid (1 h): a retried send returns the original message.
    const dup = uuidValue ? this.byUuid.get(uuidValue) : undefined;
    if (dup) return [200, { code: 0, msg: 'success', data: this.messageData(dup) }, {}];
    const limited = this.rateLimited(receiveId);
    if (limited) return limited;
    const m: FeishuSentMessage = {
      kind: 'create',
      messageId: newMessageId(),
      receiveId,
      receiveIdType,
      chatId: receiveIdType === 'chat_id' ? receiveId : `oc_p2p_${receiveId}`,
      msgType: c.msgType,
      content: c.parsed,
      rawContent: c.raw,
      uuid: uuidValue,
      at: Date.now(),
    };
    this.messages.push(m);
    if (uuidValue) this.byUuid.set(uuidValue, m);
    return [200, { code: 0, msg: 'success', data: this.messageData(m) }, {}];
  }

  private replyMessage(parentId: string, body: Record<string, unknown>): [number, unknown, Record<string, string>] {
    const parentChat = this.inbound.get(parentId)?.chatId ?? this.messages.find((m) => m.messageId === parentId)?.chatId;
    if (!parentChat) return [400, { code: 230001, msg: `invalid message_id ${parentId}` }, {}];
    const c = this.validateContent(body);
    if (typeof c === 'string') return [400, { code: 230001, msg: `Your request contains an invalid request parameter: ${c}` }, {}];
    const uuidValue = typeof body.uuid === 'string' ? body.uuid : undefined;
    const dup = uuidValue ? this.byUuid.get(uuidValue) : undefined;
    if (dup) return [200, { code: 0, msg: 'success', data: this.messageData(dup) }, {}];
    const limited = this.rateLimited(parentChat);
    if (limited) return limited;
    const m: FeishuSentMessage = {
      kind: 'reply',
      messageId: newMessageId(),
      receiveId: parentChat,
      receiveIdType: 'chat_id',
      chatId: parentChat,
      msgType: c.msgType,
      content: c.parsed,
      rawContent: c.raw,
      uuid: uuidValue,
      replyTo: parentId,
      replyInThread: body.reply_in_thread === true,
      at: Date.now(),
    };
    this.messages.push(m);
    if (uuidValue) this.byUuid.set(uuidValue, m);
    return [200, { code: 0, msg: 'success', data: this.messageData(m) }, {}];
  }

  private patchMessage(messageId: string, body: Record<string, unknown>): [number, unknown, Record<string, string>] {
    const m = this.messages.find((x) => x.messageId === messageId);
    // Only cards the bot itself sent can be patched.
    if (!m || m.msgType !== 'interactive') {
      return [400, { code: 230001, msg: `message ${messageId} is not a card sent by this bot` }, {}];
    }
    const raw = body.content;
    if (typeof raw !== 'string') return [400, { code: 99992402, msg: 'field validation failed' }, {}];
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw) as unknown;
    } catch {
      return [400, { code: 230001, msg: 'content is not a JSON string' }, {}];
    }
    m.content = parsed;
    m.rawContent = raw;
    this.patches.push({ messageId, content: parsed, rawContent: raw, at: Date.now() });
    return [200, { code: 0, msg: 'success', data: {} }, {}];
  }

  private updateCard(body: Record<string, unknown>): [number, unknown, Record<string, string>] {
    const token = typeof body.token === 'string' ? body.token : '';
    const known = this.cardTokens.get(token);
    if (known) known.uses++;
    this.cardUpdates.push({
      token,
      card: body.card,
      tokenKnown: known !== undefined,
      useCount: known?.uses ?? 1,
      openMessageId: known?.openMessageId,
      at: Date.now(),
    });
    return [200, { code: 0, msg: 'success', data: {} }, {}];
  }

  private getUser(id: string, query: Record<string, string>): [number, unknown, Record<string, string>] {
    const idType = query.user_id_type ?? 'open_id';
    const u = [...this.users.values()].find((x) =>
      idType === 'user_id' ? x.userId === id : idType === 'union_id' ? x.unionId === id : x.openId === id,
    );
    if (!u) return [400, { code: 41050, msg: 'no user authority error' }, {}];
    return [
      200,
      {
        code: 0,
        msg: 'success',
        data: {
          user: {
            open_id: u.openId,
            union_id: u.unionId,
            user_id: u.userId,
            name: u.name,
            en_name: u.enName ?? u.name,
            email: u.email,
            status: { is_activated: true, is_frozen: false, is_resigned: false },
          },
        },
      },
      {},
    ];
  }
}
