// How long chat history is kept, and the pruning pass the leader runs: event ids for deduplication and delivered messages age out.
import { In, LessThan, type DataSource } from 'typeorm';
import { InboundEventEntity } from '../store/entities/inbound-event.js';
import { OutboxMessageEntity } from '../store/entities/outbox-message.js';

/** Platforms redeliver within hours; a week of event ids is plenty for deduplication. */
export const INBOUND_RETENTION_MS = 7 * 86_400_000;
/** Delivered messages are kept a month: approval cards are updated through them, and they help support. */
export const OUTBOX_RETENTION_MS = 30 * 86_400_000;

/**
 * Deletes finished inbound events and settled outbox messages (sent, superseded, given up) past their retention.
 * Events still to run and messages still to deliver are never pruned, however old. Returns how many rows went.
 */
export async function pruneChatHistory(db: DataSource, now = Date.now()): Promise<{ inbound: number; outbox: number }> {
  const inbound = await db.getRepository(InboundEventEntity).delete({ status: In(['done', 'failed', 'interrupted']), receivedAt: LessThan(new Date(now - INBOUND_RETENTION_MS)) });
  const outbox = await db.getRepository(OutboxMessageEntity).delete({ status: In(['sent', 'superseded', 'failed']), createdAt: LessThan(new Date(now - OUTBOX_RETENTION_MS)) });
  return { inbound: inbound.affected ?? 0, outbox: outbox.affected ?? 0 };
}
