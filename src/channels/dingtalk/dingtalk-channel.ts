// DingTalkChannel: Stream mode in (robot messages, card clicks), OpenAPI out, markdown and cards rendered within limits.
import { TOPIC_CARD, TOPIC_ROBOT } from 'dingtalk-stream';
import type { DWClientDownStream } from 'dingtalk-stream';
import type { Locale } from '../../i18n/locale.js';
import type { View } from '../../render/view.js';
import type {
  CardClick,
  ChannelHandlers,
  ChannelStatus,
  ChatChannel,
  Delivery,
  DeliveryResult,
  InboundMessage,
  RateLimit,
  RenderedMessage,
} from '../chat-channel.js';
import { handOver } from './callback-handover.js';
import { DingTalkDelivery } from './dingtalk-delivery.js';
import { cardParamMapOf, renderDingTalk } from './dingtalk-messages.js';
import type { DingTalkChannelOptions } from './dingtalk-options.js';
import type { Logger } from '../../util/logger.js';
import { mapCardCallback, mapRobotMessage } from './event-mapper.js';
import { OpenApiClient } from './openapi-client.js';
import { DINGTALK_LIMITS, PLATFORM_MAX_MESSAGE_BYTES, RENDER_MAX_BYTES } from './rate-limits.js';
import { StreamClient, errorText } from './stream-client.js';
import { StreamSupervisor } from './stream-supervisor.js';

/** The ack must reach DingTalk within about 1.5 s; a larger handler budget is cut to this. */
const MAX_HANDLER_BUDGET_MS = 1_200;

const DEFAULTS = {
  initialMs: 1_000,
  maxMs: 60_000,
  connectTimeoutMs: 10_000,
  stableAfterMs: 30_000,
  /**
   * DingTalk redelivers a CALLBACK that is not acked; the handlers are quick by contract, so the ack waits for them,
   * but never longer than this, which leaves room within the platform's 1.5 s.
   */
  handlerBudgetMs: 1_000,
};

export class DingTalkChannel implements ChatChannel {
  readonly platform = 'dingtalk' as const;
  readonly limits: { perChat: RateLimit; perBot: RateLimit } = DINGTALK_LIMITS;
  readonly maxMessageBytes = PLATFORM_MAX_MESSAGE_BYTES;

  private readonly client: StreamClient;
  private readonly supervisor: StreamSupervisor;
  private readonly delivery: DingTalkDelivery;
  private readonly logger: Logger;
  private readonly cardTemplateId: string | undefined;
  private readonly handlerBudgetMs: number;
  private handlers: ChannelHandlers | undefined;
  private started = false;

  constructor(options: DingTalkChannelOptions) {
    for (const key of ['clientId', 'clientSecret', 'gatewayUrl', 'apiUrl', 'robotCode'] as const) {
      if (!options[key]) throw new Error(`DingTalk channel option ${key} is required`);
    }
    this.logger = options.logger;
    this.cardTemplateId = options.cardTemplateId || undefined;
    this.handlerBudgetMs = Math.min(options.handlerBudgetMs ?? DEFAULTS.handlerBudgetMs, MAX_HANDLER_BUDGET_MS);
    this.client = new StreamClient({
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      gatewayUrl: options.gatewayUrl,
      connectTimeoutMs: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
      keepAlive: options.keepAlive ?? true,
      logger: options.logger,
    });
    // Registered before any connect: the topics travel with the gateway request.
    this.client.listen(TOPIC_ROBOT, (frame) => this.onRobotMessage(frame));
    this.client.listen(TOPIC_CARD, (frame) => this.onCardCallback(frame));
    this.supervisor = new StreamSupervisor({
      connector: this.client,
      logger: options.logger,
      initialMs: options.reconnect?.initialMs ?? DEFAULTS.initialMs,
      maxMs: options.reconnect?.maxMs ?? DEFAULTS.maxMs,
      stableAfterMs: options.stableAfterMs ?? DEFAULTS.stableAfterMs,
    });
    this.delivery = new DingTalkDelivery({
      api: new OpenApiClient({
        apiUrl: options.apiUrl,
        clientId: options.clientId,
        clientSecret: options.clientSecret,
        ...(options.requestTimeoutMs ? { timeoutMs: options.requestTimeoutMs } : {}),
      }),
      robotCode: options.robotCode,
      cardTemplateId: this.cardTemplateId,
    });
  }

