// Resource samples: CPU and memory a running claw used, raw (one row a sample) and rolled up per 5 minutes, hour and day.
import { EntitySchema } from 'typeorm';
import { bigintColumn, refColumn, textColumn, timeColumn } from './columns.js';
import type { Resolution } from './usage-token-rollup.js';

export interface UsageResourceSample {
  instanceId: string;
  sampledAt: Date;
  cpuMillicores: number;
  memoryBytes: number;
}

/** Averages and peaks over the samples of one bucket; a bucket without samples has no row (a gap, not a zero). */
export interface UsageResourceRollup {
  resolution: Resolution;
  instanceId: string;
  bucketStart: Date;
  samples: number;
  cpuAvg: number;
  cpuMax: number;
  memoryAvg: number;
  memoryMax: number;
}

export const UsageResourceSampleEntity = new EntitySchema<UsageResourceSample>({
  name: 'UsageResourceSample',
  tableName: 'usage_resource_samples',
  columns: {
    instanceId: { ...refColumn('instance_id'), primary: true },
    sampledAt: { ...timeColumn('sampled_at'), primary: true },
    cpuMillicores: { name: 'cpu_millicores', type: 'int' },
    memoryBytes: bigintColumn('memory_bytes'),
  },
  indices: [{ name: 'ix_usage_resource_samples_time', columns: ['sampledAt'] }],
});

export const UsageResourceRollupEntity = new EntitySchema<UsageResourceRollup>({
  name: 'UsageResourceRollup',
  tableName: 'usage_resource_rollups',
  columns: {
    resolution: { ...textColumn('resolution', 3), primary: true },
    instanceId: { ...refColumn('instance_id'), primary: true },
    bucketStart: { ...timeColumn('bucket_start'), primary: true },
    samples: { type: 'int' },
    cpuAvg: { name: 'cpu_avg', type: 'double' },
    cpuMax: { name: 'cpu_max', type: 'int' },
    memoryAvg: { name: 'memory_avg', type: 'double' },
    memoryMax: bigintColumn('memory_max'),
  },
  indices: [{ name: 'ix_usage_resource_rollups_time', columns: ['resolution', 'bucketStart'] }],
});
