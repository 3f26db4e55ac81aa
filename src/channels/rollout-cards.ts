// Rollout cards in chat: one per rollout, posted in the chat the publish (or rollback) came from as the answer to it,
// then updated in place through the outbox as waves move, the canary passes or fails, and the rollout ends.
import type { RolloutCardData, RolloutNotifier } from '../engines/rollouts/rollout-engine.js';
import type { Locale } from '../i18n/locale.js';
import type { ChatOrigin } from '../model/chat-origin.js';
import { rolloutCardView } from '../render/rollout-views.js';
import type { ChatChannel, Platform } from './chat-channel.js';
import type { ChatReplies } from './chat-replies.js';
import { updateNewestCards } from './newest-cards.js';
import type { Outbox } from './outbox/outbox.js';

export interface RolloutCardsOptions {
  replies: ChatReplies;
  outbox: Outbox;
  channels: ReadonlyMap<Platform, ChatChannel>;
  locale: Locale;
}

export const rolloutCorrelation = (id: number) => `rollout:${id}`;

export class RolloutCards implements RolloutNotifier {
  constructor(private readonly o: RolloutCardsOptions) {}

  async opened(card: RolloutCardData): Promise<boolean> {
    if (!card.rollout.chat) return false;
    const { messageId, ...to } = JSON.parse(card.rollout.chat) as ChatOrigin;
    if (!this.o.channels.has(to.platform)) return false;
    await this.o.replies.send(to, rolloutCardView(card, this.o.locale), {
      locale: this.o.locale, correlation: rolloutCorrelation(card.rollout.id), ...(messageId ? { replyTo: { messageId } } : {}),
    });
    return true;
  }

  async changed(card: RolloutCardData): Promise<void> {
    if (!card.rollout.chat) return;
    await updateNewestCards(this.o, rolloutCorrelation(card.rollout.id), rolloutCardView(card, this.o.locale));
  }
}
