// ChatIdentity: a Feishu or DingTalk user mapped to the member they act as.
import { EntitySchema } from 'typeorm';
import type { ChatPlatform } from '../../model/chat-platforms.js';
import { idColumn, refColumn, textColumn, timeColumn } from './columns.js';

export interface ChatIdentity {
  id: string;
  platform: ChatPlatform;
  /** Feishu tenant_key or DingTalk corpId. */
  orgId: string;
  /** Feishu open_id or DingTalk staffId. */
  userId: string;
  memberId: string;
  /** The name the platform shows for the account, recorded when its owner used it to link or confirm. */
  displayName: string | null;
  createdAt: Date;
  /** Who attached it: an admin (`claw member add/link`), or the member themself with a link code; null before this record. */
  addedByMemberId: string | null;
  /** The credential that attached it or made the link code (`token:<id>`, `chat:<id>`); revoking a token removes its links. */
  addedVia: string | null;
  /** When its owner confirmed it from the account itself (`claw link`); an admin's attachment counts for votes only then. */
  confirmedAt: Date | null;
}

export const ChatIdentityEntity = new EntitySchema<ChatIdentity>({
  name: 'ChatIdentity',
  tableName: 'chat_identities',
  columns: {
    id: idColumn(),
    platform: textColumn('platform', 20),
    orgId: textColumn('org_id', 100),
    userId: textColumn('user_id', 100),
    memberId: refColumn('member_id'),
    displayName: textColumn('display_name', 200, true),
    createdAt: timeColumn('created_at'),
    addedByMemberId: refColumn('added_by_member_id', true),
    addedVia: textColumn('added_via', 80, true),
    confirmedAt: timeColumn('confirmed_at', true),
  },
  indices: [
    { name: 'uq_chat_identities_user', columns: ['platform', 'orgId', 'userId'], unique: true },
    { name: 'ix_chat_identities_member', columns: ['memberId'] },
  ],
});
