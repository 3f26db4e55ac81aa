// What config publish, config rollback and the rollout commands share: picking the claws (NAME..., --selector, --all),
// the strategy flags (--canary, --max-unavailable, --auto-promote, --health-timeout), starting a rollout (or showing
// its plan with --dry-run), and finding a rollout the actor may see.
import { ClawError } from '../../src/errors/claw-error.js';
import type { Text } from '../../src/i18n/locale.js';
import type { ConfigAt } from '../../src/engines/config/config-store.js';
import type { InstanceView, LifecycleEngine } from '../../src/engines/lifecycle/lifecycle-engine.js';
import type { RolloutCardData, RolloutsEngine } from '../../src/engines/rollouts/rollout-engine.js';
import { canaryText, countText, parseCanary, parseCount, type CanarySpec, type CountSpec } from '../../src/engines/rollouts/rollout-plan.js';
import type { ChatOrigin } from '../../src/model/chat-origin.js';
import type { Principal } from '../../src/model/principal.js';
import { isAllowed } from '../../src/model/rbac.js';
import type { ScopeRequest, ScopeTarget } from '../../src/model/scope.js';
import { formatSelector, type Selector } from '../../src/model/values/selector.js';
import type { CommandResult, FlagSpec } from '../../src/pipeline/command-spec.js';
import { allFlag, projectFlag, selectorFlag, tenantFlag } from '../../src/pipeline/common-flags.js';
import { rolloutData, rolloutPlanView, rolloutStatusView } from '../../src/render/rollout-views.js';
import type { ApprovalTarget } from '../../src/store/entities/approval.js';
import type { RolloutKind, RolloutStrategy } from '../../src/store/entities/rollout.js';
import type { ResolvedScope } from '../../src/store/resolved-scope.js';

export const targetFlags = { tenant: tenantFlag, project: projectFlag, selector: selectorFlag, all: allFlag } as const satisfies Record<string, FlagSpec>;

export const strategyFlags = {
  canary: {
    kind: 'string', maxLength: 500, valueName: 'N|P%|NAMES',
    help: { en: 'Move these first and check them before the rest: a number, a share (10%) or names (demo,demo2)', zh: '先变更并检查这些实例：数量、比例（10%）或名称（demo,demo2）' },
  },
  'max-unavailable': {
    kind: 'string', maxLength: 10, valueName: 'N|P%',
    help: { en: 'Claws moved at once after the canary: a number or a share (default 25% for a publish, all for a rollback)', zh: '金丝雀之后每批同时变更的实例：数量或比例（发布默认 25%，回滚默认全部）' },
  },
  'auto-promote': { kind: 'duration', help: { en: 'Promote a healthy canary after this long (default: wait for `claw rollout resume`)', zh: '金丝雀健康持续该时长后自动推进（默认等待 `claw rollout resume`）' } },
  'health-timeout': { kind: 'duration', help: { en: 'A moved claw must be running and ready within this (default 5m)', zh: '变更后的实例须在此时间内运行并就绪（默认 5m）' } },
  message: { kind: 'string', maxLength: 500, help: { en: 'Why: shown on the rollout', zh: '说明（显示在发布记录中）' } },
  'dry-run': { kind: 'bool', help: { en: 'Show the claws, waves and effect on each, change nothing', zh: '只显示实例、批次及对每个实例的影响，不做修改' } },
} as const satisfies Record<string, FlagSpec>;

/** Claws a publish's answer lists one by one; more are summed up by wave (its text also ends up on an approval card). */
const ANSWER_CLAWS = 20;

/** Five minutes: a real OpenClaw gateway boots in about 10 s, a pod may wait for its node and image for a while. */
export const DEFAULT_HEALTH_TIMEOUT_MS = 5 * 60_000;

export interface TargetArgs {
  args: { names: string[] };
  flags: { tenant?: string | undefined; project?: string | undefined; selector?: Selector | undefined; all: boolean };
}

/** One NAME: that instance; several names, --selector or --all: the project, or the tenant. */
export function rolloutScope({ args, flags }: TargetArgs): ScopeRequest {
  if (args.names.length === 1) return { kind: 'instance', instance: args.names[0]!, tenant: flags.tenant, project: flags.project };
  return flags.project ? { kind: 'project', tenant: flags.tenant, project: flags.project } : { kind: 'tenant', tenant: flags.tenant };
}

/** One claw is a write; several at once may hit many (approvals hold them over the tenant's batch threshold). */
export function rolloutRisk({ args }: { args: { names: string[] } }): 'write' | 'dangerous' {
  return args.names.length === 1 ? 'write' : 'dangerous';
}

