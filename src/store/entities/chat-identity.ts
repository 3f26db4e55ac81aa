// ChatIdentity: a Feishu or DingTalk user mapped to the member they act as.
import { EntitySchema } from 'typeorm';
import { idColumn, refColumn, textColumn, timeColumn } from './columns.js';

export type ChatPlatform = 'feishu' | 'dingtalk';

export interface ChatIdentity {
  id: string;
  platform: ChatPlatform;
  /** Feishu tenant_key or DingTalk corpId. */
  orgId: string;
  /** Feishu open_id or DingTalk staffId. */
  userId: string;
  memberId: string;
  displayName: string | null;
  createdAt: Date;
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
  },
  indices: [
    { name: 'uq_chat_identities_user', columns: ['platform', 'orgId', 'userId'], unique: true },
    { name: 'ix_chat_identities_member', columns: ['memberId'] },
  ],
});
