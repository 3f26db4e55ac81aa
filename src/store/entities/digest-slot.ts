// DigestSlot: one scheduled time of one subscription, claimed once in the database so its digest goes out exactly once,
// whichever replica leads and however often the control plane restarts.
import { EntitySchema } from 'typeorm';
import { textColumn, timeColumn } from './columns.js';

/** claimed: a leader took the slot; queued: its messages are in the outbox (which delivers them); failed: given up on. */
export type DigestSlotStatus = 'claimed' | 'queued' | 'failed';

export interface DigestSlot {
  id: number;
  subscriptionId: number;
  /** The cron time this digest is for (whole seconds). */
  slotAt: Date;
  /** Sent after its time: the control plane was down (or leadership moved) when it fell due. */
  late: boolean;
  status: DigestSlotStatus;
  /** The replica that claimed it, for the log. */
  claimedBy: string;
  claimedAt: Date;
  attempts: number;
  lastError: string | null;
  queuedAt: Date | null;
  /** Each instance's restart counter when the digest was made (JSON), so the next one counts restarts in its period. */
  restarts: string | null;
}

export const DigestSlotEntity = new EntitySchema<DigestSlot>({
  name: 'DigestSlot',
  tableName: 'digest_slots',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    subscriptionId: { name: 'subscription_id', type: 'int' },
    slotAt: timeColumn('slot_at'),
    late: { type: 'boolean' },
    status: textColumn('status', 20),
    claimedBy: textColumn('claimed_by', 100),
    claimedAt: timeColumn('claimed_at'),
    attempts: { type: 'int' },
    lastError: { name: 'last_error', type: 'text', nullable: true },
    queuedAt: timeColumn('queued_at', true),
    restarts: { type: 'text', nullable: true },
  },
  indices: [
    { name: 'uq_digest_slots_slot', columns: ['subscriptionId', 'slotAt'], unique: true },
    { name: 'ix_digest_slots_status', columns: ['status', 'claimedAt'] },
  ],
});
