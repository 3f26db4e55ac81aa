// What the config commands share: where a variable is set (--global, --tenant, --project, --instance), as a scope for
// RBAC and as the config store's scope; which tenants' changes a reader sees; and version numbers as people type them.
import { ClawError } from '../../src/errors/claw-error.js';
import type { Explanation, VariableScopeRef } from '../../src/engines/config/config-store.js';
import type { LayerName } from '../../src/engines/config/template-catalog.js';
import type { ConfigChange } from '../../src/store/entities/config-version.js';
import type { LifecycleEngine } from '../../src/engines/lifecycle/lifecycle-engine.js';
import type { FlagSpec } from '../../src/pipeline/command-spec.js';
import { projectFlag, tenantFlag } from '../../src/pipeline/common-flags.js';
import type { ScopeRequest } from '../../src/model/scope.js';
import type { ResolvedScope } from '../../src/store/resolved-scope.js';

export const configScopeFlags = {
  global: { kind: 'bool', help: { en: 'Every tenant (platform admins)', zh: '全局（所有租户，平台管理员）' } },
  tenant: tenantFlag,
  project: projectFlag,
  instance: { kind: 'name', help: { en: 'One instance', zh: '单个实例' } },
} as const satisfies Record<string, FlagSpec>;

/** Why a change was made: kept with its config version (`claw config history`). */
export const messageFlag = { kind: 'string', maxLength: 500, help: { en: 'Why: kept with the version', zh: '修改说明（记录在版本中）' } } as const satisfies FlagSpec;

export interface ConfigScopeFlags {
  global: boolean;
  tenant?: string | undefined;
  project?: string | undefined;
  instance?: string | undefined;
}

/** The most specific scope named wins (--instance, then --project, then --tenant); --global stands alone. */
export function configScope({ flags }: { flags: ConfigScopeFlags }): ScopeRequest {
  if (flags.global) {
    if (flags.tenant || flags.project || flags.instance) {
      throw new ClawError('CLAW_ARG_CONFLICT', { a: '--global', b: flags.instance ? '--instance' : flags.project ? '--project' : '--tenant' });
    }
    return { kind: 'platform' };
  }
  if (flags.instance) return { kind: 'instance', instance: flags.instance, tenant: flags.tenant, project: flags.project };
  if (flags.project) return { kind: 'project', tenant: flags.tenant, project: flags.project };
  return { kind: 'tenant', tenant: flags.tenant };
}

/** The resolved scope as the config store names it. */
export function variableScope(scope: ResolvedScope, lifecycle: Pick<LifecycleEngine, 'scopeOf'>): VariableScopeRef {
  switch (scope.kind) {
    case 'platform': return { scope: 'global', id: '', name: 'global', tenantId: null };
    case 'tenant': return { scope: 'tenant', id: scope.tenant.id, name: scope.tenant.name, tenantId: scope.tenant.id };
    case 'project': return { scope: 'project', id: scope.project.id, name: `${scope.tenant.name}/${scope.project.name}`, tenantId: scope.tenant.id };
    case 'instance': return lifecycle.scopeOf({ instance: scope.instance, tenant: scope.tenant.name, project: scope.project.name });
    default: throw new Error(`no variables at scope ${scope.kind}`);
  }
}

/** `global`, `tenant acme`, `project acme/sales`, `instance acme/sales/demo`, in the reader's language. */
export function scopeLabel(ref: Pick<VariableScopeRef, 'scope' | 'name'>, t: (text: { en: string; zh: string }) => string): string {
  switch (ref.scope) {
    case 'global': return t({ en: 'global', zh: '全局' });
    case 'tenant': return t({ en: `tenant ${ref.name}`, zh: `租户 ${ref.name}` });
    case 'project': return t({ en: `project ${ref.name}`, zh: `项目 ${ref.name}` });
    case 'instance': return t({ en: `instance ${ref.name}`, zh: `实例 ${ref.name}` });
  }
}

/** Whose changes a history or diff shows: everything for the platform, else the scope's tenant (and global ones). */
export function visibleTenants(scope: ResolvedScope): 'all' | ReadonlySet<string> {
  return scope.kind === 'tenant' || scope.kind === 'project' || scope.kind === 'instance' ? new Set([scope.tenant.id]) : 'all';
}

/** `v12` or `12`; anything else is refused with the form expected. */
export function versionNumber(text: string, what: string): number {
  const match = /^v?(\d{1,9})$/i.exec(text.trim());
  if (!match) throw new ClawError('CLAW_ARG_INVALID', { what, reason: { en: `"${text}" is not a config version such as v12`, zh: `"${text}" 不是配置版本（如 v12）` } });
  return Number(match[1]);
}

/** The publish hint after a change that no claw runs yet. */
export function publishHint(ref: VariableScopeRef, t: (text: { en: string; zh: string }) => string): string {
  const target = ref.scope === 'instance' ? ref.name.split('/').pop()! : ref.scope === 'project' ? `--all --project ${ref.name.split('/')[1]}` : ref.scope === 'tenant' ? `--all --tenant ${ref.name}` : '--all';
  return t({ en: `No claw runs it yet: publish it with \`claw config publish ${target}\`.`, zh: `尚未下发到任何实例：用 \`claw config publish ${target}\` 发布。` });
}

/** Layer names in the reader's language. */
export function layerText(layer: LayerName, t: (text: { en: string; zh: string }) => string): string {
  return t({
    template: { en: 'template', zh: '模板' }, global: { en: 'global', zh: '全局' }, tenant: { en: 'tenant', zh: '租户' },
    project: { en: 'project', zh: '项目' }, instance: { en: 'instance', zh: '实例' },
  }[layer]);
}

/** `tenant acme (v12)`, `template default`, or `-` when nothing sets it. */
export function sourceText(e: Explanation, t: (text: { en: string; zh: string }) => string): string {
  const last = e.layers.at(-1);
  if (!last) return '-';
  return `${layerText(last.layer, t)}${last.layer === 'global' ? '' : ` ${last.where}`}${last.since ? ` (v${last.since})` : ''}`;
}

/** `model.baseUrl @tenant acme: a → b; … and 3 more` */
export function changeText(c: ConfigChange, t: (text: { en: string; zh: string }) => string): string {
  if (c.kind === 'template') return c.before === null ? t({ en: `template ${c.name} created`, zh: `新建模板 ${c.name}` }) : t({ en: `template ${c.name} edited`, zh: `修改模板 ${c.name}` });
  const where = c.scope === 'global' ? t({ en: 'global', zh: '全局' }) : `${c.scope} ${c.scopeName ?? ''}`.trim();
  const value = c.after === null ? t({ en: `unset (was ${c.before})`, zh: `删除（原为 ${c.before}）` }) : c.before === null ? c.after : `${c.before} → ${c.after}`;
  return `${c.name} @${where}: ${value}`;
}
