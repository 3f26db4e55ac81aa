// Approval cards in chat: posted where the command was typed and in the tenant's approval chat, then updated in place
// (through the outbox) as people vote, and when it runs, goes stale, fails or expires.
import type { ApprovalNotifier } from '../engines/approvals/approvals-engine.js';
import type { Locale, Text } from '../i18n/locale.js';
import { approvalView } from '../render/approval-views.js';
import type { ApprovalVote } from '../store/entities/approval-vote.js';
import type { Approval } from '../store/entities/approval.js';
import type { ApprovalChat } from '../store/entities/tenant.js';
import type { ChatAddress, ChatChannel, Platform } from './chat-channel.js';
import type { ChatReplies } from './chat-replies.js';
import { updateNewestCards } from './newest-cards.js';
import type { Outbox } from './outbox/outbox.js';

export interface ApprovalCardsOptions {
  replies: ChatReplies;
  outbox: Outbox;
  channels: ReadonlyMap<Platform, ChatChannel>;
  locale: Locale;
  /** "What happens" on the card: the held command's summary. */
  summaryOf(command: string): Text | undefined;
  /** The approval chat configured for the tenant (by `claw tenant policy`), if any. */
  approvalChat(tenantId: string | null): Promise<ApprovalChat | null>;
}

export const approvalCorrelation = (id: number) => `approval:${id}`;

export class ApprovalCards implements ApprovalNotifier {
  constructor(private readonly o: ApprovalCardsOptions) {}

  async opened(approval: Approval, votes: ApprovalVote[]): Promise<void> {
    const view = approvalView(approval, votes, this.o.locale, this.o.summaryOf(approval.command));
    const where = new Map<string, { to: ChatAddress; replyTo?: { messageId: string } }>();
    if (approval.origin) {
      // In the chat it was asked in, the card answers the request message.
      const { messageId, ...to } = JSON.parse(approval.origin) as ChatAddress & { messageId?: string };
      where.set(`${to.platform}/${to.chatId}/${to.userId ?? ''}`, { to, ...(messageId ? { replyTo: { messageId } } : {}) });
    }
    const chat = await this.o.approvalChat(approval.tenantId);
    if (chat && !where.has(`${chat.platform}/${chat.chatId}/`)) where.set(`${chat.platform}/${chat.chatId}/`, { to: { ...chat, chatType: 'group' } });
    for (const { to, replyTo } of where.values()) {
      if (!this.o.channels.has(to.platform)) continue;
      await this.o.replies.send(to, view, { locale: this.o.locale, correlation: approvalCorrelation(approval.id), ...(replyTo ? { replyTo } : {}) });
    }
  }

  async changed(approval: Approval, votes: ApprovalVote[]): Promise<void> {
    await updateNewestCards(this.o, approvalCorrelation(approval.id), approvalView(approval, votes, this.o.locale, this.o.summaryOf(approval.command)));
  }
}
