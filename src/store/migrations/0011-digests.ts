// Migration 11: digest subscriptions (a chat, a scope, a cron schedule) and the slots claimed for them.
import { Table, TableIndex, type MigrationInterface, type QueryRunner, type TableColumnOptions } from 'typeorm';

const serial = (): TableColumnOptions => ({ name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' });
const str = (name: string, length: number, nullable = false): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isNullable: nullable });
const time = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'datetime', precision: 3, isNullable: nullable });
const int = (name: string): TableColumnOptions => ({ name, type: 'integer' });
const text = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'text', isNullable: nullable });

export class Digests1763700000011 implements MigrationInterface {
  name = 'Digests1763700000011';

  async up(runner: QueryRunner): Promise<void> {
    await runner.createTable(new Table({
      name: 'digest_subscriptions',
      columns: [
        serial(), str('tenant_id', 36), str('project_id', 36, true), str('scope_key', 80), str('platform', 20), str('org_id', 100), str('chat_id', 100),
        str('chat_key', 230), str('cron', 100), str('time_zone', 64), str('locale', 5), str('created_by', 100), time('created_at'), time('updated_at'),
      ],
    }), true);
    await runner.createIndex('digest_subscriptions', new TableIndex({ name: 'uq_digest_subscriptions_chat_scope', columnNames: ['chat_key', 'scope_key'], isUnique: true }));
    await runner.createIndex('digest_subscriptions', new TableIndex({ name: 'ix_digest_subscriptions_tenant', columnNames: ['tenant_id'] }));
    await runner.createTable(new Table({
      name: 'digest_slots',
      columns: [
        serial(), int('subscription_id'), time('slot_at'), { name: 'late', type: 'boolean' }, str('status', 20), str('claimed_by', 100), time('claimed_at'),
        int('attempts'), text('last_error', true), time('queued_at', true), text('restarts', true),
      ],
    }), true);
    await runner.createIndex('digest_slots', new TableIndex({ name: 'uq_digest_slots_slot', columnNames: ['subscription_id', 'slot_at'], isUnique: true }));
    await runner.createIndex('digest_slots', new TableIndex({ name: 'ix_digest_slots_status', columnNames: ['status', 'claimed_at'] }));
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('digest_slots', true);
    await runner.dropTable('digest_subscriptions', true);
  }
}
