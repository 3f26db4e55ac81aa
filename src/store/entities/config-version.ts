// ConfigVersion: one immutable change to templates or variables (who, why, when, what), numbered v1, v2, ...
import { EntitySchema } from 'typeorm';
import { refColumn, textColumn, timeColumn } from './columns.js';

export type ConfigVersionKind = 'variables' | 'template' | 'builtin' | 'import' | 'instance';

/** One change inside a version; secret values appear only masked (`****abcd`). */
export interface ConfigChange {
  /** `variable` (set or unset at a scope) or `template` (created or edited). */
  kind: 'variable' | 'template';
  /** For variables: global, tenant, project or instance, and the scope's display name (`acme`, `acme/sales`). */
  scope?: 'global' | 'tenant' | 'project' | 'instance';
  scopeId?: string;
  scopeName?: string;
  /** The tenant of the scope (null for global and templates): a tenant sees only its own changes and global ones. */
  tenantId?: string | null;
  name: string;
  before: string | null;
  after: string | null;
}

export interface ConfigVersion {
  id: number;
  author: string;
  message: string | null;
  kind: ConfigVersionKind;
  /** The only tenant whose scopes the version touched; null when it touched global scope, templates or several tenants. */
  tenantId: string | null;
  /** The only instance whose own values the version touched, if so. */
  instanceId: string | null;
  changes: ConfigChange[];
  createdAt: Date;
}

export const ConfigVersionEntity = new EntitySchema<ConfigVersion>({
  name: 'ConfigVersion',
  tableName: 'config_versions',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    author: textColumn('author', 100),
    message: { type: 'text', nullable: true },
    kind: textColumn('kind', 20),
    tenantId: refColumn('tenant_id', true),
    instanceId: refColumn('instance_id', true),
    changes: { type: 'simple-json' },
    createdAt: timeColumn('created_at'),
  },
  indices: [{ name: 'ix_config_versions_tenant', columns: ['tenantId'] }],
});
