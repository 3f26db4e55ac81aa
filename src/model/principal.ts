// Who is acting: a member, the identity they were recognised by, and their role bindings with permissions.
import type { ScopeTarget } from './scope.js';

/** A person, a claw, or the control plane itself (a system member nobody can sign in as); stored on members. */
export type MemberKind = 'person' | 'claw' | 'system';

export type PrincipalIdentity =
  | { kind: 'token'; tokenId: string; tokenName: string }
  /** `identityId` is the chat identity's row and `platformName` the name the platform shows, when known. */
  | { kind: 'chat'; platform: string; orgId: string; userId: string; identityId?: string; platformName?: string }
  /** The requester of an approved command, when the control plane runs it on their behalf. */
  | { kind: 'approval'; approvalId: number; requestedVia: string }
  /** The control plane acting on its own (a budget's hard stop), as a system member nobody can sign in as. */
  | { kind: 'system'; job: string };

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
    case 'system': return `system:${identity.job}`;
  }
}

/** The credential a principal acts with, as provenance records name it (`token:<id>`, `chat:<id>`); null when none. */
export function credentialOf(identity: PrincipalIdentity): string | null {
  if (identity.kind === 'token') return `token:${identity.tokenId}`;
  if (identity.kind === 'chat' && identity.identityId) return `chat:${identity.identityId}`;
  return null;
}

/** Who is making a grant, token or link, and with which credential: recorded so a vote can be traced to its source. */
export function madeBy(principal: Principal): { memberId: string; via: string | null } {
  return { memberId: principal.memberId, via: credentialOf(principal.identity) };
}
