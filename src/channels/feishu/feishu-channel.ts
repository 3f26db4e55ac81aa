// FeishuChannel: the ChatChannel for Feishu/Lark, composed of the real SDK's Client, WSClient and EventDispatcher.
import { EventDispatcher, LoggerLevel } from '@larksuiteoapi/node-sdk';
import type { ChannelHandlers, ChannelStatus, ChatChannel, Delivery, DeliveryResult, RenderedMessage } from '../chat-channel.js';
import type { Locale } from '../../i18n/locale.js';
import type { View } from '../../render/view.js';
import { BotIdentity } from './bot-identity.js';
import { ChatKinds } from './chat-kinds.js';
import { ConnectionStatus } from './connection-status.js';
import type { FlatEvent } from './event-mapper.js';
import { FeishuApi } from './feishu-api.js';
import { sdkLogger } from './feishu-logger.js';
import { resolveFeishuOptions } from './feishu-options.js';
import type { FeishuChannelOptions } from './feishu-options.js';
import { FeishuRenderer } from './feishu-renderer.js';
import { FeishuSender } from './feishu-sender.js';
import { httpWithTimeout } from './http-timeout.js';
import { InboundEvents } from './inbound-events.js';
import type { CardActionResponse } from './inbound-events.js';
import { LongConnection } from './long-connection.js';
import { FEISHU_MAX_MESSAGE_BYTES, FEISHU_PER_BOT, FEISHU_PER_CHAT } from './rate-limits.js';
import { TokenCache } from './token-cache.js';
import { UserNames } from './user-names.js';
import { WebhookReceiver } from './webhook-receiver.js';
import type { WebhookRequest, WebhookResponse } from './webhook-receiver.js';

export class FeishuChannel implements ChatChannel {
  readonly platform = 'feishu' as const;
  readonly limits = { perChat: FEISHU_PER_CHAT, perBot: FEISHU_PER_BOT };
  readonly maxMessageBytes = FEISHU_MAX_MESSAGE_BYTES;
  /** Present in webhook mode only: the HTTP layer mounts a route when it exists. */
  readonly handleWebhook?: (request: WebhookRequest) => Promise<WebhookResponse>;

  private readonly connection: ConnectionStatus;
  private readonly tokens: TokenCache;
  private readonly bot: BotIdentity;
  private readonly inbound: InboundEvents;
  private readonly sender: FeishuSender;
  private readonly renderer: FeishuRenderer;
  private readonly longConnection: LongConnection | undefined;
  private started = false;

  constructor(options: FeishuChannelOptions) {
    const o = resolveFeishuOptions(options);
    this.connection = new ConnectionStatus(o.mode);
    this.tokens = new TokenCache(o.appId);
    const secrets = (): string[] => [o.appSecret, o.encryptKey ?? '', o.verificationToken ?? '', ...this.tokens.secrets()];
    const logForSdk = sdkLogger(o.logger, secrets);
    const httpInstance = httpWithTimeout(o.requestTimeoutMs);
    const api = new FeishuApi({ appId: o.appId, appSecret: o.appSecret, domain: o.domain, cache: this.tokens, httpInstance, sdkLogger: logForSdk, logger: o.logger });
    this.bot = new BotIdentity(api, o.logger);
    this.inbound = new InboundEvents({
      bot: this.bot,
      names: new UserNames(api, o.logger),
      chats: new ChatKinds(),
      logger: o.logger,
      lookupBudgetMs: o.lookupBudgetMs,
      handlerBudgetMs: o.handlerBudgetMs,
    });
    this.sender = new FeishuSender(api);
    this.renderer = new FeishuRenderer(FEISHU_MAX_MESSAGE_BYTES);

    if (o.mode === 'webhook') {
      const receiver = new WebhookReceiver({
        // resolveFeishuOptions refuses webhook mode without both.
        encryptKey: o.encryptKey!,
        verificationToken: o.verificationToken!,
        replayWindowMs: o.replayWindowMs,
        inbound: this.inbound,
        logger: o.logger,
      });
      this.handleWebhook = (request) => receiver.handle(request);
      this.longConnection = undefined;
    } else {
      // The long connection is authenticated by the app secret itself: the dispatcher checks nothing (needCheck false).
      const dispatcher = new EventDispatcher({ logger: logForSdk, loggerLevel: LoggerLevel.warn, cache: this.tokens }).register<{
        'card.action.trigger': (data: FlatEvent) => Promise<CardActionResponse | undefined>;
      }>({
        'im.message.receive_v1': (data) => this.inbound.message(data as FlatEvent),
        'card.action.trigger': (data) => this.inbound.cardAction(data),
      });
      this.longConnection = new LongConnection({
        appId: o.appId,
        appSecret: o.appSecret,
        domain: o.domain,
        dispatcher,
        httpInstance,
        sdkLogger: logForSdk,
        logger: o.logger,
        status: this.connection,
        reconnect: o.reconnect,
        pingTimeoutSeconds: o.pingTimeoutSeconds,
        handshakeTimeoutMs: o.handshakeTimeoutMs,
      });
    }
  }

  /** Resolves once receiving is under way, before the long connection is open: status() says when it is. */
  async start(handlers: ChannelHandlers, signal: AbortSignal): Promise<void> {
    if (this.started) throw new Error('the Feishu channel is already started');
    this.started = true;
    if (signal.aborted) return;
    this.inbound.setHandlers(handlers);
    signal.addEventListener(
      'abort',
      () => {
        this.inbound.setHandlers(undefined);
        if (!this.longConnection) this.connection.set(false, 'stopped');
      },
      { once: true },
    );
    // In the background: events wait for it (briefly) only while it is still under way.
    void this.bot.load();
    if (this.longConnection) this.longConnection.start(signal);
    else this.connection.set(true, 'webhook receiver ready');
  }

  status(): ChannelStatus {
    return this.connection.snapshot();
  }

  render(view: View, options: { locale: Locale; page?: number }): RenderedMessage[] {
    return this.renderer.render(view, options);
  }

  deliver(delivery: Delivery): Promise<DeliveryResult> {
    return this.sender.deliver(delivery);
  }
}

export function createFeishuChannel(options: FeishuChannelOptions): FeishuChannel {
  return new FeishuChannel(options);
}
