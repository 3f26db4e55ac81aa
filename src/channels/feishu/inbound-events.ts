// Hands each received event to the core's handlers within Feishu's 3 s deadline; shared by the long connection and the webhook.
import type { ChannelHandlers, RenderedMessage } from '../chat-channel.js';
import type { BotIdentity } from './bot-identity.js';
import type { ChatKinds } from './chat-kinds.js';
import { within } from './deadline.js';
import { parseCardAction, parseMessageEvent, toCardClick, toInboundMessage } from './event-mapper.js';
import type { FlatEvent } from './event-mapper.js';
import type { Logger } from '../../util/logger.js';
import type { UserNames } from './user-names.js';

/** What Feishu expects back from a card.action.trigger: the card that replaces the clicked one, or a toast. */
export type CardActionResponse =
  | { card: { type: 'raw'; data: unknown } }
  | { toast: { type: 'info'; content: string } };

export interface InboundEventsOptions {
  bot: BotIdentity;
  names: UserNames;
  chats: ChatKinds;
  logger: Logger;
  lookupBudgetMs: number;
  handlerBudgetMs: number;
}

/** The handler's message as a callback answer; a text message becomes a toast (a callback cannot post text). */
export function toCardActionResponse(message: RenderedMessage | undefined): CardActionResponse | undefined {
  if (!message) return undefined;
  if (message.type === 'interactive') return { card: { type: 'raw', data: JSON.parse(message.content) as unknown } };
  const text = (JSON.parse(message.content) as { text?: unknown }).text;
  return { toast: { type: 'info', content: typeof text === 'string' ? text : '' } };
}

export class InboundEvents {
  private handlers: ChannelHandlers | undefined;

  constructor(private readonly o: InboundEventsOptions) {}

  /** Events arriving without handlers (before start, after stop) are refused so that Feishu delivers them again. */
  setHandlers(handlers: ChannelHandlers | undefined): void {
    this.handlers = handlers;
  }

  get ready(): boolean {
    return this.handlers !== undefined;
  }

  /**
   * im.message.receive_v1. Resolves once the core has the message (the ack follows); rejects when it refused it, so
   * Feishu redelivers. A handler slower than its budget is left running and the event acked, because a late ack
   * makes Feishu push the event again anyway.
   */
  async message(event: FlatEvent): Promise<void> {
    const handlers = this.requireHandlers();
    const parsed = parseMessageEvent(event);
    if (!parsed.ok) {
      this.o.logger.info({ eventId: event.event_id, reason: parsed.reason }, 'Feishu message ignored');
      return;
    }
    const p = parsed.message;
    this.o.chats.remember(p.chatId, p.chatType);
    // Lookups run side by side, each bounded: a missing name or bot id must not cost the deadline.
    const [botOpenId, name] = await Promise.all([
      this.o.bot.openIdWithin(this.o.lookupBudgetMs),
      p.senderName || !p.senderIsUser ? Promise.resolve(p.senderName) : this.o.names.nameWithin(p.senderOpenId, this.o.lookupBudgetMs),
    ]);
    const inbound = toInboundMessage(p, botOpenId, name, new Date());
    const work = handlers.onMessage(inbound);
    const outcome = await within(work, this.o.handlerBudgetMs);
    if (outcome.kind === 'error') {
      this.o.logger.error({ eventId: p.eventId, err: String(outcome.error) }, 'the core refused a Feishu message; Feishu will redeliver it');
      throw outcome.error;
    }
    if (outcome.kind === 'late') {
      this.o.logger.warn({ eventId: p.eventId, budgetMs: this.o.handlerBudgetMs }, 'onMessage is slow; acking the Feishu event before it settles');
      void work.catch((error: unknown) => this.o.logger.error({ eventId: p.eventId, err: String(error) }, 'a late onMessage failed after the ack'));
    }
  }

  /** card.action.trigger: the handler's card is the answer (within 3 s, or none). */
  async cardAction(event: FlatEvent): Promise<CardActionResponse | undefined> {
    const handlers = this.requireHandlers();
    const parsed = parseCardAction(event);
    if (!parsed) {
      this.o.logger.info({ eventId: event.event_id }, 'Feishu card action ignored: incomplete event');
      return undefined;
    }
    const name = parsed.operatorName ?? (await this.o.names.nameWithin(parsed.operatorOpenId, this.o.lookupBudgetMs));
    const click = toCardClick(parsed, this.o.chats.kindOf(parsed.chatId), name);
    const outcome = await within(handlers.onCardClick(click), this.o.handlerBudgetMs);
    if (outcome.kind === 'error') {
      this.o.logger.error({ eventId: parsed.eventId, err: String(outcome.error) }, 'onCardClick failed');
      throw outcome.error;
    }
    if (outcome.kind === 'late') {
      this.o.logger.warn({ eventId: parsed.eventId, budgetMs: this.o.handlerBudgetMs }, 'onCardClick missed the callback deadline; the card stays as it is');
      return undefined;
    }
    return toCardActionResponse(outcome.value);
  }

  private requireHandlers(): ChannelHandlers {
    if (!this.handlers) throw new Error('the Feishu channel is not started');
    return this.handlers;
  }
}
