// InboundEvent: each chat event once (deduplicated by platform event id), kept until processed so none is lost.
import { EntitySchema } from 'typeorm';
import { idColumn, textColumn, timeColumn } from './columns.js';

/** `interrupted`: the replica running it went silent (a crash); the sender was told, the command is not run again. */
export type InboundStatus = 'received' | 'processing' | 'done' | 'failed' | 'interrupted';

export interface InboundEvent {
  id: string;
  platform: string;
  /** The platform's id of the delivery: Feishu event_id, DingTalk msgId. Unique with the platform. */
  eventId: string;
  kind: 'message' | 'click';
  /** The normalised event, encrypted (SecretBox): chat text may hold secrets (`--set model.apiKey=...`). */
  payload: string;
  status: InboundStatus;
  receivedAt: Date;
  processedAt: Date | null;
  /** Touched by the replica running the message while it runs (`processing`). */
  heartbeatAt: Date | null;
}

export const InboundEventEntity = new EntitySchema<InboundEvent>({
  name: 'InboundEvent',
  tableName: 'inbound_events',
  columns: {
    id: idColumn(),
    platform: textColumn('platform', 20),
    eventId: textColumn('event_id', 200),
    kind: textColumn('kind', 10),
    payload: { type: 'text' },
    status: textColumn('status', 20),
    receivedAt: timeColumn('received_at'),
    processedAt: timeColumn('processed_at', true),
    heartbeatAt: timeColumn('heartbeat_at', true),
  },
  indices: [
    { name: 'uq_inbound_events_event', columns: ['platform', 'eventId'], unique: true },
    { name: 'ix_inbound_events_status', columns: ['status', 'receivedAt'] },
  ],
});
