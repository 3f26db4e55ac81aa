// RoleBinding: grants a member a role at platform, tenant, project or instance scope.
import { EntitySchema } from 'typeorm';
import { idColumn, refColumn, textColumn, timeColumn } from './columns.js';

export type ScopeKind = 'platform' | 'tenant' | 'project' | 'instance';

export interface RoleBinding {
  id: string;
  memberId: string;
  roleName: string;
  scopeKind: ScopeKind;
  tenantId: string | null;
  projectId: string | null;
  instanceId: string | null;
  /** `platform`, `t:<tenantId>`, `p:<projectId>` or `i:<instanceId>`: makes (member, role, scope) unique. */
  scopeKey: string;
  createdAt: Date;
  createdBy: string | null;
  /** The member who granted it (null: the system, or a grant older than this record), for independent approvers. */
  createdByMemberId: string | null;
  /** The credential the grant was made with (`token:<id>`, `chat:<id>`). */
  createdVia: string | null;
}

export const RoleBindingEntity = new EntitySchema<RoleBinding>({
  name: 'RoleBinding',
  tableName: 'role_bindings',
  columns: {
    id: idColumn(),
    memberId: refColumn('member_id'),
    roleName: textColumn('role_name', 64),
    scopeKind: textColumn('scope_kind', 20),
    tenantId: refColumn('tenant_id', true),
    projectId: refColumn('project_id', true),
    instanceId: refColumn('instance_id', true),
    scopeKey: textColumn('scope_key', 40),
    createdAt: timeColumn('created_at'),
    createdBy: textColumn('created_by', 100, true),
    createdByMemberId: refColumn('created_by_member_id', true),
    createdVia: textColumn('created_via', 80, true),
  },
  indices: [
    { name: 'uq_role_bindings_member_role_scope', columns: ['memberId', 'roleName', 'scopeKey'], unique: true },
    { name: 'ix_role_bindings_tenant', columns: ['tenantId'] },
  ],
});

