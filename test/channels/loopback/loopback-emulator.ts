// LoopbackEmulator: the loopback chat service on 127.0.0.1. It pushes events (messages, direct messages, card clicks)
// to the bot's webhook and times the answer, records what the bot sends and updates, holds cards with their buttons
// (a click carries the value of a button the card has), redelivers events, and fails the next plain group send on request.
import { EventEmitter } from 'node:events';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { isDeepStrictEqual } from 'node:util';
import { hex, listenOnLoopback, parseUrl, readBody, rejectUpgrade, sendJson, waitForChange } from '../../emulators/emulator-kit.js';
import { ACK_TIMEOUT_MS, MAX_MESSAGE_BYTES, RATE_LIMITED_CODE, TOKEN_HEADER } from './loopback-protocol.js';
import type { ChatKind, ClickAnswer, LoopbackEvent, MessageContent, SendRequest, UpdateRequest } from './loopback-protocol.js';

export interface LoopbackEmulatorOptions {
  /** Shared with the bot; random by default. */
  token?: string;
  orgId?: string;
  /** What `@<name>` in front of a mentioning message says. */
  botName?: string;
  /** How long a push waits for the webhook's answer before it counts as unacked (the service's 3 s by default). */
  ackTimeoutMs?: number;
}

/** A message the bot sent, as the service holds it now (a card after its updates and click answers). */
export interface LoopbackMessage {
  messageId: string;
  chatId: string;
  chatKind: ChatKind;
  /** The person, for a direct chat. */
  userId?: string;
  type: string;
  content: MessageContent;
  /** Earlier contents of a card, oldest first. */
  history: MessageContent[];
  replyTo?: string;
  idempotencyKey: string;
}

/** The webhook's answer to one push. */
export interface LoopbackAck {
  /** Answered 2xx before the service stopped waiting. */
  acked: boolean;
  /** From the push to the answer (or to giving up). */
  latencyMs: number;
  eventId: string;
  status?: number;
  body?: unknown;
}

/** A failure for the next plain (not a card) group send. */
export type LoopbackFault = 'http-429' | 'platform-rate-limit' | 'http-500';

const FAULTS: Record<LoopbackFault, { status: number; body: unknown; headers?: Record<string, string> }> = {
  'http-429': { status: 429, body: { error: { code: 'too_many_requests', message: 'slow down' } }, headers: { 'retry-after': '1' } },
  'platform-rate-limit': { status: 400, body: { error: { code: RATE_LIMITED_CODE, message: 'at most 5 messages a second into one chat' } } },
  'http-500': { status: 500, body: { error: { code: 'internal', message: 'the service failed' } } },
};

const refusal = (code: string, message: string) => ({ error: { code, message } });

function readContent(raw: unknown): MessageContent | undefined {
  if (typeof raw !== 'string') return undefined;
  try {
    const content = JSON.parse(raw) as Partial<MessageContent> | null;
    return content && typeof content.text === 'string' ? (content as MessageContent) : undefined;
  } catch {
    return undefined;
  }
}

export class LoopbackEmulator extends EventEmitter {
  readonly token: string;
  readonly orgId: string;
  readonly botName: string;
  /** Where events go: the bot's webhook (the control plane's /webhooks/loopback, or a test's own server). */
  webhookUrl: string | undefined;
  readonly messages: LoopbackMessage[] = [];
  /** Pushes waiting for the webhook's answer: a webhook platform's only "connection". */
  inFlight = 0;

  private readonly ackTimeoutMs: number;
  private readonly events = new Map<string, LoopbackEvent>();
  private readonly byKey = new Map<string, LoopbackMessage>();
  private readonly directChats = new Map<string, string>();
  private readonly pushes = new Set<AbortController>();
  private fault: LoopbackFault | undefined;
  private server: Server | undefined;
  private baseUrl: string | undefined;

  constructor(o: LoopbackEmulatorOptions = {}) {
    super();
    this.token = o.token ?? `lbt${hex(12)}`;
    this.orgId = o.orgId ?? `org${hex(4)}`;
    this.botName = o.botName ?? 'Claw';
    this.ackTimeoutMs = o.ackTimeoutMs ?? ACK_TIMEOUT_MS;
  }

  get url(): string {
    if (!this.baseUrl) throw new Error('LoopbackEmulator is not started');
    return this.baseUrl;
  }

