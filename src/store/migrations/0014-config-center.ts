// Migration 14: the config center. Versions (immutable, numbered), variables at global/tenant/project/instance scope and
// templates, both kept as rows valid over a range of versions, so the state at any version can be read back; and the
// versions each instance runs. Instances' own `--set` values move into variables when the control plane first starts.
import { Table, TableColumn, TableIndex, type MigrationInterface, type QueryRunner, type TableColumnOptions } from 'typeorm';

const serial = (): TableColumnOptions => ({ name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' });
const str = (name: string, length: number, nullable = false): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isNullable: nullable });
const int = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'integer', isNullable: nullable });
const text = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'text', isNullable: nullable });
const time = (name: string): TableColumnOptions => ({ name, type: 'datetime', precision: 3 });

export class ConfigCenter1763700000014 implements MigrationInterface {
  name = 'ConfigCenter1763700000014';

  async up(runner: QueryRunner): Promise<void> {
    await runner.createTable(new Table({
      name: 'config_versions',
      // id is the version number (v1, v2, ...); tenant_id is set when the change touched only that tenant's scopes.
      columns: [serial(), str('author', 100), text('message', true), str('kind', 20), str('tenant_id', 36, true), str('instance_id', 36, true), text('changes'), time('created_at')],
    }), true);
    await runner.createIndex('config_versions', new TableIndex({ name: 'ix_config_versions_tenant', columnNames: ['tenant_id'] }));
    await runner.createTable(new Table({
      name: 'config_variables',
      columns: [
        serial(), str('scope', 10), str('scope_id', 36), str('name', 100), text('value', true), text('sealed', true),
        int('since_version'), int('until_version', true), str('set_by', 100),
      ],
    }), true);
    // Current values are read by scope (until_version null); a version's values by scope and range.
    await runner.createIndex('config_variables', new TableIndex({ name: 'ix_config_variables_scope', columnNames: ['scope', 'scope_id', 'until_version'] }));
    await runner.createTable(new Table({
      name: 'config_templates',
      columns: [
        serial(), str('name', 63), str('type', 40), text('body'), { name: 'builtin', type: 'boolean', default: 0 },
        int('since_version'), int('until_version', true), str('author', 100),
      ],
    }), true);
    await runner.createIndex('config_templates', new TableIndex({ name: 'ix_config_templates_name', columnNames: ['name', 'until_version'] }));
    await runner.addColumns('instances', [
      // The version of the template and the shared variables (global, tenant, project) the claw runs.
      new TableColumn({ name: 'config_version', type: 'integer', default: 0 }),
      // The version of the instance's own variables; `claw update --set` moves it alone, publishing moves both.
      new TableColumn({ name: 'values_version', type: 'integer', default: 0 }),
    ]);
    // 0 for the instances there are (the first start points them at the version holding their values); then no default,
    // as the entity has none: TypeORM's multi-row insert on SQLite mixes up rows of an entity with column defaults.
    for (const name of ['config_version', 'values_version']) await runner.changeColumn('instances', name, new TableColumn({ name, type: 'integer' }));
    // Read once more by the first start, which moves them into config_variables (secrets need the key to split).
    await runner.changeColumn('instances', 'overrides', new TableColumn({ name: 'overrides', type: 'text', isNullable: true }));
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.changeColumn('instances', 'overrides', new TableColumn({ name: 'overrides', type: 'text' }));
    await runner.dropColumns('instances', ['config_version', 'values_version']);
    await runner.dropTable('config_templates', true);
    await runner.dropTable('config_variables', true);
    await runner.dropTable('config_versions', true);
  }
}
