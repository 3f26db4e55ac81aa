// claw config publish NAME... | --selector S | --all [--canary ...] [--max-unavailable ...] [--auto-promote D]: moves claws
// to the newest config version as a rollout (canary first, a health gate, then waves); --dry-run shows the plan.
import { defineCommand } from '../src/pipeline/command-spec.js';
import { approvalTargetsOf, rolloutRisk, rolloutScope, selectionText, selectViews, startRollout, strategyFlags, targetFlags } from './support/rollouts.js';

export default defineCommand({
  words: ['config', 'publish'],
  summary: { en: 'Publish the newest config to claws, as a rollout', zh: '将最新配置发布到实例（灰度发布）' },
  description: {
    en: 'Config changes reach no running claw until they are published. Every claw is checked first (nothing moves if any cannot take the config); then the canary moves and must be running and ready at its new config within the health timeout, without crash-looping; then the rest, wave by wave. A claw that fails the gate stops the rollout and moves every claw it moved back. Progress: `claw rollout status`, and a card in chat. Over the tenant\'s batch threshold it waits for approval.',
    zh: '配置修改在发布前不会下发到运行中的实例。先逐个检查所有目标实例（任何一个无法接受该配置则什么都不变）；然后变更金丝雀实例，它须在健康检查超时前以新配置运行并就绪且不反复崩溃；再分批变更其余实例。任何实例未通过检查，发布即停止，并将已变更的实例恢复原配置。进度：`claw rollout status`，聊天中有进度卡片。超过租户批量阈值时需要审批。',
  },
  args: [{ name: 'names', kind: 'name', variadic: true, help: { en: 'Instance names (or use --selector / --all)', zh: '实例名（或使用 --selector / --all）' } }],
  flags: { ...targetFlags, ...strategyFlags },
  examples: [
    'claw config publish demo',
    'claw config publish --all --canary 10% --auto-promote 10m',
    'claw config publish --selector team=sales --canary demo,demo2 --max-unavailable 20%',
    'claw config publish --all --project web --dry-run',
  ],
  permission: 'config:apply',
  risk: 'write',
  riskOf: rolloutRisk,
  scope: rolloutScope,
  engines: ['rollouts', 'lifecycle'],
  async targets(ctx) {
    if (ctx.flags['dry-run']) return [];
    return approvalTargetsOf(await selectViews(ctx), await headAt(ctx.engines.rollouts));
  },
  async handle(ctx) {
    const to = await headAt(ctx.engines.rollouts);
    return startRollout(ctx, { kind: 'publish', views: await selectViews(ctx), to, versions: to, label: `v${to.config}`, selection: selectionText(ctx) });
  },
});

async function headAt(rollouts: { head(): Promise<number> }): Promise<{ config: number; values: number }> {
  const head = await rollouts.head();
  return { config: head, values: head };
}
