// claw rollout abort ID: stops a rollout where it is; claws moved so far keep their new config (roll them back with
// `claw config rollback --rollout ID`), the rest are never moved.
import { defineCommand } from '../src/pipeline/command-spec.js';
import { projectFlag, tenantFlag } from '../src/pipeline/common-flags.js';
import { rolloutData } from '../src/render/rollout-views.js';
import { controlledRollout, rolloutIdArg, rolloutIdScope } from './support/rollouts.js';

export default defineCommand({
  words: ['rollout', 'abort'],
  summary: { en: 'Stop a rollout where it is', zh: '在当前位置中止发布' },
  description: {
    en: 'No further claw moves. Claws moved so far keep their new config (nothing is rolled back: `claw config rollback --rollout ID` does that); claws not reached keep theirs.',
    zh: '不再变更任何实例。已变更的实例保持新配置（不会自动回滚：可用 `claw config rollback --rollout 编号` 回滚）；未变更的实例保持原配置。',
  },
  args: [rolloutIdArg],
  flags: { tenant: tenantFlag, project: projectFlag },
  examples: ['claw rollout abort 7'],
  permission: 'config:apply',
  risk: 'write',
  scope: rolloutIdScope,
  engines: ['rollouts'],
  async handle(ctx) {
    const { rollouts } = ctx.engines;
    await controlledRollout(ctx);
    const { moved, untouched } = await rollouts.abort(ctx.args.id, ctx.actor.name);
    const now = await rollouts.card(ctx.args.id);
    const text = ctx.t({
      en: 'Rollout {id} aborted: {moved} claw(s) moved keep their new config, {untouched} were never moved. To undo the moved ones: `claw config rollback --rollout {id}`.',
      zh: '发布 {id} 已中止：已变更的 {moved} 个实例保持新配置，{untouched} 个未变更。如需撤销已变更的实例：`claw config rollback --rollout {id}`。',
    }, { id: ctx.args.id, moved, untouched });
    return { data: { moved, untouched, rollout: rolloutData(now) }, view: { kind: 'message', tone: 'warning', text } };
  },
});