  async start(): Promise<void> {
    const { server, baseUrl } = await listenOnLoopback(
      (req, res) => this.serve(req, res),
      (_req, socket) => rejectUpgrade(socket, 404),
      (err) => refusal('internal', err instanceof Error ? err.message : String(err)),
    );
    this.server = server;
    this.baseUrl = baseUrl;
  }

  /** Pushes still waiting settle as unacked; idempotent. */
  async stop(): Promise<void> {
    for (const push of this.pushes) push.abort();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The direct chat of the bot and this person: one per person, made on first use. */
  directChatOf(userId: string): string {
    let chatId = this.directChats.get(userId);
    if (!chatId) {
      chatId = `dm${hex(6)}`;
      this.directChats.set(userId, chatId);
    }
    return chatId;
  }

  /** A person's message in a group (`@<bot> ` in front when it mentions the bot) or in their direct chat with the bot. */
  pushMessage(o: { chatKind: ChatKind; chatId?: string; userId: string; name?: string; text: string; mentionBot?: boolean; isBot?: boolean }): Promise<LoopbackAck & { messageId: string; chatId: string }> {
    const chatId = o.chatKind === 'direct' ? this.directChatOf(o.userId) : o.chatId;
    if (!chatId) throw new Error('a group message needs a chatId');
    const mentionsBot = o.chatKind === 'direct' || o.mentionBot === true;
    const messageId = `lm${hex(8)}`;
    const event: LoopbackEvent = {
      type: 'message', eventId: `ev${hex(8)}`, orgId: this.orgId,
      message: {
        messageId, chatId, chatKind: o.chatKind,
        sender: { userId: o.userId, ...(o.name ? { name: o.name } : {}), ...(o.isBot ? { isBot: true } : {}) },
        text: o.chatKind === 'group' && mentionsBot ? `@${this.botName} ${o.text}` : o.text,
        mentionsBot,
      },
    };
    return this.deliver(event).then((ack) => ({ ...ack, messageId, chatId }));
  }

  /**
   * A click on the button of a card the bot sent whose value is `value`; rejects when the card as held now has no such
   * button. Within the ack, an answer with a card replaces the clicked one.
   */
  async pushCardClick(o: { messageId: string; userId: string; name?: string; value: Record<string, string> }): Promise<LoopbackAck> {
    const card = this.message(o.messageId);
    if (!card || card.type !== 'card') throw new Error(`no card ${o.messageId} was sent`);
    const button = (card.content.buttons ?? []).find((b) => isDeepStrictEqual(b.value, o.value));
    if (!button) throw new Error(`card ${o.messageId} has no button with value ${JSON.stringify(o.value)}`);
    const event: LoopbackEvent = {
      type: 'click', eventId: `ev${hex(8)}`, orgId: this.orgId,
      click: {
        messageId: card.messageId, chatId: card.chatId, chatKind: card.chatKind, ...(card.userId ? { userId: card.userId } : {}),
        user: { userId: o.userId, ...(o.name ? { name: o.name } : {}) },
        value: { ...button.value },
      },
    };
    return this.deliver(event);
  }

  /** The same event again, as the service does when it thinks an answer was lost. */
  redeliver(eventId: string): Promise<LoopbackAck> {
    const event = this.events.get(eventId);
    if (!event) return Promise.reject(new Error(`no event ${eventId} was pushed`));
    return this.deliver(event);
  }

  failNextSend(fault: LoopbackFault): void {
    this.fault = fault;
  }

  message(messageId: string): LoopbackMessage | undefined {
    return this.messages.find((m) => m.messageId === messageId);
  }

  messagesIn(chatId: string): LoopbackMessage[] {
    return this.messages.filter((m) => m.chatId === chatId);
  }

  waitFor<T>(probe: () => T | undefined | false | null, timeoutMs: number, what: string): Promise<T> {
    return waitForChange(this, probe, timeoutMs, what);
  }

  /**
   * POSTs the event to the webhook. Resolves with the ack (unacked after ackTimeoutMs); rejects when the bot cannot be
   * reached or refuses the event (non-2xx): the service would deliver it again later.
   */
  private async deliver(event: LoopbackEvent): Promise<LoopbackAck> {
    const url = this.webhookUrl;
    if (!url) throw new Error('no webhook URL to push to');
    this.events.set(event.eventId, event);
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.ackTimeoutMs);
    this.pushes.add(abort);
    this.inFlight++;
    this.emit('change');
    const started = performance.now();
    try {
      const response = await fetch(url, {
        method: 'POST', headers: { 'content-type': 'application/json', [TOKEN_HEADER]: this.token }, body: JSON.stringify(event), signal: abort.signal,
      });
      const body = (await response.json().catch(() => undefined)) as unknown;
      const latencyMs = performance.now() - started;
      if (!response.ok) throw new Error(`the webhook refused event ${event.eventId}: HTTP ${response.status} ${JSON.stringify(body)}`);
      if (event.type === 'click') this.answerClick(event.click.messageId, body as ClickAnswer | undefined);
      return { acked: true, latencyMs, eventId: event.eventId, status: response.status, body };
    } catch (err) {
      if (abort.signal.aborted) return { acked: false, latencyMs: performance.now() - started, eventId: event.eventId };
      throw err;
    } finally {
      clearTimeout(timer);
      this.pushes.delete(abort);
      this.inFlight--;
      this.emit('change');
    }
  }

