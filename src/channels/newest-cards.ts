// Updating a card everywhere it was posted (approval and alert cards): the newest message of the correlation in each chat.
import type { Locale } from '../i18n/locale.js';
import type { View } from '../render/view.js';
import type { ChatChannel, Platform } from './chat-channel.js';
import type { ChatReplies } from './chat-replies.js';
import type { Outbox } from './outbox/outbox.js';

/**
 * Updates the newest card in each chat. A card that cannot be updated in place (a DingTalk markdown message) gets the new
 * state as a new message, which is then the newest: one message per change, never one per earlier copy.
 */
export async function updateNewestCards(
  o: { replies: ChatReplies; outbox: Outbox; channels: ReadonlyMap<Platform, ChatChannel>; locale: Locale }, correlation: string, view: View,
): Promise<void> {
  const newest = new Map<string, { id: number; platform: Platform }>();
  for (const row of await o.outbox.sentFor(correlation)) newest.set(row.chatKey, { id: row.id, platform: row.platform as Platform });
  for (const { id, platform } of newest.values()) {
    if (!o.channels.has(platform)) continue;
    await o.replies.update(id, platform, view, { locale: o.locale, correlation });
  }
}
