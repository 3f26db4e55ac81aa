// Migration 9: token use per claw, day and model (with the claws' last readings), token and resource rollups, raw samples.
import { Table, TableIndex, type MigrationInterface, type QueryRunner, type TableColumnOptions } from 'typeorm';

const ref = (name: string, primary = false): TableColumnOptions => ({ name, type: 'varchar', length: '36', isPrimary: primary });
const text = (name: string, length: number, primary = false): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isPrimary: primary });
const time = (name: string, primary = false): TableColumnOptions => ({ name, type: 'datetime', precision: 3, isPrimary: primary });
const big = (name: string): TableColumnOptions => ({ name, type: 'bigint' });
const double = (name: string): TableColumnOptions => ({ name, type: 'double' });
const tokens = (): TableColumnOptions[] => [
  big('input_tokens'), big('output_tokens'), big('cache_read_tokens'), big('cache_write_tokens'), big('total_tokens'), double('cost'),
];

export class Usage1763700000009 implements MigrationInterface {
  name = 'Usage1763700000009';

  async up(runner: QueryRunner): Promise<void> {
    await runner.createTable(new Table({
      name: 'usage_token_days',
      columns: [
        ref('instance_id', true), text('day', 10, true), text('model', 150, true), ref('tenant_id'), ref('project_id'), ...tokens(),
        { name: 'reported', type: 'text' }, { name: 'resets', type: 'integer' }, time('updated_at'),
      ],
      indices: [new TableIndex({ name: 'ix_usage_token_days_day', columnNames: ['day'] })],
    }), true);
    await runner.createTable(new Table({
      name: 'usage_token_rollups',
      columns: [text('resolution', 3, true), ref('instance_id', true), text('model', 150, true), time('bucket_start', true), ref('tenant_id'), ref('project_id'), ...tokens()],
      indices: [
        new TableIndex({ name: 'ix_usage_token_rollups_time', columnNames: ['resolution', 'bucket_start'] }),
        new TableIndex({ name: 'ix_usage_token_rollups_tenant', columnNames: ['tenant_id', 'resolution', 'bucket_start'] }),
      ],
    }), true);
    await runner.createTable(new Table({
      name: 'usage_resource_samples',
      columns: [ref('instance_id', true), time('sampled_at', true), { name: 'cpu_millicores', type: 'integer' }, big('memory_bytes')],
      indices: [new TableIndex({ name: 'ix_usage_resource_samples_time', columnNames: ['sampled_at'] })],
    }), true);
    await runner.createTable(new Table({
      name: 'usage_resource_rollups',
      columns: [
        text('resolution', 3, true), ref('instance_id', true), time('bucket_start', true), { name: 'samples', type: 'integer' },
        double('cpu_avg'), { name: 'cpu_max', type: 'integer' }, double('memory_avg'), big('memory_max'),
      ],
      indices: [new TableIndex({ name: 'ix_usage_resource_rollups_time', columnNames: ['resolution', 'bucket_start'] })],
    }), true);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const table of ['usage_resource_rollups', 'usage_resource_samples', 'usage_token_rollups', 'usage_token_days']) await runner.dropTable(table, true);
  }
}
