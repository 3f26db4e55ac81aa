// LoopbackChannel: events in through the webhook (served at POST /webhooks/loopback), plain-text JSON messages out.
// The smallest channel that meets the ChatChannel contract; it keeps no state of its own (the core deduplicates).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Locale } from '../../../src/i18n/locale.js';
import type { View } from '../../../src/render/view.js';
import type { Logger } from '../../../src/util/logger.js';
import type {
  ChannelHandlers,
  ChannelStatus,
  ChatChannel,
  Delivery,
  DeliveryResult,
  RateLimit,
  RenderedMessage,
} from '../../../src/channels/chat-channel.js';
import { LoopbackApi } from './loopback-api.js';
import { LOOPBACK, cardClick, inboundMessage, parseEvent } from './loopback-events.js';
import { ACK_TIMEOUT_MS, MAX_MESSAGE_BYTES, TOKEN_HEADER } from './loopback-protocol.js';
import type { ClickAnswer, ClickEvent, MessageEvent } from './loopback-protocol.js';
import { renderLoopback } from './loopback-renderer.js';

export interface LoopbackChannelOptions {
  /** The service's base URL (the emulator's). */
  url: string;
  /** Shared with the service: required on its webhook requests, sent on ours. */
  token: string;
  logger: Logger;
  /** How long a webhook answer waits for onMessage: 1 s leaves two of the service's 3 s. */
  handlerBudgetMs?: number;
  /** How long a click's answer may take to ride on the webhook answer; a later one updates the card through the API. */
  clickBudgetMs?: number;
}

type WebhookRequest = Parameters<NonNullable<ChatChannel['handleWebhook']>>[0];
type WebhookResponse = Awaited<ReturnType<NonNullable<ChatChannel['handleWebhook']>>>;

/** Stable codes for refused requests, so a reader of the body need not guess. */
export const LOOPBACK_WEBHOOK_ERRORS = {
  token: 'LOOPBACK_WEBHOOK_BAD_TOKEN',
  malformed: 'LOOPBACK_WEBHOOK_MALFORMED',
  notRunning: 'LOOPBACK_WEBHOOK_NOT_RUNNING',
  handler: 'LOOPBACK_WEBHOOK_HANDLER_FAILED',
} as const;

/** Both stay inside the service's ack timeout, with room for the network and a busy machine. */
const MAX_BUDGET_MS = ACK_TIMEOUT_MS - 1_000;

const refuse = (status: number, code: string, message: string): WebhookResponse => ({ status, body: { error: { code, message } } });

function header(headers: WebhookRequest['headers'], name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return Array.isArray(value) ? value[0] : value;
  return undefined;
}

