// ConfigVariable: a variable's value at one scope, valid from one version until the version that changed or unset it.
import { EntitySchema } from 'typeorm';
import { textColumn } from './columns.js';

export type VariableScope = 'global' | 'tenant' | 'project' | 'instance';

export interface ConfigVariable {
  id: number;
  scope: VariableScope;
  /** The tenant's, project's or instance's id; '' for global. */
  scopeId: string;
  name: string;
  /** The typed value as JSON (`"text"`, `42`, `true`, `["a","b"]`); null for a secret. */
  value: string | null;
  /** A secret's value, sealed (SecretBox); null otherwise. */
  sealed: string | null;
  sinceVersion: number;
  /** The version that replaced or unset it; null while current. */
  untilVersion: number | null;
  setBy: string;
}

export const ConfigVariableEntity = new EntitySchema<ConfigVariable>({
  name: 'ConfigVariable',
  tableName: 'config_variables',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    scope: textColumn('scope', 10),
    scopeId: textColumn('scope_id', 36),
    name: textColumn('name', 100),
    value: { type: 'text', nullable: true },
    sealed: { type: 'text', nullable: true },
    sinceVersion: { name: 'since_version', type: 'int' },
    untilVersion: { name: 'until_version', type: 'int', nullable: true },
    setBy: textColumn('set_by', 100),
  },
  indices: [{ name: 'ix_config_variables_scope', columns: ['scope', 'scopeId', 'untilVersion'] }],
});
