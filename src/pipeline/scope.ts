// Scopes: what a command acts on (platform, a tenant, a project), before and after names are resolved to rows.
import type { Text } from '../i18n/locale.js';
import type { Instance } from '../store/entities/instance.js';
import type { Project } from '../store/entities/project.js';
import type { Tenant } from '../store/entities/tenant.js';

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

/** A scope whose tenant and project exist, handed to handlers. */
export type ResolvedScope =
  | { kind: 'none' }
  | { kind: 'platform' }
  | { kind: 'tenant'; tenant: Tenant }
  | { kind: 'project'; tenant: Tenant; project: Project }
  | { kind: 'instance'; tenant: Tenant; project: Project; instance: Instance };

/** Defaults a chat group or the member supplies when the command names no tenant or project. */
export interface ScopeDefaults {
  tenant?: string;
  project?: string;
}

export function targetOf(scope: ResolvedScope): ScopeTarget {
  switch (scope.kind) {
    case 'tenant': return { kind: 'tenant', tenant: scope.tenant.name };
    case 'project': return { kind: 'project', tenant: scope.tenant.name, project: scope.project.name };
    case 'instance': return { kind: 'instance', tenant: scope.tenant.name, project: scope.project.name, instance: scope.instance.name };
    default: return scope;
  }
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

/** The tenant of a tenant or project scope; commands whose scope function always names a tenant use this. */
export function scopeTenant(scope: ResolvedScope): Tenant {
  if (scope.kind === 'tenant' || scope.kind === 'project' || scope.kind === 'instance') return scope.tenant;
  throw new Error(`expected a tenant scope, got ${scope.kind}`);
}

export function scopeProject(scope: ResolvedScope): Project {
  if (scope.kind === 'project' || scope.kind === 'instance') return scope.project;
  throw new Error(`expected a project scope, got ${scope.kind}`);
}

export function scopeInstance(scope: ResolvedScope): Instance {
  if (scope.kind === 'instance') return scope.instance;
  throw new Error(`expected an instance scope, got ${scope.kind}`);
}
