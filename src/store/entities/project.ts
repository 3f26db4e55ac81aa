// Project: a group of instances inside a tenant.
import { EntitySchema } from 'typeorm';
import { idColumn, nameColumn, refColumn, textColumn, timeColumn } from './columns.js';

export interface Project {
  id: string;
  tenantId: string;
  name: string;
  displayName: string;
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
    createdAt: timeColumn('created_at'),
    createdBy: textColumn('created_by', 100, true),
  },
  indices: [{ name: 'uq_projects_tenant_name', columns: ['tenantId', 'name'], unique: true }],
});
