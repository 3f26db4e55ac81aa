// claw destroy NAME [--keep-data] | --selector S | --all: removes instances and everything they had (or all but their volumes).
import { actOnTargets, approvalTargets, targetScope } from './support/instance-actions.js';
import { defineCommand } from '../src/pipeline/command-spec.js';
import { allFlag, projectFlag, selectorFlag, tenantFlag, timeoutFlag, waitFlag } from '../src/pipeline/common-flags.js';

export default defineCommand({
  words: ['destroy'],
  summary: { en: 'Destroy instances and their data', zh: '销毁实例及其数据' },
  description: {
    en: 'Deletes the workload, config, secrets and volumes. With --keep-data the volumes stay, still labelled with the destroyed instance, for an operator to recover; a new instance never takes them over. The name can then be reused.',
    zh: '删除工作负载、配置、密钥和存储卷。加 --keep-data 则保留存储卷（仍标记为被销毁的实例，供运维人员恢复；新实例不会接管）。之后该名称可再次使用。',
  },
  args: [{ name: 'name', kind: 'name', help: { en: 'Instance name (or use --selector / --all)', zh: '实例名（或使用 --selector / --all）' } }],
  flags: {
    project: projectFlag, tenant: tenantFlag, selector: selectorFlag, all: allFlag,
    'keep-data': { kind: 'bool', help: { en: 'Keep the volumes', zh: '保留存储卷' } },
    wait: waitFlag, timeout: timeoutFlag,
  },
  examples: ['claw destroy demo', 'claw destroy demo --keep-data', 'claw destroy --selector env=test --wait'],
  permission: 'instance:delete',
  risk: 'dangerous',
  scope: targetScope,
  engines: ['lifecycle'],
  targets: approvalTargets,
  async handle(ctx) {
    return actOnTargets(ctx, { en: 'Destroying {name}', zh: '正在销毁 {name}' }, async ({ instance }) => ({
      instance: await ctx.engines.lifecycle.destroy(instance, ctx.flags['keep-data'], ctx.actor.name),
    }));
  },
});
