// Migration 12: monthly token budgets of tenants and projects, and whether reaching a tenant's budget stops its claws.
import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

const budget = () => new TableColumn({ name: 'token_budget', type: 'bigint', isNullable: true });

export class TokenBudgets1763700000012 implements MigrationInterface {
  name = 'TokenBudgets1763700000012';

  async up(runner: QueryRunner): Promise<void> {
    await runner.addColumns('tenants', [
      budget(),
      new TableColumn({ name: 'token_budget_hard_stop', type: 'boolean', default: 0 }),
      // The month (YYYY-MM) whose hard stop was requested, claimed before asking so it is asked once per month.
      new TableColumn({ name: 'token_budget_stopped', type: 'varchar', length: '7', isNullable: true }),
    ]);
    await runner.addColumn('projects', budget());
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropColumns('tenants', ['token_budget', 'token_budget_hard_stop', 'token_budget_stopped']);
    await runner.dropColumn('projects', 'token_budget');
  }
}
