// Role-based access decisions: deny by default; a binding allows a permission on its scope and everything inside it.
import type { Principal } from './principal.js';
import type { ScopeTarget } from './scope.js';

/** `*` matches everything, `instance:*` every instance permission, otherwise exact match. */
export function permits(patterns: readonly string[], permission: string): boolean {
  for (const p of patterns) {
    if (p === '*' || p === permission) return true;
    if (p.endsWith(':*') && permission.startsWith(p.slice(0, -1))) return true;
  }
  return false;
}

/** Whether `outer` contains `inner`: the platform contains everything, a tenant its projects and instances, ... */
export function contains(outer: ScopeTarget, inner: ScopeTarget): boolean {
  switch (outer.kind) {
    case 'none': return false;
    case 'platform': return inner.kind !== 'none';
    case 'tenant': return (inner.kind === 'tenant' || inner.kind === 'project' || inner.kind === 'instance') && inner.tenant === outer.tenant;
    case 'project':
      return (inner.kind === 'project' || inner.kind === 'instance') && inner.tenant === outer.tenant && inner.project === outer.project;
    case 'instance':
      return inner.kind === 'instance' && inner.tenant === outer.tenant && inner.project === outer.project && inner.instance === outer.instance;
  }
}

/** The decision for one permission on one target. A null permission means "any signed-in member". */
export function isAllowed(principal: Principal, permission: string | null, target: ScopeTarget): boolean {
  if (permission === null) return true;
  if (target.kind === 'none') return false;
  return principal.bindings.some((b) => contains(b.scope, target) && permits(b.permissions, permission));
}

/** Whether the member holds the permission on any scope: help and suggestions show only such commands. */
export function isAllowedSomewhere(principal: Principal, permission: string | null): boolean {
  if (permission === null) return true;
  return principal.bindings.some((b) => permits(b.permissions, permission));
}

/** Whether some binding grants the permission on the tenant or anything inside it (before an instance is looked up). */
export function isAllowedInTenant(principal: Principal, permission: string, tenant: string): boolean {
  return principal.bindings.some((b) => permits(b.permissions, permission) && (b.scope.kind === 'platform' || (b.scope.kind !== 'none' && b.scope.tenant === tenant)));
}

/** The tenants in which the member holds the permission (for filtering listings); `all` for platform holders. */
export function tenantsAllowed(principal: Principal, permission: string): 'all' | Set<string> {
  const tenants = new Set<string>();
  for (const b of principal.bindings) {
    if (!permits(b.permissions, permission)) continue;
    if (b.scope.kind === 'platform') return 'all';
    if (b.scope.kind !== 'none') tenants.add(b.scope.tenant);
  }
  return tenants;
}

/** The first of `permissions` the member lacks on the target, e.g. to stop a grant that would escalate privileges. */
export function firstMissing(principal: Principal, permissions: readonly string[], target: ScopeTarget): string | undefined {
  return permissions.find((p) => !isAllowed(principal, p, target));
}
