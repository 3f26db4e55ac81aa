// Scopes: what a command acts on (platform, a tenant, a project), by name. Resolved to rows, a scope is a
// ResolvedScope (src/store/resolved-scope.ts).
import type { Text } from '../i18n/locale.js';

/** Created at the first start, so `claw create demo` works before anyone sets up tenants. */
export const DEFAULT_TENANT = 'default';
export const DEFAULT_PROJECT = 'default';

/** What a command asks for; missing names are filled from the chat binding or the member's own tenant. */
export type ScopeRequest =
  | { kind: 'none' }
  | { kind: 'platform' }
  /** `orPlatform`: with no tenant given or implied, act on the whole platform (listings by platform members). */
  | { kind: 'tenant'; tenant?: string; orPlatform?: boolean }
  | { kind: 'project'; tenant?: string; project?: string }
  /** One instance by name; without a project it is looked up in every project of the tenant. */
  | { kind: 'instance'; tenant?: string; project?: string; instance: string }
  /** Deciding on an approval: RBAC applies to the scope of the command it holds. */
  | { kind: 'approval'; id: number };

/** A scope by names, as RBAC compares them. */
export type ScopeTarget =
  | { kind: 'none' }
  | { kind: 'platform' }
  | { kind: 'tenant'; tenant: string }
  | { kind: 'project'; tenant: string; project: string }
  | { kind: 'instance'; tenant: string; project: string; instance: string };

/** Defaults a chat group or the member supplies when the command names no tenant or project. */
export interface ScopeDefaults {
  tenant?: string;
  project?: string;
}

/** `platform`, `tenant/acme`, `tenant/acme/project/sales`: the form audit records and error messages use. */
export function scopePath(target: ScopeTarget): string {
  switch (target.kind) {
    case 'none': return '-';
    case 'platform': return 'platform';
    case 'tenant': return `tenant/${target.tenant}`;
    case 'project': return `tenant/${target.tenant}/project/${target.project}`;
    case 'instance': return `tenant/${target.tenant}/project/${target.project}/instance/${target.instance}`;
  }
}

export function scopeText(target: ScopeTarget): Text {
  switch (target.kind) {
    case 'none': return { en: '-', zh: '-' };
    case 'platform': return { en: 'the platform', zh: '平台' };
    case 'tenant': return { en: `tenant ${target.tenant}`, zh: `租户 ${target.tenant}` };
    case 'project': return { en: `project ${target.tenant}/${target.project}`, zh: `项目 ${target.tenant}/${target.project}` };
    case 'instance': return { en: `instance ${target.tenant}/${target.project}/${target.instance}`, zh: `实例 ${target.tenant}/${target.project}/${target.instance}` };
  }
}

export function tenantOf(target: ScopeTarget): string | null {
  return target.kind === 'tenant' || target.kind === 'project' || target.kind === 'instance' ? target.tenant : null;
}
