// claw stop NAME [--force] | --selector S | --all: stops instances gracefully, or at once with --force; keeps their data.
import { actOnTargets, approvalTargets, batchRisk, targetScope } from './support/instance-actions.js';
import { defineCommand } from '../src/pipeline/command-spec.js';
import { allFlag, projectFlag, selectorFlag, tenantFlag, timeoutFlag, waitFlag } from '../src/pipeline/common-flags.js';

export default defineCommand({
  words: ['stop'],
  summary: { en: 'Stop instances (keeps their data)', zh: '停止实例（保留数据）' },
  description: {
    en: 'A graceful stop lets the claw finish work in flight; --force kills it at once (grace period 0). Volumes, secrets and config stay; `claw start` brings it back.',
    zh: '正常停止会让实例完成进行中的工作；--force 立即终止（宽限期 0）。存储卷、密钥和配置保留；可用 `claw start` 恢复。',
  },
  args: [{ name: 'name', kind: 'name', help: { en: 'Instance name (or use --selector / --all)', zh: '实例名（或使用 --selector / --all）' } }],
  flags: {
    project: projectFlag, tenant: tenantFlag, selector: selectorFlag, all: allFlag,
    force: { kind: 'bool', short: 'f', help: { en: 'Kill at once, without the grace period', zh: '立即终止，不等待宽限期' } },
    wait: waitFlag, timeout: timeoutFlag,
  },
  examples: ['claw stop demo', 'claw stop alice --force', 'claw stop --selector team=sales'],
  permission: 'instance:stop',
  risk: 'write',
  riskOf: batchRisk,
  scope: targetScope,
  engines: ['lifecycle'],
  targets: approvalTargets,
  async handle(ctx) {
    const verb = ctx.flags.force ? { en: 'Killing {name}', zh: '正在强制停止 {name}' } : { en: 'Stopping {name}', zh: '正在停止 {name}' };
    return actOnTargets(ctx, verb, async ({ instance }) =>
      instance.desiredPhase === 'Stopped' && (instance.stopForce || !ctx.flags.force)
        ? { note: { en: 'already stopped', zh: '已停止' } }
        : { instance: await ctx.engines.lifecycle.stop(instance, ctx.flags.force, ctx.actor.name) });
  },
});
