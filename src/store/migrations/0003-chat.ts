// Migration 3: chat channels (inbound deduplication, the outbox), approvals with votes, link codes, approval policies.
import { Table, TableColumn, TableIndex, type MigrationInterface, type QueryRunner, type TableColumnOptions } from 'typeorm';

const id = (): TableColumnOptions => ({ name: 'id', type: 'varchar', length: '36', isPrimary: true });
const serial = (): TableColumnOptions => ({ name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' });
const str = (name: string, length: number, nullable = false): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isNullable: nullable });
const time = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'datetime', precision: 3, isNullable: nullable });
const int = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'integer', isNullable: nullable });
const text = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'text', isNullable: nullable });

export class Chat1763700000003 implements MigrationInterface {
  name = 'Chat1763700000003';

  async up(runner: QueryRunner): Promise<void> {
    await runner.addColumn('tenants', new TableColumn(text('approval_policy', true)));
    await runner.createTable(new Table({
      name: 'inbound_events',
      columns: [id(), str('platform', 20), str('event_id', 200), str('kind', 10), text('payload'), str('status', 20), time('received_at'), time('processed_at', true)],
    }), true);
    await runner.createIndex('inbound_events', new TableIndex({ name: 'uq_inbound_events_event', columnNames: ['platform', 'event_id'], isUnique: true }));
    await runner.createIndex('inbound_events', new TableIndex({ name: 'ix_inbound_events_status', columnNames: ['status', 'received_at'] }));
    await runner.createTable(new Table({
      name: 'outbox_messages',
      columns: [
        serial(), str('platform', 20), str('chat_key', 300), text('address'), str('kind', 10), text('payload'), text('reply_to', true), int('update_of', true),
        str('status', 20), int('attempts'), time('next_attempt_at'), text('last_error', true), str('platform_message_id', 200, true), str('correlation', 100, true),
        time('created_at'), time('sent_at', true),
      ],
    }), true);
    await runner.createIndex('outbox_messages', new TableIndex({ name: 'ix_outbox_status_chat', columnNames: ['status', 'chat_key'] }));
    await runner.createIndex('outbox_messages', new TableIndex({ name: 'ix_outbox_correlation', columnNames: ['correlation'] }));
    await runner.createTable(new Table({
      name: 'approvals',
      columns: [
        serial(), str('tenant_id', 36, true), str('scope', 300), str('command', 100), text('text_sealed'), text('display_text'), str('canonical_hash', 64),
        text('targets'), str('requester_member_id', 36), str('requester_name', 100), str('requester_identity', 200), str('channel', 20), text('reason', true),
        int('required'), str('status', 20), time('expires_at'), time('decided_at', true), text('result', true), text('origin', true), time('created_at'),
      ],
    }), true);
    await runner.createIndex('approvals', new TableIndex({ name: 'ix_approvals_status', columnNames: ['status', 'expires_at'] }));
    await runner.createIndex('approvals', new TableIndex({ name: 'ix_approvals_tenant', columnNames: ['tenant_id'] }));
    await runner.createTable(new Table({
      name: 'approval_votes',
      columns: [id(), int('approval_id'), str('member_id', 36), str('member_name', 100), str('identity', 200), str('decision', 10), text('reason', true), time('created_at')],
    }), true);
    await runner.createIndex('approval_votes', new TableIndex({ name: 'uq_approval_votes_member', columnNames: ['approval_id', 'member_id'], isUnique: true }));
    await runner.createTable(new Table({
      name: 'link_codes',
      columns: [{ name: 'code_hash', type: 'varchar', length: '64', isPrimary: true }, str('member_id', 36), time('created_at'), time('expires_at'), time('used_at', true)],
    }), true);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const table of ['link_codes', 'approval_votes', 'approvals', 'outbox_messages', 'inbound_events']) await runner.dropTable(table, true);
    await runner.dropColumn('tenants', 'approval_policy');
  }
}
