// Migration 5: an audit row may stand for many identical refused attempts (a failed-login flood), so it carries a count.
import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

export class AuditAttempts1763700000005 implements MigrationInterface {
  name = 'AuditAttempts1763700000005';

  async up(runner: QueryRunner): Promise<void> {
    // Every existing row is one attempt; the default keeps their hashes valid (a count of 1 is not hashed).
    await runner.addColumn('audit_events', new TableColumn({ name: 'attempts', type: 'integer', default: 1 }));
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropColumn('audit_events', 'attempts');
  }
}