/** Compared as digests, so neither the length nor the content leaks through timing. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string): Buffer => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

type Settled<T> = { kind: 'ok'; value: T } | { kind: 'error'; error: unknown } | { kind: 'late' };

/** The work's outcome, or `late` after `ms`; the work goes on either way and its rejection is always observed. */
async function within<T>(work: Promise<T>, ms: number): Promise<Settled<T>> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Settled<T>>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'late' }), ms);
  });
  const settled = work.then((value): Settled<T> => ({ kind: 'ok', value }), (error: unknown): Settled<T> => ({ kind: 'error', error }));
  try {
    return await Promise.race([settled, late]);
  } finally {
    clearTimeout(timer);
  }
}

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export class LoopbackChannel implements ChatChannel {
  readonly platform = LOOPBACK;
  /** The service takes 5 messages a second into one chat; there is no limit per bot. */
  readonly limits: { perChat: RateLimit } = { perChat: { perSecond: 5, burst: 5 } };
  readonly maxMessageBytes = MAX_MESSAGE_BYTES;

  private readonly api: LoopbackApi;
  private readonly handlerBudgetMs: number;
  private readonly clickBudgetMs: number;
  /** Set while running: the webhook hands events on only then. */
  private handlers: ChannelHandlers | undefined;
  private started = false;
  private since: Date | undefined;

  constructor(private readonly o: LoopbackChannelOptions) {
    if (!o.url || !o.token) throw new Error('the loopback channel needs url and token');
    this.api = new LoopbackApi({ url: o.url, token: o.token });
    this.handlerBudgetMs = Math.min(o.handlerBudgetMs ?? 1_000, MAX_BUDGET_MS);
    this.clickBudgetMs = Math.min(o.clickBudgetMs ?? 1_500, MAX_BUDGET_MS);
  }

  /** There is nothing to connect: the channel is up once started, and the webhook refuses events after the abort. */
  start(handlers: ChannelHandlers, signal: AbortSignal): Promise<void> {
    if (this.started) throw new Error('LoopbackChannel.start() may be called once');
    this.started = true;
    if (signal.aborted) return Promise.resolve();
    this.handlers = handlers;
    this.since = new Date();
    signal.addEventListener('abort', () => {
      this.handlers = undefined;
      this.since = new Date();
    }, { once: true });
    return Promise.resolve();
  }

  status(): ChannelStatus {
    return {
      platform: LOOPBACK, mode: 'webhook', connected: this.handlers !== undefined,
      ...(this.since ? { since: this.since } : {}),
      ...(this.handlers ? {} : { detail: this.started ? 'stopped' : 'not started' }),
    };
  }

  render(view: View, options: { locale: Locale; page?: number }): RenderedMessage[] {
    return renderLoopback(view, { ...options, maxBytes: this.maxMessageBytes });
  }

  deliver(delivery: Delivery): Promise<DeliveryResult> {
    return this.api.deliver(delivery);
  }

  async handleWebhook(request: WebhookRequest): Promise<WebhookResponse> {
    const token = header(request.headers, TOKEN_HEADER);
    if (token === undefined || !sameSecret(token, this.o.token)) {
      this.o.logger.warn({ code: LOOPBACK_WEBHOOK_ERRORS.token }, 'loopback webhook request refused');
      return refuse(401, LOOPBACK_WEBHOOK_ERRORS.token, `${TOKEN_HEADER} is missing or wrong`);
    }
    const event = parseEvent(request.rawBody);
    if (!event) return refuse(400, LOOPBACK_WEBHOOK_ERRORS.malformed, 'the body is not a loopback event');
    const handlers = this.handlers;
    // Not acked while stopped: the service delivers it again, to another replica or after the restart.
    if (!handlers) return refuse(503, LOOPBACK_WEBHOOK_ERRORS.notRunning, 'the loopback channel is not running');
    return event.type === 'message' ? this.message(event, handlers) : this.click(event, handlers);
  }

  /** Answered when onMessage has stored the event or the budget ran out; a failure to store is answered 500 (sent again). */
  private async message(event: MessageEvent, handlers: ChannelHandlers): Promise<WebhookResponse> {
    const work = Promise.resolve().then(() => handlers.onMessage(inboundMessage(event)));
    const settled = await within(work, this.handlerBudgetMs);
    if (settled.kind === 'error') {
      this.o.logger.error({ err: errorText(settled.error), eventId: event.eventId }, 'loopback message could not be handed over');
      return refuse(500, LOOPBACK_WEBHOOK_ERRORS.handler, 'the event could not be handed over; the service will retry');
    }
    if (settled.kind === 'late') {
      this.o.logger.warn({ budgetMs: this.handlerBudgetMs }, 'loopback message handler still running at the ack budget; acked');
      void work.catch((err: unknown) => this.o.logger.error({ err: errorText(err), eventId: event.eventId }, 'loopback message handler failed after the ack'));
    }
    return { status: 200, body: {} };
  }

  /** The answer rides on the webhook answer when it comes within the budget; a later one replaces the card through the API. */
  private async click(event: ClickEvent, handlers: ChannelHandlers): Promise<WebhookResponse> {
    const click = cardClick(event);
    const work = Promise.resolve().then(() => handlers.onCardClick(click));
    const settled = await within(work, this.clickBudgetMs);
    if (settled.kind === 'error') {
      this.o.logger.error({ err: errorText(settled.error), eventId: event.eventId }, 'loopback click could not be handed over');
      return refuse(500, LOOPBACK_WEBHOOK_ERRORS.handler, 'the click could not be handed over; the service will retry');
    }
    if (settled.kind === 'ok') {
      const answer: ClickAnswer = settled.value ? { card: { type: settled.value.type, content: settled.value.content } } : {};
      return { status: 200, body: answer };
    }
    void work
      .then(async (late) => {
        if (late) await this.api.deliver({ kind: 'update', to: click.chat, messageId: click.messageId, message: late });
      })
      .catch((err: unknown) => this.o.logger.warn({ err: errorText(err) }, 'loopback card update after a late click answer failed'));
    return { status: 200, body: {} };
  }
}

export function createLoopbackChannel(options: LoopbackChannelOptions): LoopbackChannel {
  return new LoopbackChannel(options);
}
