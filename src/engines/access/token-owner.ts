// Whose tokens a token command acts on: your own, or, with token:manage on the scope, a member of exactly that scope.
import type { Principal } from '../../model/principal.js';
import type { ScopeTarget } from '../../model/scope.js';
import type { ResolvedScope } from '../../store/resolved-scope.js';
import type { Member } from '../../store/entities/member.js';
import type { TenancyEngine } from '../tenancy/tenancy-engine.js';

export interface TokenOwnerContext {
  actor: Principal;
  scope: ResolvedScope;
  authorize(permission: string, scope: ResolvedScope | ScopeTarget): void;
  engines: { tenancy: TenancyEngine };
}

export async function resolveTokenOwner(ctx: TokenOwnerContext, memberName: string | undefined): Promise<Member> {
  const { tenancy } = ctx.engines;
  const tenant = ctx.scope.kind === 'tenant' ? ctx.scope.tenant : null;
  const self = memberName === undefined || (memberName === ctx.actor.name && (tenant?.id ?? null) === (ctx.actor.tenant?.id ?? null));
  if (self) {
    const member = await tenancy.getMemberById(ctx.actor.memberId);
    if (!member) throw new Error('the acting member no longer exists');
    return member;
  }
  ctx.authorize('token:manage', ctx.scope);
  // Strict lookup: token:manage on a tenant covers that tenant's members, never a platform member of the same name.
  return tenancy.getMember(tenant, memberName);
}