/** The claws named, matched or all; exactly one way of choosing them. */
export async function selectViews(ctx: TargetArgs & { scope: ResolvedScope; engines: { lifecycle: LifecycleEngine } }): Promise<InstanceView[]> {
  const { args, flags, scope } = ctx;
  const chosen = [args.names.length > 0, flags.selector !== undefined, flags.all].filter(Boolean).length;
  if (chosen !== 1) {
    throw new ClawError('CLAW_ARG_MISSING', { what: { en: 'the claws: instance NAME..., --selector or --all', zh: '目标实例：实例名 NAME...、--selector 或 --all（三选一）' } });
  }
  if (scope.kind === 'instance') return [{ instance: scope.instance, tenant: scope.tenant.name, project: scope.project.name }];
  if (scope.kind !== 'tenant' && scope.kind !== 'project') throw new Error(`unexpected scope ${scope.kind}`);
  const project = scope.kind === 'project' ? scope.project : undefined;
  if (args.names.length) {
    const views = new Map<string, InstanceView>();
    for (const name of args.names) {
      const view = await ctx.engines.lifecycle.find(scope.tenant, name, project);
      views.set(view.instance.id, view);
    }
    return [...views.values()];
  }
  return ctx.engines.lifecycle.list({ tenant: scope.tenant, ...(project ? { project } : {}), ...(flags.selector ? { selector: flags.selector } : {}) });
}

/** `demo demo2`, `--selector team=sales`, `--all`, as the rollout shows what was asked. */
export function selectionText({ args, flags }: TargetArgs): string {
  if (args.names.length) return args.names.join(' ');
  return flags.selector ? `--selector ${formatSelector(flags.selector)}` : '--all';
}

export interface StrategyFlags {
  canary?: string | undefined;
  'max-unavailable'?: string | undefined;
  'auto-promote'?: number | undefined;
  'health-timeout'?: number | undefined;
}

/** The strategy from its flags, with the defaults of the kind of rollout (a rollback moves every claw at once). */
export function strategyOf(flags: StrategyFlags, kind: RolloutKind): { strategy: RolloutStrategy; canary: CanarySpec | null; maxUnavailable: CountSpec } {
  const canary = flags.canary === undefined ? null : parseCanary(flags.canary);
  if (flags.canary !== undefined && !canary) {
    throw new ClawError('CLAW_ARG_INVALID', { what: '--canary', reason: { en: `"${flags.canary}" is not a number (2), a share (10%) or instance names (demo,demo2)`, zh: `"${flags.canary}" 不是数量（2）、比例（10%）或实例名（demo,demo2）` } });
  }
  const maxText = flags['max-unavailable'] ?? (kind === 'rollback' ? '100%' : '25%');
  const maxUnavailable = parseCount(maxText);
  if (!maxUnavailable) {
    throw new ClawError('CLAW_ARG_INVALID', { what: '--max-unavailable', reason: { en: `"${maxText}" is not a number (3) or a share from 1% to 100% (20%)`, zh: `"${maxText}" 不是数量（3）或 1% 到 100% 的比例（20%）` } });
  }
  if (flags['auto-promote'] !== undefined && !canary) throw new ClawError('CLAW_ARG_MISSING', { what: { en: '--canary (--auto-promote promotes a canary)', zh: '--canary（--auto-promote 用于自动推进金丝雀）' } });
  return {
    canary, maxUnavailable,
    strategy: {
      canary: canary ? canaryText(canary) : null, maxUnavailable: countText(maxUnavailable),
      autoPromoteMs: flags['auto-promote'] ?? null, healthTimeoutMs: flags['health-timeout'] ?? DEFAULT_HEALTH_TIMEOUT_MS,
    },
  };
}

/** The claws a rollout would move, with their generations: what an approval records and checks before it runs. */
export function approvalTargetsOf(views: readonly InstanceView[], to: ConfigAt | ((view: InstanceView) => ConfigAt | null)): ApprovalTarget[] {
  return views
    .filter((v) => {
      const at = typeof to === 'function' ? to(v) : to;
      return v.instance.desiredPhase !== 'Destroyed' && at !== null && (v.instance.configVersion !== at.config || v.instance.valuesVersion !== at.values);
    })
    .map((v) => ({ kind: 'instance', id: v.instance.id, name: `${v.project}/${v.instance.name}`, version: v.instance.generation }));
}

export interface StartInput {
  kind: RolloutKind;
  views: readonly InstanceView[];
  to: ConfigAt | ((view: InstanceView) => ConfigAt | null);
  /** The destination as people read it: `v15`, `previous versions of rollout 7`. */
  label: string;
  /** For the rollout row: the versions every claw moves to (null for an undo). */
  versions: ConfigAt | null;
  undoes?: number;
  selection: string;
}

interface StartContext {
  flags: StrategyFlags & { message?: string | undefined; 'dry-run': boolean };
  scope: ResolvedScope;
  actor: Principal;
  origin?: ChatOrigin;
  reason?: string;
  locale: 'zh' | 'en';
  t(text: Text, params?: Record<string, unknown>): string;
  engines: { rollouts: RolloutsEngine };
}

