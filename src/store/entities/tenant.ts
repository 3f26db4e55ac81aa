// Tenant: an organisation unit with its own namespace, quota, members and policies.
import { EntitySchema } from 'typeorm';
import { idColumn, nameColumn, textColumn, timeColumn } from './columns.js';

export interface Tenant {
  id: string;
  /** DNS-1123 label; the Kubernetes namespace is `claw-<name>`. */
  name: string;
  displayName: string;
  /** Quota; null means the default from configs/claw.yaml. Quantities as Kubernetes writes them. */
  quotaInstances: number | null;
  quotaCpu: string | null;
  quotaMemory: string | null;
  quotaStorage: string | null;
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
    quotaInstances: { name: 'quota_instances', type: 'int', nullable: true },
    quotaCpu: textColumn('quota_cpu', 20, true),
    quotaMemory: textColumn('quota_memory', 20, true),
    quotaStorage: textColumn('quota_storage', 20, true),
    createdAt: timeColumn('created_at'),
    createdBy: textColumn('created_by', 100, true),
  },
  indices: [{ name: 'uq_tenants_name', columns: ['name'], unique: true }],
});
