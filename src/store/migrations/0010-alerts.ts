// Migration 10: alerts (one row per occurrence, at most one open per fingerprint), silences, and tenants' alert chats.
import { Table, TableIndex, type MigrationInterface, type QueryRunner, type TableColumnOptions } from 'typeorm';

const serial = (): TableColumnOptions => ({ name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' });
const str = (name: string, length: number, nullable = false): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isNullable: nullable });
const time = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'datetime', precision: 3, isNullable: nullable });
const int = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'integer', isNullable: nullable });
const text = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'text', isNullable: nullable });

export class Alerts1763700000010 implements MigrationInterface {
  name = 'Alerts1763700000010';

  async up(runner: QueryRunner): Promise<void> {
    await runner.createTable(new Table({
      name: 'alerts',
      columns: [
        serial(), str('fingerprint', 64), str('active_key', 64, true), str('source', 20), str('rule', 100), str('severity', 20),
        str('tenant_id', 36, true), str('project_id', 36, true), str('instance_id', 36, true), text('labels'), text('cause'), text('details', true),
        str('state', 20), time('starts_at'), time('raised_at'), time('cleared_at', true), time('resolved_at', true), str('acked_by', 100, true), time('acked_at', true),
        int('silence_id', true), time('notified_at', true), time('reminded_at', true), int('repeats'),
      ],
    }), true);
    await runner.createIndex('alerts', new TableIndex({ name: 'uq_alerts_active', columnNames: ['active_key'], isUnique: true }));
    await runner.createIndex('alerts', new TableIndex({ name: 'ix_alerts_tenant_state', columnNames: ['tenant_id', 'state'] }));
    await runner.createIndex('alerts', new TableIndex({ name: 'ix_alerts_raised', columnNames: ['raised_at'] }));
    await runner.createTable(new Table({
      name: 'alert_silences',
      columns: [
        serial(), str('tenant_id', 36, true), text('matchers'), text('reason', true), str('created_by', 100), time('created_at'), time('ends_at'),
        time('expired_at', true), str('expired_by', 100, true),
      ],
    }), true);
    await runner.createIndex('alert_silences', new TableIndex({ name: 'ix_alert_silences_ends', columnNames: ['ends_at'] }));
    await runner.createTable(new Table({
      name: 'alert_chats',
      columns: [{ ...str('tenant_id', 36), isPrimary: true }, str('platform', 20), str('org_id', 100), str('chat_id', 100), time('created_at'), str('created_by', 100, true)],
    }), true);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('alert_chats', true);
    await runner.dropTable('alert_silences', true);
    await runner.dropTable('alerts', true);
  }
}
