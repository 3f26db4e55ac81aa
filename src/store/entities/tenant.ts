// Tenant: an organisation unit with its own namespace, quota, members and policies.
import { EntitySchema } from 'typeorm';
import type { ChatPlatform } from '../../model/chat-platforms.js';
import { bigintColumn, idColumn, nameColumn, textColumn, timeColumn } from './columns.js';

/** A chat group where every approval of the tenant is posted too. */
export interface ApprovalChat {
  platform: ChatPlatform;
  orgId: string;
  chatId: string;
}

/** A tenant's changes to the default approval policy (configs/approvals.yaml). */
export interface ApprovalPolicyOverrides {
  approvals?: number;
  expiryMs?: number;
  reasonRequired?: boolean;
  batchThreshold?: number;
  /** Approvers must hold their role from a grant the requester did not make. */
  independentApprovers?: boolean;
  /** Commands this tenant holds for approval on top of configs/approvals.yaml (`claw tenant policy --hold`). */
  rules?: Array<{ command: string; flag?: string }>;
  /** Where approval cards also go: the tenant's approval chat. */
  approvalChat?: ApprovalChat | null;
}

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
  /** Tokens the tenant's claws may use per calendar month; null means no budget. */
  tokenBudget: number | null;
  /** Reaching the budget asks to stop the tenant's claws (through the approval rules), not only alerts. */
  tokenBudgetHardStop: boolean;
  /** The month (`YYYY-MM`) for which the hard stop was last requested: once per month, across restarts and replicas. */
  tokenBudgetStopped: string | null;
  /** Approval policy overrides (ApprovalPolicy JSON); null = the defaults of configs/approvals.yaml. */
  approvalPolicy: ApprovalPolicyOverrides | null;
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
    tokenBudget: bigintColumn('token_budget', true),
    tokenBudgetHardStop: { name: 'token_budget_hard_stop', type: 'boolean', default: false },
    tokenBudgetStopped: textColumn('token_budget_stopped', 7, true),
    approvalPolicy: { name: 'approval_policy', type: 'simple-json', nullable: true },
    createdAt: timeColumn('created_at'),
    createdBy: textColumn('created_by', 100, true),
  },
  indices: [{ name: 'uq_tenants_name', columns: ['name'], unique: true }],
});
