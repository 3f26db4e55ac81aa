// Migration 8: the uid each local claw runs as when the control plane runs as root (one per instance directory).
import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

export class LocalClawUsers1763700000008 implements MigrationInterface {
  name = 'LocalClawUsers1763700000008';

  async up(runner: QueryRunner): Promise<void> {
    await runner.createTable(new Table({
      name: 'local_claw_users',
      columns: [
        { name: 'location', type: 'varchar', length: '200', isPrimary: true },
        { name: 'uid', type: 'integer' },
        { name: 'created_at', type: 'datetime', precision: 3 },
      ],
    }), true);
    await runner.createIndex('local_claw_users', new TableIndex({ name: 'uq_local_claw_users_uid', columnNames: ['uid'], isUnique: true }));
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('local_claw_users', true);
  }
}
