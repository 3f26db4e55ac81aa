// UsageTokenDay: one claw's token use of one model on one UTC day, as its counters reported it, never counted twice.
import { EntitySchema } from 'typeorm';
import type { TokenCounters } from '../../model/token-counters.js';
import { bigintColumn, refColumn, textColumn, timeColumn } from './columns.js';

export type { TokenCounters };

/** The columns of five token counters and a cost, shared by the day totals and the rollups. */
export const tokenCounterColumns = () => ({
  inputTokens: bigintColumn('input_tokens'),
  outputTokens: bigintColumn('output_tokens'),
  cacheReadTokens: bigintColumn('cache_read_tokens'),
  cacheWriteTokens: bigintColumn('cache_write_tokens'),
  totalTokens: bigintColumn('total_tokens'),
  cost: { name: 'cost', type: 'double' as const },
});

export interface UsageTokenDay extends TokenCounters {
  instanceId: string;
  /** `YYYY-MM-DD`, UTC. */
  day: string;
  model: string;
  tenantId: string;
  projectId: string;
  /**
   * The claw's last reading for the day. The totals above are this plus whatever earlier readings counted before the
   * claw's counters went back to zero (a restart that lost its state), so totals never go backwards.
   */
  reported: TokenCounters;
  /** How often the claw's counters for the day went back (restarts that lost state). */
  resets: number;
  updatedAt: Date;
}

export const UsageTokenDayEntity = new EntitySchema<UsageTokenDay>({
  name: 'UsageTokenDay',
  tableName: 'usage_token_days',
  columns: {
    instanceId: { ...refColumn('instance_id'), primary: true },
    day: { ...textColumn('day', 10), primary: true },
    model: { ...textColumn('model', 150), primary: true },
    tenantId: refColumn('tenant_id'),
    projectId: refColumn('project_id'),
    ...tokenCounterColumns(),
    reported: { name: 'reported', type: 'simple-json' },
    resets: { type: 'int' },
    updatedAt: timeColumn('updated_at'),
  },
  indices: [{ name: 'ix_usage_token_days_day', columns: ['day'] }],
});
