// Records what the control plane did to instances and saw happen (phase changes), for `claw events`.
import type { DataSource } from 'typeorm';
import { InstanceEventEntity, type EventType, type InstanceEvent } from '../../store/entities/instance-event.js';
import { newId } from '../../util/ids.js';

export class InstanceEvents {
  constructor(private readonly db: DataSource) {}

  async record(instanceId: string, type: EventType, reason: string, message: string): Promise<void> {
    await this.db.getRepository(InstanceEventEntity).insert({ id: newId(), instanceId, occurredAt: new Date(), type, reason, message: message.slice(0, 4000) });
  }

  async list(instanceId: string, limit = 200): Promise<InstanceEvent[]> {
    const rows = await this.db.getRepository(InstanceEventEntity).find({ where: { instanceId }, order: { occurredAt: 'DESC' }, take: limit });
    return rows.reverse();
  }
}
