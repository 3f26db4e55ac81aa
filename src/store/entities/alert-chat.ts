// AlertChat: the group where a tenant's alert cards go (`claw tenant policy acme --alert-chat here`), besides bound chats.
import { EntitySchema } from 'typeorm';
import type { ChatPlatform } from '../../model/chat-platforms.js';
import { refColumn, textColumn, timeColumn } from './columns.js';

export interface AlertChat {
  tenantId: string;
  platform: ChatPlatform;
  orgId: string;
  chatId: string;
  createdAt: Date;
  createdBy: string | null;
}

export const AlertChatEntity = new EntitySchema<AlertChat>({
  name: 'AlertChat',
  tableName: 'alert_chats',
  columns: {
    tenantId: { ...refColumn('tenant_id'), primary: true },
    platform: textColumn('platform', 20),
    orgId: textColumn('org_id', 100),
    chatId: textColumn('chat_id', 100),
    createdAt: timeColumn('created_at'),
    createdBy: textColumn('created_by', 100, true),
  },
});
