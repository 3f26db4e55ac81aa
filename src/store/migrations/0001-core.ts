// Migration 1: the core tables (tenancy, identity, RBAC, tokens, audit). Frozen: later changes get new migrations.
import { Table, TableIndex, type MigrationInterface, type QueryRunner, type TableColumnOptions } from 'typeorm';

const id = (name = 'id'): TableColumnOptions => ({ name, type: 'varchar', length: '36', isPrimary: true });
const ref = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'varchar', length: '36', isNullable: nullable });
const str = (name: string, length: number, nullable = false): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isNullable: nullable });
// `integer`, not `int`: SQLite reports the declared name and TypeORM compares it with its own normalised `integer`.
const time = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'datetime', precision: 3, isNullable: nullable });

const TABLES: Array<{ table: Table; indices: TableIndex[] }> = [
  {
    table: new Table({
      name: 'tenants',
      columns: [id(), str('name', 63), str('display_name', 200), time('created_at'), str('created_by', 100, true)],
    }),
    indices: [new TableIndex({ name: 'uq_tenants_name', columnNames: ['name'], isUnique: true })],
  },
  {
    table: new Table({
      name: 'projects',
      columns: [id(), ref('tenant_id'), str('name', 63), str('display_name', 200), time('created_at'), str('created_by', 100, true)],
    }),
    indices: [new TableIndex({ name: 'uq_projects_tenant_name', columnNames: ['tenant_id', 'name'], isUnique: true })],
  },
  {
    table: new Table({
      name: 'members',
      columns: [
        id(), ref('tenant_id', true), str('name', 64), str('name_key', 110), str('display_name', 200),
        str('kind', 20), time('created_at'), str('created_by', 100, true),
      ],
    }),
    indices: [
      new TableIndex({ name: 'uq_members_name_key', columnNames: ['name_key'], isUnique: true }),
      new TableIndex({ name: 'ix_members_tenant', columnNames: ['tenant_id'] }),
    ],
  },
  {
    table: new Table({
      name: 'chat_identities',
      columns: [
        id(), str('platform', 20), str('org_id', 100), str('user_id', 100), ref('member_id'), str('display_name', 200, true), time('created_at'),
      ],
    }),
    indices: [
      new TableIndex({ name: 'uq_chat_identities_user', columnNames: ['platform', 'org_id', 'user_id'], isUnique: true }),
      new TableIndex({ name: 'ix_chat_identities_member', columnNames: ['member_id'] }),
    ],
  },
  {
    table: new Table({
      name: 'roles',
      columns: [
        { name: 'name', type: 'varchar', length: '64', isPrimary: true }, { name: 'builtin', type: 'boolean' },
        str('description_zh', 300), str('description_en', 300), { name: 'permissions', type: 'text' }, time('updated_at'),
      ],
    }),
    indices: [],
  },
  {
    table: new Table({
      name: 'role_bindings',
      columns: [
        id(), ref('member_id'), str('role_name', 64), str('scope_kind', 20), ref('tenant_id', true), ref('project_id', true),
        ref('instance_id', true), str('scope_key', 40), time('created_at'), str('created_by', 100, true),
      ],
    }),
    indices: [
      new TableIndex({ name: 'uq_role_bindings_member_role_scope', columnNames: ['member_id', 'role_name', 'scope_key'], isUnique: true }),
      new TableIndex({ name: 'ix_role_bindings_tenant', columnNames: ['tenant_id'] }),
    ],
  },
  {
    table: new Table({
      name: 'chat_bindings',
      columns: [
        id(), str('platform', 20), str('org_id', 100), str('chat_id', 100), ref('tenant_id'), ref('project_id', true),
        time('created_at'), str('created_by', 100, true),
      ],
    }),
    indices: [new TableIndex({ name: 'uq_chat_bindings_chat', columnNames: ['platform', 'org_id', 'chat_id'], isUnique: true })],
  },
  {
    table: new Table({
      name: 'api_tokens',
      columns: [
        id(), ref('member_id'), str('name', 100), str('kind', 20), str('token_hash', 64), str('prefix', 16),
        time('created_at'), str('created_by', 100, true), time('expires_at', true), time('last_used_at', true), time('revoked_at', true),
      ],
    }),
    indices: [
      new TableIndex({ name: 'uq_api_tokens_hash', columnNames: ['token_hash'], isUnique: true }),
      new TableIndex({ name: 'ix_api_tokens_member', columnNames: ['member_id'] }),
    ],
  },
  {
    table: new Table({
      name: 'audit_events',
      columns: [
        { name: 'seq', type: 'integer', isPrimary: true }, time('occurred_at'), str('request_id', 64), str('channel', 20),
        str('member_id', 36, true), str('member_name', 100, true), str('identity', 200, true), str('tenant_name', 63, true),
        str('scope', 300, true), str('command', 100, true), { name: 'text', type: 'text' }, str('decision', 20), str('outcome', 20),
        str('error_code', 50, true), { name: 'duration_ms', type: 'integer' }, str('prev_hash', 64), str('hash', 64),
      ],
    }),
    indices: [
      new TableIndex({ name: 'ix_audit_events_time', columnNames: ['occurred_at'] }),
      new TableIndex({ name: 'ix_audit_events_member', columnNames: ['member_name'] }),
      new TableIndex({ name: 'ix_audit_events_tenant', columnNames: ['tenant_name'] }),
    ],
  },
];

export class Core1763700000001 implements MigrationInterface {
  name = 'Core1763700000001';

  async up(runner: QueryRunner): Promise<void> {
    for (const { table, indices } of TABLES) {
      await runner.createTable(table, true);
      for (const index of indices) await runner.createIndex(table.name, index);
    }
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const { table } of [...TABLES].reverse()) await runner.dropTable(table.name, true);
  }
}
