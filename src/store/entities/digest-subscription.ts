// DigestSubscription: a chat that receives a usage digest of a tenant (or one of its projects) on a cron schedule.
import { EntitySchema } from 'typeorm';
import type { ChatPlatform } from '../../model/chat-platforms.js';
import { refColumn, textColumn, timeColumn } from './columns.js';

export interface DigestSubscription {
  id: number;
  tenantId: string;
  /** Null: the whole tenant. */
  projectId: string | null;
  /** `<tenantId>/<projectId or *>`: with chatKey, one subscription per chat and scope (NULLs would not be unique). */
  scopeKey: string;
  platform: ChatPlatform;
  orgId: string;
  chatId: string;
  /** `<platform>/<orgId>/<chatId>`. */
  chatKey: string;
  /** Five fields (minute first) or six (seconds first), as node-cron reads them. */
  cron: string;
  /** IANA zone the cron is read in. */
  timeZone: string;
  locale: 'zh' | 'en';
  createdBy: string;
  createdAt: Date;
  /** A later subscribe of the same chat and scope changes the schedule: the scheduler reloads what changed. */
  updatedAt: Date;
}

export const DigestSubscriptionEntity = new EntitySchema<DigestSubscription>({
  name: 'DigestSubscription',
  tableName: 'digest_subscriptions',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    tenantId: refColumn('tenant_id'),
    projectId: refColumn('project_id', true),
    scopeKey: textColumn('scope_key', 80),
    platform: textColumn('platform', 20),
    orgId: textColumn('org_id', 100),
    chatId: textColumn('chat_id', 100),
    chatKey: textColumn('chat_key', 230),
    cron: textColumn('cron', 100),
    timeZone: textColumn('time_zone', 64),
    locale: textColumn('locale', 5),
    createdBy: textColumn('created_by', 100),
    createdAt: timeColumn('created_at'),
    updatedAt: timeColumn('updated_at'),
  },
  indices: [
    { name: 'uq_digest_subscriptions_chat_scope', columns: ['chatKey', 'scopeKey'], unique: true },
    { name: 'ix_digest_subscriptions_tenant', columns: ['tenantId'] },
  ],
});
