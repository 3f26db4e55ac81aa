// Migration 2: instances and their events, tenant quotas, database leases, and meta facts.
import { Table, TableColumn, TableIndex, type MigrationInterface, type QueryRunner, type TableColumnOptions } from 'typeorm';

const ref = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'varchar', length: '36', isNullable: nullable });
const str = (name: string, length: number, nullable = false): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isNullable: nullable });
const time = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'datetime', precision: 3, isNullable: nullable });
const int = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'integer', isNullable: nullable });
const bool = (name: string): TableColumnOptions => ({ name, type: 'boolean' });
const text = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'text', isNullable: nullable });

export class Instances1763700000002 implements MigrationInterface {
  name = 'Instances1763700000002';

  async up(runner: QueryRunner): Promise<void> {
    await runner.addColumns('tenants', [
      new TableColumn(int('quota_instances', true)), new TableColumn(str('quota_cpu', 20, true)),
      new TableColumn(str('quota_memory', 20, true)), new TableColumn(str('quota_storage', 20, true)),
    ]);
    await runner.createTable(new Table({
      name: 'instances',
      columns: [
        { name: 'id', type: 'varchar', length: '36', isPrimary: true }, ref('tenant_id'), ref('project_id'), str('name', 63), str('name_key', 110, true),
        str('type', 40), str('version', 60), str('template', 63), text('overrides'), text('secret_overrides', true), text('labels'),
        str('cpu', 20), str('memory', 20), str('storage', 20), str('desired_phase', 20), int('generation'), int('restart_generation'),
        bool('stop_force'), bool('keep_data'), text('gateway_token'), str('phase', 20), bool('ready'), int('restarts'), str('reason', 100, true),
        text('message', true), str('node', 253, true), str('endpoint', 300, true), time('started_at', true), time('last_transition_at'),
        int('observed_generation'), int('reconciled_generation'), int('observed_restart_generation'), time('trouble_since', true), time('created_at'), str('created_by', 100, true),
        time('updated_at'), time('destroyed_at', true),
      ],
    }), true);
    await runner.createIndex('instances', new TableIndex({ name: 'uq_instances_name_key', columnNames: ['name_key'], isUnique: true }));
    await runner.createIndex('instances', new TableIndex({ name: 'ix_instances_tenant', columnNames: ['tenant_id'] }));
    await runner.createIndex('instances', new TableIndex({ name: 'ix_instances_project', columnNames: ['project_id'] }));
    await runner.createIndex('instances', new TableIndex({ name: 'ix_instances_updated', columnNames: ['updated_at'] }));
    await runner.createTable(new Table({
      name: 'instance_events',
      columns: [{ name: 'id', type: 'varchar', length: '36', isPrimary: true }, ref('instance_id'), time('occurred_at'), str('type', 10), str('reason', 100), text('message')],
    }), true);
    await runner.createIndex('instance_events', new TableIndex({ name: 'ix_instance_events_instance_time', columnNames: ['instance_id', 'occurred_at'] }));
    await runner.createTable(new Table({
      name: 'leases',
      columns: [
        { name: 'name', type: 'varchar', length: '100', isPrimary: true }, str('holder', 200), time('acquired_at'), time('renewed_at'), time('expires_at'), int('transitions'),
      ],
    }), true);
    await runner.createTable(new Table({ name: 'meta', columns: [{ name: 'key', type: 'varchar', length: '100', isPrimary: true }, text('value')] }), true);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const table of ['meta', 'leases', 'instance_events', 'instances']) await runner.dropTable(table, true);
    for (const column of ['quota_storage', 'quota_memory', 'quota_cpu', 'quota_instances']) await runner.dropColumn('tenants', column);
  }
}
