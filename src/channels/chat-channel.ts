// The ChatChannel interface: one implementation per chat platform (Feishu, DingTalk; see chat-platform.ts). Channels turn platform events
// into normalised inbound messages and clicks, render views as platform messages, and deliver what the outbox sends.
// Nothing below the dispatcher sees these types; nothing here knows commands, RBAC or the database.
import type { Locale } from '../i18n/locale.js';
import type { ChatPlatform } from '../model/chat-platforms.js';
import type { View } from '../render/view.js';

/** A chat platform's name (src/channels/platforms.ts lists them). */
export type Platform = ChatPlatform;

/** Where a message goes or came from. */
export interface ChatAddress {
  platform: Platform;
  /** Feishu tenant_key, DingTalk corpId. */
  orgId: string;
  /** Feishu chat_id (oc_...), DingTalk openConversationId; for direct chats the platform's chat id if it has one. */
  chatId: string;
  chatType: 'group' | 'direct';
  /** The other person in a direct chat (Feishu open_id, DingTalk staffId): direct sends go to the user. */
  userId?: string;
}

export interface InboundMessage {
  platform: Platform;
  /** Identifies the delivery for deduplication: Feishu event_id, DingTalk msgId (both repeat on redelivery). */
  eventId: string;
  /** The message to reply to. */
  messageId: string;
  chat: ChatAddress;
  sender: { userId: string; name?: string };
  /** The text as the platform delivered it (mention placeholders included); the pipeline normalises it. */
  text: string;
  /** The bot was @mentioned; always true in direct chats. */
  mentionsBot: boolean;
  /** The sender is a bot (including this one): such messages are ignored. */
  fromBot: boolean;
  /** What a reply needs besides the address (DingTalk sessionWebhook and its expiry), kept with outbox items. */
  replyContext?: Record<string, string>;
  receivedAt: Date;
}

export interface CardClick {
  platform: Platform;
  eventId: string;
  chat: ChatAddress;
  /** The clicked card: Feishu open_message_id, DingTalk outTrackId. */
  messageId: string;
  user: { userId: string; name?: string };
  /** The ViewAction.value of the clicked button. */
  value: Record<string, string>;
}

/** A message in the platform's own format, as the outbox stores and sends it. */
export interface RenderedMessage {
  /** Platform message type: Feishu `interactive` | `text`, DingTalk `markdown` | `actionCard` | `card` | `text`. */
  type: string;
  /** The platform payload (JSON text of the card or message body). */
  content: string;
  /** Can be updated in place later (Feishu cards, DingTalk interactive cards). */
  updatable: boolean;
}

export type Delivery =
  | {
    kind: 'send';
    to: ChatAddress;
    message: RenderedMessage;
    /** Stable per outbox item: platforms that de-duplicate retries (Feishu `uuid`) get it. */
    idempotencyKey: string;
    /** Reply in the thread of this inbound message where the platform supports it. */
    replyTo?: { messageId: string; context?: Record<string, string> };
  }
  | {
    kind: 'update';
    to: ChatAddress;
    /** The platform id of the message to replace (what an earlier send returned). */
    messageId: string;
    message: RenderedMessage;
  };

export interface DeliveryResult {
  /** Platform id of the message sent or updated: Feishu om_..., DingTalk processQueryKey or outTrackId. */
  messageId: string;
}

/** A failed delivery: retryable ones (429, 5xx, network) are retried by the outbox; others fail the item, loudly. */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    /** The platform said when to retry (Retry-After, x-ogw-ratelimit-reset). */
    readonly retryAfterMs?: number,
    /** Rate limited (429 and equivalents): never counted against the attempt budget, so a storm delays, never drops. */
    readonly rateLimited = false,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

export interface ChannelHandlers {
  /** Each inbound message, at most as fast as the platform delivers. Must resolve quickly: the ack waits for it. */
  onMessage(message: InboundMessage): Promise<void>;
  /**
   * A button click: the returned message replaces the card. It resolves when the command is done, however long that
   * takes; the channel applies its platform's deadline (Feishu 3 s for the callback's answer) and decides what to do with
   * an answer that comes later.
   */
  onCardClick(click: CardClick): Promise<RenderedMessage | undefined>;
}

export interface ChannelStatus {
  platform: Platform;
  /** How it receives: `websocket`, `webhook` (Feishu), `stream` (DingTalk). */
  mode: string;
  connected: boolean;
  detail?: string;
  since?: Date;
}

export interface RateLimit {
  /** Sustained rate. */
  perSecond: number;
  /** Messages that may go out at once after a quiet spell. */
  burst: number;
}

export interface ChatChannel {
  readonly platform: Platform;
  /** Per chat (Feishu: 5 QPS) and per bot (DingTalk robot: about 20 a minute); the outbox never exceeds either. */
  readonly limits: { perChat: RateLimit; perBot?: RateLimit };
  /** Largest message in bytes the platform accepts; render() splits below it. */
  readonly maxMessageBytes: number;

  /** Connects and delivers events to the handlers until `signal` aborts; reconnects on its own with capped backoff. */
  start(handlers: ChannelHandlers, signal: AbortSignal): Promise<void>;

  status(): ChannelStatus;

  /**
   * The view as one or more platform messages within maxMessageBytes: long tables are split between rows (never inside
   * one); past a few messages the rest is left for `--page N` (1-based) with a "…N more, use --page K" line. Status
   * colours follow `tone`; actions become buttons.
   */
  render(view: View, options: { locale: Locale; page?: number }): RenderedMessage[];

  deliver(delivery: Delivery): Promise<DeliveryResult>;

  /** Webhook mode only: handles one HTTP request to the channel's webhook path (verification, decryption, replay checks). */
  handleWebhook?(request: { headers: Record<string, string | string[] | undefined>; rawBody: string }): Promise<{ status: number; body: unknown }>;
}
