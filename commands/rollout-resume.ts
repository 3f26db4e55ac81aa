// claw rollout resume ID: goes on after a pause, or promotes a canary that waits for it (the first wave starts).
import { defineCommand } from '../src/pipeline/command-spec.js';
import { projectFlag, tenantFlag } from '../src/pipeline/common-flags.js';
import { rolloutData } from '../src/render/rollout-views.js';
import { controlledRollout, rolloutIdArg, rolloutIdScope } from './support/rollouts.js';

export default defineCommand({
  words: ['rollout', 'resume'],
  summary: { en: 'Resume a paused rollout, or promote its healthy canary', zh: '继续已暂停的发布，或推进健康的金丝雀' },
  description: {
    en: 'A paused rollout goes on where it stopped. A rollout whose canary passed its check and waits (no --auto-promote) is promoted: the next waves follow.',
    zh: '已暂停的发布从停下处继续。金丝雀已通过检查并在等待（未设 --auto-promote）的发布会被推进：后续批次开始。',
  },
  args: [rolloutIdArg],
  flags: { tenant: tenantFlag, project: projectFlag },
  examples: ['claw rollout resume 7'],
  permission: 'config:apply',
  risk: 'write',
  scope: rolloutIdScope,
  engines: ['rollouts'],
  async handle(ctx) {
    const { rollouts } = ctx.engines;
    const card = await controlledRollout(ctx);
    const promoting = card.rollout.state === 'AwaitingPromotion';
    const { changed } = await rollouts.resume(ctx.args.id, ctx.actor.name);
    const now = await rollouts.card(ctx.args.id);
    const text = !changed
      ? ctx.t({ en: 'Rollout {id} is progressing already.', zh: '发布 {id} 已在进行中。' }, { id: ctx.args.id })
      : promoting
        ? ctx.t({ en: 'Rollout {id}: canary promoted, the next waves follow.', zh: '发布 {id}：金丝雀已推进，后续批次开始。' }, { id: ctx.args.id })
        : ctx.t({ en: 'Rollout {id} resumed.', zh: '发布 {id} 已继续。' }, { id: ctx.args.id });
    return { data: { changed, promoted: changed && promoting, rollout: rolloutData(now) }, view: { kind: 'message', tone: changed ? 'success' : 'info', text } };
  },
});
