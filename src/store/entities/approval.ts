// Approval: a risky command held until enough other people approve it; it runs exactly as requested, or not at all.
import { EntitySchema } from 'typeorm';
import { refColumn, textColumn, timeColumn } from './columns.js';

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'expired' | 'stale' | 'executed' | 'failed';

/** A target of the held command and its version when the request was made; a different version later = stale. */
export interface ApprovalTarget {
  kind: 'instance' | 'tenant' | 'project';
  id: string;
  name: string;
  version: number;
}

export interface Approval {
  /** Small and increasing, so people can say "approve #12". */
  id: number;
  tenantId: string | null;
  /** Target scope as text (`tenant/acme/project/sales`), where approvers need approval:approve. */
  scope: string;
  command: string;
  /** The exact normalised command text, encrypted: it runs verbatim when approved and may hold secrets. */
  textSealed: string;
  /** The same text with secrets redacted, for cards, listings and audit. */
  displayText: string;
  /** sha256 of the canonical parsed invocation (command, arguments, flags): what was approved is what runs. */
  canonicalHash: string;
  targets: ApprovalTarget[];
  requesterMemberId: string;
  requesterName: string;
  requesterIdentity: string;
  channel: string;
  reason: string | null;
  required: number;
  status: ApprovalStatus;
  expiresAt: Date;
  decidedAt: Date | null;
  /** What happened when it ran (or why it did not). */
  result: string | null;
  /** The chat it was requested from (ChatAddress JSON), to answer there. */
  origin: string | null;
  createdAt: Date;
}

export const ApprovalEntity = new EntitySchema<Approval>({
  name: 'Approval',
  tableName: 'approvals',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    tenantId: refColumn('tenant_id', true),
    scope: textColumn('scope', 300),
    command: textColumn('command', 100),
    textSealed: { name: 'text_sealed', type: 'text' },
    displayText: { name: 'display_text', type: 'text' },
    canonicalHash: textColumn('canonical_hash', 64),
    targets: { type: 'simple-json' },
    requesterMemberId: refColumn('requester_member_id'),
    requesterName: textColumn('requester_name', 100),
    requesterIdentity: textColumn('requester_identity', 200),
    channel: textColumn('channel', 20),
    reason: { type: 'text', nullable: true },
    required: { type: 'int' },
    status: textColumn('status', 20),
    expiresAt: timeColumn('expires_at'),
    decidedAt: timeColumn('decided_at', true),
    result: { type: 'text', nullable: true },
    origin: { type: 'text', nullable: true },
    createdAt: timeColumn('created_at'),
  },
  indices: [
    { name: 'ix_approvals_status', columns: ['status', 'expiresAt'] },
    { name: 'ix_approvals_tenant', columns: ['tenantId'] },
  ],
});
