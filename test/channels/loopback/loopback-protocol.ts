// The loopback chat service's wire format, shared by its emulator and its channel: events pushed to the bot's webhook,
// and the two calls the bot makes back (send a message, replace a card).

/** Carries the shared token on every request, both ways: a request without it is refused. */
export const TOKEN_HEADER = 'x-loopback-token';

/** The service refuses a message body (the JSON `content`) above this many UTF-8 bytes: the channel's maxMessageBytes. */
export const MAX_MESSAGE_BYTES = 8_000;

/** The service pushes an event again when the bot has not answered its webhook request within this. */
export const ACK_TIMEOUT_MS = 3_000;

/** The service's own "too fast" answer (HTTP 400 with this code), besides a plain HTTP 429. */
export const RATE_LIMITED_CODE = 'chat_rate_limited';

export type ChatKind = 'group' | 'direct';

/** A person's message, to the bot: in a group (mentioning it or not) or in their direct chat with it. */
export interface MessageEvent {
  type: 'message';
  /** The same on every redelivery of this event. */
  eventId: string;
  /** The workspace the chat belongs to. */
  orgId: string;
  message: {
    messageId: string;
    chatId: string;
    chatKind: ChatKind;
    sender: { userId: string; name?: string; isBot?: boolean };
    /** As typed, with `@<bot name> ` in front when the bot was mentioned. */
    text: string;
    mentionsBot: boolean;
  };
}

/** A click on a card's button: `value` is the button's, as the service holds the card. */
export interface ClickEvent {
  type: 'click';
  eventId: string;
  orgId: string;
  click: {
    /** The card. */
    messageId: string;
    chatId: string;
    chatKind: ChatKind;
    /** The person in a direct chat. */
    userId?: string;
    user: { userId: string; name?: string };
    value: Record<string, string>;
  };
}

export type LoopbackEvent = MessageEvent | ClickEvent;

/** The bot's answer to a click event: a card that replaces the clicked one at once. */
export interface ClickAnswer {
  card?: { type: string; content: string };
}

/** POST /messages: to a chat (`chatId`) or to a person's direct chat (`userId` alone). */
export interface SendRequest {
  chatId?: string;
  userId?: string;
  /** `text`, or `card` (may hold buttons; can be replaced later). */
  type: string;
  /** JSON text: `{text}` or `{text, buttons: [{label, style, value}]}`. */
  content: string;
  /** The same key twice is one message: a retried send returns the first one's id. */
  idempotencyKey: string;
  replyTo?: string;
}

/** PUT /messages/<id>: replaces a card. */
export interface UpdateRequest {
  type: string;
  content: string;
}

export interface MessageAnswer {
  messageId: string;
}

/** What every refusal carries. */
export interface ErrorAnswer {
  error: { code: string; message: string };
}

/** A card's button as the content holds it. */
export interface CardButton {
  label: string;
  style: 'primary' | 'danger' | 'default';
  value: Record<string, string>;
}

/** The content of a `text` or `card` message. */
export interface MessageContent {
  text: string;
  buttons?: CardButton[];
}
