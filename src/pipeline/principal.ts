// Who is acting: a member, the identity they were recognised by, and their role bindings with permissions.
import type { MemberKind } from '../store/entities/member.js';
import type { ScopeTarget } from './scope.js';

export type PrincipalIdentity =
  | { kind: 'token'; tokenId: string; tokenName: string }
  | { kind: 'chat'; platform: string; orgId: string; userId: string };

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
  return identity.kind === 'token' ? `token:${identity.tokenName}` : `${identity.platform}:${identity.userId}`;
}
