// claw start NAME | --selector S | --all: starts stopped instances (quota permitting).
import { actOnTargets, approvalTargets, batchRisk, targetScope } from './support/instance-actions.js';
import { defineCommand } from '../src/pipeline/command-spec.js';
import { allFlag, projectFlag, selectorFlag, tenantFlag, timeoutFlag, waitFlag } from '../src/pipeline/common-flags.js';

export default defineCommand({
  words: ['start'],
  summary: { en: 'Start stopped instances', zh: '启动已停止的实例' },
  args: [{ name: 'name', kind: 'name', help: { en: 'Instance name (or use --selector / --all)', zh: '实例名（或使用 --selector / --all）' } }],
  flags: { project: projectFlag, tenant: tenantFlag, selector: selectorFlag, all: allFlag, wait: waitFlag, timeout: timeoutFlag },
  examples: ['claw start demo', 'claw start --selector team=sales --wait'],
  permission: 'instance:start',
  risk: 'write',
  riskOf: batchRisk,
  scope: targetScope,
  engines: ['lifecycle'],
  targets: approvalTargets,
  async handle(ctx) {
    return actOnTargets(ctx, { en: 'Starting {name}', zh: '正在启动 {name}' }, async ({ instance }) =>
      instance.desiredPhase === 'Running' ? { note: { en: 'already running', zh: '已在运行' } } : { instance: await ctx.engines.lifecycle.start(instance, ctx.actor.name) });
  },
});
