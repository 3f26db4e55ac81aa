// claw config rollback --to vN (NAME... | --selector S | --all) | --rollout ID: a rollout back to an older config version,
// or undoing a rollout (each claw it moved goes back to what it ran before); canary, waves and gate as for a publish.
import { ClawError } from '../src/errors/claw-error.js';
import type { LifecycleEngine } from '../src/engines/lifecycle/lifecycle-engine.js';
import type { RolloutsEngine } from '../src/engines/rollouts/rollout-engine.js';
import type { Text } from '../src/i18n/locale.js';
import type { Principal } from '../src/model/principal.js';
import type { ScopeTarget } from '../src/model/scope.js';
import { defineCommand } from '../src/pipeline/command-spec.js';
import { ACTIVE_ROLLOUT_STATES } from '../src/store/entities/rollout.js';
import type { ResolvedScope } from '../src/store/resolved-scope.js';
import { versionNumber } from './support/config-scope.js';
import {
  approvalTargetsOf, rolloutRisk, rolloutScope, rolloutTarget, selectionText, selectViews, startRollout, strategyFlags, targetFlags, visibleRollout, type StartInput, type TargetArgs,
} from './support/rollouts.js';

export default defineCommand({
  words: ['config', 'rollback'],
  summary: { en: 'Roll claws back to an older config version, or undo a rollout', zh: '将实例回滚到旧配置版本，或撤销一次发布' },
  description: {
    en: '--to v12 moves the claws chosen (NAME..., --selector, --all) to version 12 of the templates, shared variables and their own values. --rollout 7 undoes rollout 7: each claw it moved goes back to the versions it ran before (an active rollout 7 is aborted first). Both are rollouts: checked first, then moved (by default all at once) behind the health gate; a failing rollback stops where it is.',
    zh: '--to v12 将所选实例（NAME...、--selector、--all）的模板、共享变量和实例自身变量都移到版本 12。--rollout 7 撤销发布 7：它变更过的每个实例恢复到变更前的版本（若发布 7 仍在进行，先中止它）。两者都是一次发布：先检查，再在健康检查下变更（默认一次全部）；回滚失败时停在原处。',
  },
  args: [{ name: 'names', kind: 'name', variadic: true, help: { en: 'Instance names (with --to; or --selector / --all)', zh: '实例名（配合 --to；或 --selector / --all）' } }],
  flags: {
    to: { kind: 'string', maxLength: 12, valueName: 'VERSION', help: { en: 'The version to go back to, e.g. v12', zh: '回滚到的版本，如 v12' } },
    rollout: { kind: 'int', min: 1, valueName: 'ID', help: { en: 'Undo this rollout', zh: '撤销该次发布' } },
    ...targetFlags, ...strategyFlags,
  },
  examples: ['claw config rollback --to v12 demo', 'claw config rollback --to v12 --all --canary 1', 'claw config rollback --rollout 7'],
  permission: 'config:apply',
  risk: 'write',
  riskOf: (input) => (input.flags.rollout !== undefined ? 'dangerous' : rolloutRisk(input)),
  scope: rolloutScope,
  engines: ['rollouts', 'lifecycle'],
  async targets(ctx) {
    if (ctx.flags['dry-run']) return [];
    const input = await inputOf(ctx, false);
    return approvalTargetsOf(input.views, input.to);
  },
  async handle(ctx) {
    return startRollout(ctx, await inputOf(ctx, true));
  },
});

interface RollbackContext {
  args: { names: string[] };
  flags: TargetArgs['flags'] & { to?: string | undefined; rollout?: number | undefined; 'dry-run': boolean };
  scope: ResolvedScope;
  actor: Principal;
  engines: { rollouts: RolloutsEngine; lifecycle: LifecycleEngine };
  t(text: Text, params?: Record<string, unknown>): string;
  authorize(permission: string, on: ScopeTarget): void;
}

/** What the rollback moves where; `act` aborts the rollout being undone when it is still active. */
async function inputOf(ctx: RollbackContext, act: boolean): Promise<StartInput> {
  const { flags } = ctx;
  const { names } = ctx.args;
  const { rollouts } = ctx.engines;
  if ((flags.to === undefined) === (flags.rollout === undefined)) {
    if (flags.to !== undefined) throw new ClawError('CLAW_ARG_CONFLICT', { a: '--to', b: '--rollout' });
    throw new ClawError('CLAW_ARG_MISSING', { what: { en: '--to VERSION (with the claws) or --rollout ID', zh: '--to 版本（并指定实例）或 --rollout 编号' } });
  }
  if (flags.rollout !== undefined) {
    if (names.length || flags.selector !== undefined || flags.all) throw new ClawError('CLAW_ARG_CONFLICT', { a: '--rollout', b: names.length ? 'NAME' : flags.all ? '--all' : '--selector' });
    const card = await visibleRollout(rollouts, ctx.actor, flags.rollout);
    ctx.authorize('config:apply', rolloutTarget(card));
    if (act && !flags['dry-run'] && ACTIVE_ROLLOUT_STATES.includes(card.rollout.state) && card.rollout.state !== 'RollingBack') await rollouts.abort(card.rollout.id, ctx.actor.name);
    const undo = await rollouts.undoPlanOf(flags.rollout);
    return {
      kind: 'rollback', views: undo.views, to: undo.to, versions: null, undoes: flags.rollout, selection: `--rollout ${flags.rollout}`,
      label: ctx.t({ en: 'the versions before rollout {id}', zh: '发布 {id} 之前的版本' }, { id: flags.rollout }),
    };
  }
  const version = versionNumber(flags.to!, '--to');
  const head = await rollouts.head();
  if (version < 1 || version > head) throw new ClawError('CLAW_NOT_FOUND', { kind: { en: 'Config version', zh: '配置版本' }, name: `v${version}` });
  const to = { config: version, values: version };
  return { kind: 'rollback', views: await selectViews(ctx), to, versions: to, label: `v${version}`, selection: `--to v${version} ${selectionText(ctx)}` };
}
