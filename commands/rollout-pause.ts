// claw rollout pause ID: no further claw moves until `claw rollout resume`; claws moving now finish their move.
import { defineCommand } from '../src/pipeline/command-spec.js';
import { projectFlag, tenantFlag } from '../src/pipeline/common-flags.js';
import { rolloutData } from '../src/render/rollout-views.js';
import { controlledRollout, rolloutIdArg, rolloutIdScope } from './support/rollouts.js';

export default defineCommand({
  words: ['rollout', 'pause'],
  summary: { en: 'Pause a rollout', zh: '暂停发布' },
  description: {
    en: 'Claws already moving finish their move and are still checked; no further claw moves until `claw rollout resume`. A claw that fails its check still rolls the rollout back.',
    zh: '正在变更的实例完成变更并继续接受检查；在 `claw rollout resume` 之前不再变更其他实例。若有实例未通过检查，发布仍会回滚。',
  },
  args: [rolloutIdArg],
  flags: { tenant: tenantFlag, project: projectFlag },
  examples: ['claw rollout pause 7'],
  permission: 'config:apply',
  risk: 'write',
  scope: rolloutIdScope,
  engines: ['rollouts'],
  async handle(ctx) {
    const { rollouts } = ctx.engines;
    await controlledRollout(ctx);
    const { changed } = await rollouts.pause(ctx.args.id, ctx.actor.name);
    const now = await rollouts.card(ctx.args.id);
    const text = changed
      ? ctx.t({ en: 'Rollout {id} paused: no further claw moves until `claw rollout resume {id}`.', zh: '发布 {id} 已暂停：在 `claw rollout resume {id}` 之前不再变更实例。' }, { id: ctx.args.id })
      : ctx.t({ en: 'Rollout {id} is paused already.', zh: '发布 {id} 已处于暂停状态。' }, { id: ctx.args.id });
    return { data: { changed, rollout: rolloutData(now) }, view: { kind: 'message', tone: changed ? 'warning' : 'info', text } };
  },
});
