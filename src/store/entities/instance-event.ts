// InstanceEvent: what the control plane did to an instance and what it observed (phase changes, actions), append-only.
import { EntitySchema } from 'typeorm';
import { idColumn, refColumn, textColumn, timeColumn } from './columns.js';

export type EventType = 'Normal' | 'Warning';

export interface InstanceEvent {
  id: string;
  instanceId: string;
  occurredAt: Date;
  type: EventType;
  reason: string;
  message: string;
}

export const InstanceEventEntity = new EntitySchema<InstanceEvent>({
  name: 'InstanceEvent',
  tableName: 'instance_events',
  columns: {
    id: idColumn(),
    instanceId: refColumn('instance_id'),
    occurredAt: timeColumn('occurred_at'),
    type: textColumn('type', 10),
    reason: textColumn('reason', 100),
    message: { type: 'text' },
  },
  indices: [{ name: 'ix_instance_events_instance_time', columns: ['instanceId', 'occurredAt'] }],
});
