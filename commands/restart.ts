// claw restart NAME | --selector S | --all: replaces the running pod or process with a new one.
import { actOnTargets, approvalTargets, batchRisk, targetScope } from './support/instance-actions.js';
import { defineCommand } from '../src/pipeline/command-spec.js';
import { allFlag, projectFlag, selectorFlag, tenantFlag, timeoutFlag, waitFlag } from '../src/pipeline/common-flags.js';

export default defineCommand({
  words: ['restart'],
  summary: { en: 'Restart running instances', zh: '重启运行中的实例' },
  args: [{ name: 'name', kind: 'name', help: { en: 'Instance name (or use --selector / --all)', zh: '实例名（或使用 --selector / --all）' } }],
  flags: { project: projectFlag, tenant: tenantFlag, selector: selectorFlag, all: allFlag, wait: waitFlag, timeout: timeoutFlag },
  examples: ['claw restart demo', 'claw restart --selector team=sales --wait'],
  permission: 'instance:restart',
  risk: 'write',
  riskOf: batchRisk,
  scope: targetScope,
  engines: ['lifecycle'],
  targets: approvalTargets,
  async handle(ctx) {
    return actOnTargets(ctx, { en: 'Restarting {name}', zh: '正在重启 {name}' }, async ({ instance }) => ({ instance: await ctx.engines.lifecycle.restart(instance, ctx.actor.name) }));
  },
});