  private answerClick(messageId: string, answer: ClickAnswer | undefined): void {
    const content = answer?.card ? readContent(answer.card.content) : undefined;
    const card = this.message(messageId);
    if (card && content) this.replace(card, content);
  }

  private replace(card: LoopbackMessage, content: MessageContent): void {
    card.history.push(card.content);
    card.content = content;
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { path } = parseUrl(req);
    const { json } = await readBody(req);
    if (req.headers[TOKEN_HEADER] !== this.token) return sendJson(res, 401, refusal('bad_token', `${TOKEN_HEADER} is missing or wrong`));
    const update = /^\/messages\/([^/]+)$/.exec(path);
    if (req.method === 'POST' && path === '/messages') this.send(json as Partial<SendRequest> | undefined, res);
    else if (req.method === 'PUT' && update) this.update(decodeURIComponent(update[1]!), json as Partial<UpdateRequest> | undefined, res);
    else sendJson(res, 404, refusal('not_found', `${req.method ?? ''} ${path}`));
    this.emit('change');
  }

  private send(body: Partial<SendRequest> | undefined, res: ServerResponse): void {
    const content = readContent(body?.content);
    if (!body || typeof body.type !== 'string' || !content || typeof body.idempotencyKey !== 'string' || (!body.chatId && !body.userId)) {
      return sendJson(res, 400, refusal('bad_request', 'expected {chatId | userId, type, content: JSON {text}, idempotencyKey}'));
    }
    if (Buffer.byteLength(body.content!, 'utf8') > MAX_MESSAGE_BYTES) return sendJson(res, 400, refusal('too_large', `content above ${MAX_MESSAGE_BYTES} bytes`));
    const direct = body.chatId ? [...this.directChats].find(([, chatId]) => chatId === body.chatId)?.[0] : body.userId;
    const fault = this.fault;
    if (fault && body.type !== 'card' && direct === undefined) {
      this.fault = undefined;
      const f = FAULTS[fault];
      return sendJson(res, f.status, f.body, f.headers);
    }
    const known = this.byKey.get(body.idempotencyKey);
    if (known) return sendJson(res, 200, { messageId: known.messageId });
    const message: LoopbackMessage = {
      messageId: `lm${hex(8)}`,
      chatId: body.chatId || this.directChatOf(direct!),
      chatKind: direct === undefined ? 'group' : 'direct',
      ...(direct !== undefined ? { userId: direct } : {}),
      type: body.type, content, history: [],
      ...(body.replyTo ? { replyTo: body.replyTo } : {}),
      idempotencyKey: body.idempotencyKey,
    };
    this.messages.push(message);
    this.byKey.set(body.idempotencyKey, message);
    sendJson(res, 200, { messageId: message.messageId });
  }

  private update(messageId: string, body: Partial<UpdateRequest> | undefined, res: ServerResponse): void {
    const card = this.message(messageId);
    if (!card) return sendJson(res, 404, refusal('not_found', `no message ${messageId}`));
    if (card.type !== 'card') return sendJson(res, 400, refusal('not_updatable', 'only cards can be replaced'));
    const content = readContent(body?.content);
    if (!content) return sendJson(res, 400, refusal('bad_request', 'expected {type, content: JSON {text}}'));
    this.replace(card, content);
    sendJson(res, 200, { messageId });
  }
}
