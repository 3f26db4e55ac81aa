// UsageTokenRollup: tokens a claw used in one 5-minute, hourly or daily bucket, by model (what `claw usage` sums).
import { EntitySchema } from 'typeorm';
import { refColumn, textColumn, timeColumn } from './columns.js';
import { tokenCounterColumns, type TokenCounters } from './usage-token-day.js';

/** Bucket sizes of the rollups, finest first; each has a retention setting (usage.retention.*). */
export type Resolution = '5m' | '1h' | '1d';

export interface UsageTokenRollup extends TokenCounters {
  resolution: Resolution;
  instanceId: string;
  model: string;
  bucketStart: Date;
  tenantId: string;
  projectId: string;
}

export const UsageTokenRollupEntity = new EntitySchema<UsageTokenRollup>({
  name: 'UsageTokenRollup',
  tableName: 'usage_token_rollups',
  columns: {
    resolution: { ...textColumn('resolution', 3), primary: true },
    instanceId: { ...refColumn('instance_id'), primary: true },
    model: { ...textColumn('model', 150), primary: true },
    bucketStart: { ...timeColumn('bucket_start'), primary: true },
    tenantId: refColumn('tenant_id'),
    projectId: refColumn('project_id'),
    ...tokenCounterColumns(),
  },
  indices: [
    { name: 'ix_usage_token_rollups_time', columns: ['resolution', 'bucketStart'] },
    { name: 'ix_usage_token_rollups_tenant', columns: ['tenantId', 'resolution', 'bucketStart'] },
  ],
});