  /** Resolves once the first connection attempt settled (connected or not); reconnects until `signal` aborts. */
  async start(handlers: ChannelHandlers, signal: AbortSignal): Promise<void> {
    if (this.started) throw new Error('DingTalkChannel.start() may be called once');
    this.started = true;
    this.handlers = handlers;
    // Stopped means nothing more reaches the handlers, even while the socket is still closing.
    signal.addEventListener('abort', () => (this.handlers = undefined), { once: true });
    if (signal.aborted) {
      this.handlers = undefined;
      await this.client.stop();
      return;
    }
    await this.supervisor.start(signal);
  }

  /** Resolves when the stream has fully stopped after the abort: socket closed, no timer left. */
  stopped(): Promise<void> {
    return this.supervisor.stopped();
  }

  status(): ChannelStatus {
    const state = this.supervisor.state;
    const open = this.client.isOpen();
    return {
      platform: 'dingtalk',
      mode: 'stream',
      // The SDK's `connected` goes false on SYSTEM disconnect while the socket lingers: both must agree.
      connected: state.connected && open,
      detail: state.connected && !open ? 'gateway asked to reconnect' : state.detail,
      since: state.since,
    };
  }

  render(view: View, options: { locale: Locale; page?: number }): RenderedMessage[] {
    return renderDingTalk(view, {
      locale: options.locale,
      ...(options.page !== undefined ? { page: options.page } : {}),
      ...(this.cardTemplateId ? { cardTemplateId: this.cardTemplateId } : {}),
      maxBytes: RENDER_MAX_BYTES,
    });
  }

  deliver(delivery: Delivery): Promise<DeliveryResult> {
    return this.delivery.deliver(delivery);
  }

  private onRobotMessage(frame: DWClientDownStream): void {
    let message: InboundMessage;
    try {
      message = mapRobotMessage(frame);
    } catch (err) {
      // Acked anyway: DingTalk would only redeliver the same unreadable payload for a minute.
      this.logger.warn({ err: errorText(err) }, 'ignored an unreadable DingTalk robot message');
      this.ack(frame, {});
      return;
    }
    const handlers = this.handlers;
    // Not acked once stopped: DingTalk delivers it again, to another replica or after the restart.
    if (!handlers) return;
    handOver({ what: 'robot message', budgetMs: this.handlerBudgetMs, logger: this.logger, run: () => handlers.onMessage(message), ack: () => this.ack(frame, {}) });
  }

  private onCardCallback(frame: DWClientDownStream): void {
    let click: CardClick;
    try {
      click = mapCardCallback(frame);
    } catch (err) {
      this.logger.warn({ err: errorText(err) }, 'ignored an unreadable DingTalk card callback');
      this.ack(frame, {});
      return;
    }
    const handlers = this.handlers;
    if (!handlers) return;
    handOver({
      what: 'card click',
      budgetMs: this.handlerBudgetMs,
      logger: this.logger,
      run: () => handlers.onCardClick(click),
      // The ack can carry new card data: the card changes in place as the click is answered.
      ack: (answer) => {
        const cardParamMap = answer ? cardParamMapOf(answer) : undefined;
        this.ack(frame, cardParamMap ? { cardData: { cardParamMap } } : {});
      },
      // An answer after the ack still reaches the card, through the card update API.
      late: (answer) => {
        this.delivery
          .deliver({ kind: 'update', to: click.chat, messageId: click.messageId, message: answer })
          .catch((err: unknown) => this.logger.warn({ err: errorText(err) }, 'DingTalk card update after a late click answer failed'));
      },
    });
  }

  /** socketCallBackResponse: `{}`, or `{cardData: {cardParamMap}}` for a click whose answer replaces the card. */
  private ack(frame: DWClientDownStream, result: unknown): void {
    try {
      this.client.socketCallBackResponse(frame.headers.messageId, result);
    } catch (err) {
      // The socket may be gone; DingTalk then redelivers and the core deduplicates.
      this.logger.warn({ err: errorText(err) }, 'DingTalk ack failed');
    }
  }
}

export function createDingTalkChannel(options: DingTalkChannelOptions): DingTalkChannel {
  return new DingTalkChannel(options);
}
