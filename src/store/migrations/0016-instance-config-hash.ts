// Migration 16: the digest of the generated files each claw is known to run, so a config change the claw applies in
// place is confirmed once (ConfigReloaded) and an unchanged one costs no question to the claw.
import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

export class InstanceConfigHash1763700000016 implements MigrationInterface {
  name = 'InstanceConfigHash1763700000016';

  async up(runner: QueryRunner): Promise<void> {
    // Null until the reconciler next sees the claw running: it then records the files it was started with.
    await runner.addColumn('instances', new TableColumn({ name: 'config_hash', type: 'varchar', length: '64', isNullable: true }));
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropColumn('instances', 'config_hash');
  }
}
