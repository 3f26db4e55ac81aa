// OutboxMessage: every message the control plane sends to chat, stored first and delivered in order per chat by one
// worker that honours the platforms' rate limits and retries until delivered (or a permanent error).
import { EntitySchema } from 'typeorm';
import { textColumn, timeColumn } from './columns.js';

export type OutboxStatus = 'pending' | 'sent' | 'failed' | 'superseded';

export interface OutboxMessage {
  /** Insertion order: delivery order within a chat. */
  id: number;
  platform: string;
  /** `<platform>/<org>/<chat>`: messages to one chat go out one at a time, in id order. */
  chatKey: string;
  /** The ChatAddress, as JSON. */
  address: string;
  kind: 'send' | 'update';
  /** The RenderedMessage, encrypted (SecretBox): replies may carry secrets (a new token in a direct chat). */
  payload: string;
  /** For replies: `{messageId, context}` of the inbound message, as JSON (encrypted with the payload's box). */
  replyTo: string | null;
  /** For updates: the outbox id whose platform message is replaced (sent earlier, same chat, so ordering holds). */
  updateOf: number | null;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  platformMessageId: string | null;
  /** Request id or approval id that produced the message, for tracing and for updating approval cards. */
  correlation: string | null;
  createdAt: Date;
  sentAt: Date | null;
}

export const OutboxMessageEntity = new EntitySchema<OutboxMessage>({
  name: 'OutboxMessage',
  tableName: 'outbox_messages',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    platform: textColumn('platform', 20),
    chatKey: textColumn('chat_key', 300),
    address: { type: 'text' },
    kind: textColumn('kind', 10),
    payload: { type: 'text' },
    replyTo: { name: 'reply_to', type: 'text', nullable: true },
    updateOf: { name: 'update_of', type: 'int', nullable: true },
    status: textColumn('status', 20),
    attempts: { type: 'int' },
    nextAttemptAt: timeColumn('next_attempt_at'),
    lastError: { name: 'last_error', type: 'text', nullable: true },
    platformMessageId: textColumn('platform_message_id', 200, true),
    correlation: textColumn('correlation', 100, true),
    createdAt: timeColumn('created_at'),
    sentAt: timeColumn('sent_at', true),
  },
  indices: [
    { name: 'ix_outbox_status_chat', columns: ['status', 'chatKey'] },
    { name: 'ix_outbox_correlation', columns: ['correlation'] },
  ],
});
