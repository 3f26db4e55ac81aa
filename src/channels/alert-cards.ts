// Alert cards in chat: posted to the alert's groups (bound chats, the tenant's alert chat) when it fires, then updated in
// place through the outbox when it is acknowledged, silenced, repeated or resolved, as approval cards are.
import type { AlertCardData, AlertNotifier } from '../engines/alerts/alerts-engine.js';
import type { Locale } from '../i18n/locale.js';
import type { ChatGroup } from '../model/chat-origin.js';
import { alertView } from '../render/alert-views.js';
import type { ChatChannel, Platform } from './chat-channel.js';
import type { ChatReplies } from './chat-replies.js';
import { updateNewestCards } from './newest-cards.js';
import type { Outbox } from './outbox/outbox.js';

export interface AlertCardsOptions {
  replies: ChatReplies;
  outbox: Outbox;
  channels: ReadonlyMap<Platform, ChatChannel>;
  locale: Locale;
}

export const alertCorrelation = (id: number) => `alert:${id}`;

export class AlertCards implements AlertNotifier {
  constructor(private readonly o: AlertCardsOptions) {}

  async opened(card: AlertCardData, to: ChatGroup[]): Promise<void> {
    const view = alertView(card, this.o.locale);
    for (const group of to) {
      if (!this.o.channels.has(group.platform)) continue;
      await this.o.replies.send({ ...group, chatType: 'group' }, view, { locale: this.o.locale, correlation: alertCorrelation(card.alert.id) });
    }
  }

  async changed(card: AlertCardData): Promise<void> {
    await updateNewestCards(this.o, alertCorrelation(card.alert.id), alertView(card, this.o.locale));
  }
}
