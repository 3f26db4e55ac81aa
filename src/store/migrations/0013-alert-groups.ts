// Migration 13: which alert's card shows an alert (its group's leader), so alerts that fire together share one card.
import { TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

export class AlertGroups1763700000013 implements MigrationInterface {
  name = 'AlertGroups1763700000013';

  async up(runner: QueryRunner): Promise<void> {
    // Null until the alert is on a card; alerts posted before this migration are read as leading their own card.
    await runner.addColumn('alerts', new TableColumn({ name: 'group_leader_id', type: 'integer', isNullable: true }));
    // A card is drawn from its members, read by leader on every change.
    await runner.createIndex('alerts', new TableIndex({ name: 'ix_alerts_group_leader', columnNames: ['group_leader_id'] }));
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropIndex('alerts', 'ix_alerts_group_leader');
    await runner.dropColumn('alerts', 'group_leader_id');
  }
}
