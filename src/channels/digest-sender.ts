// The sending side of digests: draws a digest for its subscription's chat (a Feishu card with a native chart, DingTalk
// markdown) in the subscription's language and puts it in the outbox, which delivers it across restarts.
import type { DigestData } from '../engines/digests/digest-data.js';
import type { DigestDelivery } from '../engines/digests/digest-scheduler.js';
import { digestView } from '../render/digest-view.js';
import type { DigestSubscription } from '../store/entities/digest-subscription.js';
import type { ChatReplies } from './chat-replies.js';
import type { Outbox } from './outbox/outbox.js';

export class DigestSender implements DigestDelivery {
  constructor(
    private readonly replies: ChatReplies,
    private readonly outbox: Outbox,
  ) {}

  async send(subscription: DigestSubscription, digest: DigestData, correlation: string): Promise<void> {
    const to = { platform: subscription.platform, orgId: subscription.orgId, chatId: subscription.chatId, chatType: 'group' as const };
    await this.replies.send(to, digestView(digest, subscription.locale), { locale: subscription.locale, correlation });
  }

  async queued(correlation: string): Promise<boolean> {
    return (await this.outbox.sentFor(correlation)).length > 0;
  }
}
