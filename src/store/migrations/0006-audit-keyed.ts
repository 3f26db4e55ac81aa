// Migration 6: audit events refer to tenants by id and say how their hash was made; the unkeyed rows so far are recorded.
import { TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/** Meta key holding the last seq hashed without a key (`N`, then `N:<hmac>` once a keyed writer has sealed it). */
export const AUDIT_LEGACY_END = 'audit_legacy_end';

export class AuditKeyed1763700000006 implements MigrationInterface {
  name = 'AuditKeyed1763700000006';

  async up(runner: QueryRunner): Promise<void> {
    await runner.addColumn('audit_events', new TableColumn({ name: 'tenant_id', type: 'varchar', length: '36', isNullable: true }));
    // Every existing row was hashed without a key (version 1); the default says so without rewriting them.
    await runner.addColumn('audit_events', new TableColumn({ name: 'hash_version', type: 'integer', default: 1 }));
    await runner.createIndex('audit_events', new TableIndex({ name: 'ix_audit_events_tenant_id', columnNames: ['tenant_id'] }));
    // Old rows named their tenant only; the tenant of that name now is the best guess (the id is not hashed in version 1).
    await runner.query('UPDATE audit_events SET tenant_id = (SELECT t.id FROM tenants t WHERE t.name = audit_events.tenant_name) WHERE tenant_name IS NOT NULL');
    // Unkeyed rows are accepted up to here and no further: a keyed writer seals this number at its first use.
    const rows = (await runner.query('SELECT MAX(seq) AS last FROM audit_events')) as Array<{ last: number | string | null }>;
    await runner.query('INSERT INTO meta (`key`, value) VALUES (?, ?)', [AUDIT_LEGACY_END, String(Number(rows[0]?.last ?? 0))]);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DELETE FROM meta WHERE `key` = ?', [AUDIT_LEGACY_END]);
    await runner.dropIndex('audit_events', 'ix_audit_events_tenant_id');
    await runner.dropColumn('audit_events', 'hash_version');
    await runner.dropColumn('audit_events', 'tenant_id');
  }
}
