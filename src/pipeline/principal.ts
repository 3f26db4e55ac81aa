// Who is acting: a member, the identity they were recognised by, and their role bindings with permissions.
import type { MemberKind } from '../store/entities/member.js';
import type { ScopeTarget } from './scope.js';

export type PrincipalIdentity =
  | { kind: 'token'; tokenId: string; tokenName: string }
  | { kind: 'chat'; platform: string; orgId: string; userId: string }
  /** The requester of an approved command, when the control plane runs it on their behalf. */
  | { kind: 'approval'; approvalId: number; requestedVia: string };

export interface PrincipalBinding {
  role: string;
  scope: ScopeTarget;
  permissions: readonly string[];
}

export interface Principal {
  memberId: string;
  name: string;
  displayName: string;
  kind: MemberKind;
  /** The member's own tenant; null for platform members. */
  tenant: { id: string; name: string } | null;
  identity: PrincipalIdentity;
  bindings: PrincipalBinding[];
}

export function describeIdentity(identity: PrincipalIdentity): string {
  switch (identity.kind) {
    case 'token': return `token:${identity.tokenName}`;
    case 'chat': return `${identity.platform}:${identity.userId}`;
    case 'approval': return `approval#${identity.approvalId} (${identity.requestedVia})`;
  }
}
