// Migration 15: rollouts (a publish or rollback of config versions, driven wave by wave by the leader) and their claws,
// with at most one active rollout per claw (a unique key the rollout holds while it is active).
import { Table, TableIndex, type MigrationInterface, type QueryRunner, type TableColumnOptions } from 'typeorm';

const serial = (): TableColumnOptions => ({ name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' });
const str = (name: string, length: number, nullable = false): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isNullable: nullable });
const time = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'datetime', precision: 3, isNullable: nullable });
const int = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'integer', isNullable: nullable });
const text = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'text', isNullable: nullable });

export class Rollouts1763700000015 implements MigrationInterface {
  name = 'Rollouts1763700000015';

  async up(runner: QueryRunner): Promise<void> {
    await runner.createTable(new Table({
      name: 'rollouts',
      columns: [
        serial(), str('tenant_id', 36), str('project_id', 36, true), str('kind', 20), int('config_version', true), int('values_version', true), int('undoes', true),
        str('selection', 500), text('strategy'), str('state', 20), int('wave'), int('waves'), text('message', true), text('detail', true),
        str('created_by', 100), text('chat', true), time('created_at'), time('updated_at'), time('finished_at', true),
      ],
    }), true);
    // The driver reads the active ones every tick; listings go by tenant.
    await runner.createIndex('rollouts', new TableIndex({ name: 'ix_rollouts_state', columnNames: ['state'] }));
    await runner.createIndex('rollouts', new TableIndex({ name: 'ix_rollouts_tenant', columnNames: ['tenant_id'] }));
    await runner.createTable(new Table({
      name: 'rollout_targets',
      columns: [
        serial(), int('rollout_id'), str('instance_id', 36), str('active_key', 36, true), str('instance_name', 63), str('project_name', 63), int('wave'),
        int('from_config'), int('from_values'), int('to_config'), int('to_values'), str('expected', 10), str('effect', 20, true), str('state', 20),
        int('generation', true), int('restarts_before', true), time('started_before', true), time('applied_at', true), time('finished_at', true), text('message', true),
      ],
    }), true);
    await runner.createIndex('rollout_targets', new TableIndex({ name: 'ix_rollout_targets_rollout', columnNames: ['rollout_id'] }));
    await runner.createIndex('rollout_targets', new TableIndex({ name: 'ix_rollout_targets_instance', columnNames: ['instance_id'] }));
    // Null once the rollout ends; two active rollouts can never hold one claw, even when two replicas race.
    await runner.createIndex('rollout_targets', new TableIndex({ name: 'uq_rollout_targets_active', columnNames: ['active_key'], isUnique: true }));
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('rollout_targets', true);
    await runner.dropTable('rollouts', true);
  }
}
