// Link notices: when a chat account is linked to a member, each of the member's other chat accounts hears of it in a
// direct message (through the outbox), so a link made with a leaked code or token, or by an admin, does not go unnoticed.
import type { LinkNotifier } from '../engines/access/chat-identities.js';
import type { Locale } from '../i18n/locale.js';
import type { ChatIdentity } from '../store/entities/chat-identity.js';
import type { ChatChannel, Platform } from './chat-channel.js';
import type { ChatReplies } from './chat-replies.js';

export interface LinkNoticesOptions {
  replies: ChatReplies;
  channels: ReadonlyMap<Platform, ChatChannel>;
  locale: Locale;
  /** A member's name by id (the account's owner, and the admin who attached it). */
  memberName(id: string): Promise<string | null>;
}

export class LinkNotices implements LinkNotifier {
  constructor(private readonly o: LinkNoticesOptions) {}

  async linked(account: ChatIdentity, others: ChatIdentity[]): Promise<void> {
    const member = (await this.o.memberName(account.memberId)) ?? '?';
    const shown = `${account.platform}:${account.userId}${account.displayName ? ` (${account.displayName})` : ''}`;
    const byCode = account.addedByMemberId === account.memberId;
    const admin = !byCode && account.addedByMemberId ? await this.o.memberName(account.addedByMemberId) : null;
    const zh = this.o.locale === 'zh';
    const how = byCode
      ? (zh ? '通过 claw link 关联码' : 'with claw link')
      : (zh ? `由 ${admin ?? '管理员'} 关联` : `by ${admin ?? 'an admin'}`);
    const text = zh
      ? `新的聊天账号 ${shown} 刚刚${how}关联到你（成员 ${member}），它将以你的身份操作。如果不是你本人所为，请立即吊销相关令牌（claw token revoke）并联系管理员。`
      : `A new chat account, ${shown}, was just linked to you (member ${member}) ${how}; it acts as you. If this was not you, revoke the token involved (claw token revoke) and tell an admin at once.`;
    for (const other of others) {
      if (!this.o.channels.has(other.platform)) continue;
      const to = { platform: other.platform, orgId: other.orgId, chatId: '', chatType: 'direct' as const, userId: other.userId };
      await this.o.replies.send(to, { kind: 'message', tone: 'warning', text }, { locale: this.o.locale });
    }
  }
}
