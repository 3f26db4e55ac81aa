// Migration 4: a replica running a chat command marks it alive, so the leader can tell a command cut off by a crash.
import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

export class InboundHeartbeat1763700000004 implements MigrationInterface {
  name = 'InboundHeartbeat1763700000004';

  async up(runner: QueryRunner): Promise<void> {
    await runner.addColumn('inbound_events', new TableColumn({ name: 'heartbeat_at', type: 'datetime', precision: 3, isNullable: true }));
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropColumn('inbound_events', 'heartbeat_at');
  }
}
