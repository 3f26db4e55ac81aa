// Project: a group of instances inside a tenant.
import { EntitySchema } from 'typeorm';
import { bigintColumn, idColumn, nameColumn, refColumn, textColumn, timeColumn } from './columns.js';

export interface Project {
  id: string;
  tenantId: string;
  name: string;
  displayName: string;
  /** Tokens the project's claws may use per calendar month; null means no budget of its own. */
  tokenBudget: number | null;
  createdAt: Date;
  createdBy: string | null;
}

export const ProjectEntity = new EntitySchema<Project>({
  name: 'Project',
  tableName: 'projects',
  columns: {
    id: idColumn(),
    tenantId: refColumn('tenant_id'),
    name: nameColumn(),
    displayName: textColumn('display_name', 200),
    tokenBudget: bigintColumn('token_budget', true),
    createdAt: timeColumn('created_at'),
    createdBy: textColumn('created_by', 100, true),
  },
  indices: [{ name: 'uq_projects_tenant_name', columns: ['tenantId', 'name'], unique: true }],
});
