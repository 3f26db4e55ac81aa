// Tenant: an organisation unit with its own namespace, quota, members and policies.
import { EntitySchema } from 'typeorm';
import { idColumn, nameColumn, textColumn, timeColumn } from './columns.js';

export interface Tenant {
  id: string;
  /** DNS-1123 label; the Kubernetes namespace is `claw-<name>`. */
  name: string;
  displayName: string;
  createdAt: Date;
  createdBy: string | null;
}

export const TenantEntity = new EntitySchema<Tenant>({
  name: 'Tenant',
  tableName: 'tenants',
  columns: {
    id: idColumn(),
    name: nameColumn(),
    displayName: textColumn('display_name', 200),
    createdAt: timeColumn('created_at'),
    createdBy: textColumn('created_by', 100, true),
  },
  indices: [{ name: 'uq_tenants_name', columns: ['name'], unique: true }],
});