/** Plans, then shows the plan (--dry-run), says there is nothing to do, or creates the rollout and shows its card. */
export async function startRollout(ctx: StartContext, input: StartInput): Promise<CommandResult> {
  const { rollouts } = ctx.engines;
  const { strategy, canary, maxUnavailable } = strategyOf(ctx.flags, input.kind);
  if (!input.views.length) return { data: { rollout: null }, view: { kind: 'message', tone: 'info', text: ctx.t({ en: 'No instances matched.', zh: '没有匹配的实例。' }) } };
  const plan = await rollouts.plan({ views: input.views, to: input.to, canary, maxUnavailable, version: input.label });
  if (ctx.flags['dry-run']) {
    return {
      data: { dryRun: true, unchanged: plan.unchanged.map((v) => v.instance.name), targets: plan.targets.map((p) => ({ name: p.view.instance.name, project: p.view.project, wave: p.wave, expected: p.expected, from: p.from, to: p.to })) },
      view: rolloutPlanView(plan, input.label, strategy, ctx.locale),
    };
  }
  if (!plan.targets.length) {
    return {
      data: { rollout: null, unchanged: plan.unchanged.length },
      view: { kind: 'message', tone: 'info', text: ctx.t({ en: 'Nothing to change: the {n} claw(s) already run {to}.', zh: '无需变更：这 {n} 个实例已在运行 {to}。' }, { n: plan.unchanged.length, to: input.label }) },
    };
  }
  const tenant = ctx.scope.kind === 'tenant' || ctx.scope.kind === 'project' || ctx.scope.kind === 'instance' ? ctx.scope.tenant : null;
  if (!tenant) throw new Error('a rollout needs a tenant scope');
  const message = ctx.flags.message ?? ctx.reason;
  const { rollout, posted } = await rollouts.create({
    tenant, kind: input.kind, to: input.versions, ...(input.undoes !== undefined ? { undoes: input.undoes } : {}), selection: input.selection, strategy, plan,
    createdBy: ctx.actor.name, ...(message ? { message } : {}), ...(ctx.origin ? { chat: ctx.origin } : {}),
  });
  const card = await rollouts.card(rollout.id);
  const view = rolloutStatusView(card, ctx.locale, { claws: ANSWER_CLAWS });
  const follow = ctx.t({ en: 'Follow it with `claw rollout status {id}`; {actions}.', zh: '可用 `claw rollout status {id}` 查看进度；{actions}。' }, {
    id: rollout.id, actions: (view.actions ?? []).map((a) => `${a.label}: \`${a.command}\``).join(', '),
  });
  return { data: { rollout: rolloutData(card) }, view: view.kind === 'sections' ? { ...view, sections: [...view.sections, { lines: [follow] }] } : view, posted };
}

/** Where a rollout sits for RBAC: its project when all its claws share one, else its tenant. */
export function rolloutTarget(card: RolloutCardData): ScopeTarget {
  return card.project ? { kind: 'project', tenant: card.tenant, project: card.project } : { kind: 'tenant', tenant: card.tenant };
}

/** The rollout, if the actor may read it; one they may not read is not found, like a missing one (it names claws). */
export async function visibleRollout(rollouts: RolloutsEngine, actor: Principal, id: number): Promise<RolloutCardData> {
  const card = await rollouts.card(id);
  if (!isAllowed(actor, 'config:read', rolloutTarget(card))) throw new ClawError('CLAW_NOT_FOUND', { kind: { en: 'Rollout', zh: '发布' }, name: String(id) });
  return card;
}

/** The rollout a pause, resume or abort acts on: readable by the actor, and theirs to change (config:apply on its scope). */
export async function controlledRollout(ctx: { engines: { rollouts: RolloutsEngine }; actor: Principal; args: { id: number }; authorize(permission: string, on: ScopeTarget): void }): Promise<RolloutCardData> {
  const card = await visibleRollout(ctx.engines.rollouts, ctx.actor, ctx.args.id);
  ctx.authorize('config:apply', rolloutTarget(card));
  return card;
}

/** The rollout number of the rollout commands. */
export const rolloutIdArg = { name: 'id', kind: 'int', min: 1, required: true, help: { en: 'Rollout number', zh: '发布编号' } } as const;

/** Rollout commands act on one rollout by number; --tenant/--project only decide where RBAC looks first. */
export function rolloutIdScope({ flags }: { flags: { tenant?: string | undefined; project?: string | undefined } }): ScopeRequest {
  return flags.project ? { kind: 'project', tenant: flags.tenant, project: flags.project } : { kind: 'tenant', tenant: flags.tenant, orPlatform: true };
}
