// claw config check [NAME]: asks the running claws in scope which config they run and lists those that drifted from
// the one the control plane generated (which paths differ, never values); the leader also checks every 5 minutes.
import type { DriftEntry, DriftState } from '../src/engines/lifecycle/lifecycle-engine.js';
import { defineCommand } from '../src/pipeline/command-spec.js';
import { projectFlag, tenantFlag } from '../src/pipeline/common-flags.js';
import type { Text } from '../src/i18n/locale.js';

const STATE: Record<DriftState, Text> = {
  'in-sync': { en: 'in sync', zh: '一致' },
  drifted: { en: 'drifted', zh: '已漂移' },
  pending: { en: 'applying a change', zh: '变更生效中' },
  unknown: { en: 'unknown', zh: '未知' },
};

function entryData(e: DriftEntry) {
  return {
    instance: e.name, project: e.project, tenant: e.tenant, state: e.state, paths: e.paths, unapplied: e.unapplied,
    ...(e.source ? { source: e.source } : {}), ...(e.detail ? { detail: e.detail } : {}), checkedAt: e.checkedAt.toISOString(),
    ...(e.since ? { since: e.since.toISOString() } : {}),
  };
}

export default defineCommand({
  words: ['config', 'check'],
  summary: { en: 'Find claws whose running config drifted from the desired one', zh: '找出运行配置与期望配置不一致的实例' },
  description: {
    en: 'Asks each running claw in scope for the config it runs (OpenClaw: admin RPC config.get; other claws: the files the runtime holds) and compares it with the config the control plane generates. '
      + 'Lists drifted claws with the paths that differ (never values), claws still applying a change, and claws that did not answer. A drift raises the config-drift alert; the next reconcile rewrites the files.',
    zh: '向范围内每个运行中的实例询问其正在运行的配置（OpenClaw 通过管理 RPC config.get；其他实例读取运行时持有的文件），与控制面生成的配置比较。'
      + '列出配置漂移的实例及不同的路径（不显示取值）、正在应用变更的实例和没有应答的实例。漂移会触发 config-drift 告警；下一次调和会重写文件。',
  },
  args: [{ name: 'name', kind: 'name', help: { en: 'One instance (default: every running instance in scope)', zh: '单个实例（默认：范围内所有运行中的实例）' } }],
  flags: { project: projectFlag, tenant: tenantFlag },
  examples: ['claw config check', 'claw config check demo', 'claw config check --project sales'],
  permission: 'config:read',
  risk: 'read',
  scope: ({ args, flags }) =>
    args.name
      ? { kind: 'instance', instance: args.name, tenant: flags.tenant, project: flags.project }
      : flags.project ? { kind: 'project', tenant: flags.tenant, project: flags.project } : { kind: 'tenant', tenant: flags.tenant },
  engines: ['lifecycle'],
  async handle(ctx) {
    const scope = ctx.scope;
    const filter = scope.kind === 'instance' ? { tenantId: scope.tenant.id, projectId: scope.project.id, instanceId: scope.instance.id }
      : scope.kind === 'project' ? { tenantId: scope.tenant.id, projectId: scope.project.id }
        : scope.kind === 'tenant' ? { tenantId: scope.tenant.id } : {};
    const entries = await ctx.engines.lifecycle.checkConfig(filter, ctx.signal);
    const shown = entries.filter((e) => e.state !== 'in-sync');
    const drifted = entries.filter((e) => e.state === 'drifted').length;
    const where = scope.kind === 'instance' ? `${scope.project.name}/${scope.instance.name}`
      : scope.kind === 'project' ? `${scope.tenant.name}/${scope.project.name}` : scope.kind === 'tenant' ? scope.tenant.name : '';
    const differs = (e: DriftEntry): string => {
      if (e.state === 'unknown') return e.detail ?? '';
      if (e.state === 'pending') return ctx.t({ en: 'the reconciler is applying a change', zh: '调和器正在应用变更' });
      const paths = e.paths.join(', ');
      const unapplied = e.unapplied ? ctx.t({ en: 'holds a config it has not applied', zh: '持有尚未生效的配置' }) : '';
      return [paths, unapplied].filter(Boolean).join('; ');
    };
    return {
      data: { scope: where, checked: entries.length, drifted, claws: entries.map(entryData) },
      view: {
        kind: 'table',
        columns: [
          { key: 'instance', label: ctx.t({ en: 'Instance', zh: '实例' }) },
          { key: 'project', label: ctx.t({ en: 'Project', zh: '项目' }) },
          { key: 'state', label: ctx.t({ en: 'Config', zh: '配置' }) },
          { key: 'differs', label: ctx.t({ en: 'Differs at', zh: '不同之处' }) },
        ],
        rows: shown.map((e) => ({ instance: e.name, project: e.project, state: ctx.t(STATE[e.state]), differs: differs(e) })),
        empty: entries.length
          ? ctx.t({ en: '{n} running claws in {where} run their desired config.', zh: '{where} 中 {n} 个运行中的实例均运行期望配置。' }, { n: entries.length, where })
          : ctx.t({ en: 'No running claws in {where}.', zh: '{where} 中没有运行中的实例。' }, { where }),
        footer: ctx.t({ en: '{n} checked, {drifted} drifted', zh: '已检查 {n} 个，{drifted} 个漂移' }, { n: entries.length, drifted }),
      },
    };
  },
});
