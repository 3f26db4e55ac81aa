// ChatBinding: a chat group bound to a tenant (and optionally a project) as its default scope.
import { EntitySchema } from 'typeorm';
import { idColumn, refColumn, textColumn, timeColumn } from './columns.js';
import type { ChatPlatform } from '../../model/chat-platforms.js';

export interface ChatBinding {
  id: string;
  platform: ChatPlatform;
  orgId: string;
  chatId: string;
  tenantId: string;
  projectId: string | null;
  createdAt: Date;
  createdBy: string | null;
}

export const ChatBindingEntity = new EntitySchema<ChatBinding>({
  name: 'ChatBinding',
  tableName: 'chat_bindings',
  columns: {
    id: idColumn(),
    platform: textColumn('platform', 20),
    orgId: textColumn('org_id', 100),
    chatId: textColumn('chat_id', 100),
    tenantId: refColumn('tenant_id'),
    projectId: refColumn('project_id', true),
    createdAt: timeColumn('created_at'),
    createdBy: textColumn('created_by', 100, true),
  },
  indices: [{ name: 'uq_chat_bindings_chat', columns: ['platform', 'orgId', 'chatId'], unique: true }],
});
