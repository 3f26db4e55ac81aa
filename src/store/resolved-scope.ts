// A scope resolved to rows: the tenant, project and instance a command acts on exist, and handlers get the rows.
// Its names-only form, ScopeTarget, is domain vocabulary (src/model/scope.ts); this one needs the stored rows.
import type { ScopeTarget } from '../model/scope.js';
import type { Instance } from './entities/instance.js';
import type { Project } from './entities/project.js';
import type { Tenant } from './entities/tenant.js';

/** A scope whose tenant and project exist, handed to handlers. */
export type ResolvedScope =
  | { kind: 'none' }
  | { kind: 'platform' }
  | { kind: 'tenant'; tenant: Tenant }
  | { kind: 'project'; tenant: Tenant; project: Project }
  | { kind: 'instance'; tenant: Tenant; project: Project; instance: Instance };

export function targetOf(scope: ResolvedScope): ScopeTarget {
  switch (scope.kind) {
    case 'tenant': return { kind: 'tenant', tenant: scope.tenant.name };
    case 'project': return { kind: 'project', tenant: scope.tenant.name, project: scope.project.name };
    case 'instance': return { kind: 'instance', tenant: scope.tenant.name, project: scope.project.name, instance: scope.instance.name };
    default: return scope;
  }
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
