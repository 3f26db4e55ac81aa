// claw top: the busiest running claws now, by CPU then memory, with what each uses against its limits.
import { defineCommand } from '../src/pipeline/command-spec.js';
import { projectFlag, selectorFlag, tenantFlag } from '../src/pipeline/common-flags.js';
import { scopeTenant } from '../src/store/resolved-scope.js';
import { usedOfLimit } from '../src/render/instance-views.js';

const DEFAULT_LIMIT = 10;

export default defineCommand({
  words: ['top'],
  summary: { en: 'Show the busiest claws now: CPU and memory in use', zh: '查看当前最忙的实例：实际 CPU 和内存用量' },
  description: {
    en: 'Measured now: on the local runtime from each claw\'s processes, on Kubernetes from metrics.k8s.io (metrics-server). A claw that just started may have no sample yet.',
    zh: '实时测量：本地运行时读取实例的进程，Kubernetes 上读取 metrics.k8s.io（metrics-server）。刚启动的实例可能暂无数据。',
  },
  args: [],
  flags: {
    project: projectFlag,
    tenant: tenantFlag,
    selector: selectorFlag,
    limit: { kind: 'int', min: 1, max: 100, help: { en: `Rows (default ${DEFAULT_LIMIT})`, zh: `行数（默认 ${DEFAULT_LIMIT}）` } },
  },
  examples: ['claw top', 'claw top --project sales --limit 20'],
  permission: 'instance:read',
  risk: 'read',
  scope: ({ flags }) => (flags.project ? { kind: 'project', tenant: flags.tenant, project: flags.project } : { kind: 'tenant', tenant: flags.tenant }),
  engines: ['lifecycle'],
  async handle(ctx) {
    const { lifecycle } = ctx.engines;
    const tenant = scopeTenant(ctx.scope);
    const views = await lifecycle.list({
      tenant, phase: 'Running', ...(ctx.scope.kind === 'project' ? { project: ctx.scope.project } : {}), ...(ctx.flags.selector ? { selector: ctx.flags.selector } : {}),
    });
    const use = await lifecycle.resourceUse(views);
    if (!use.available) {
      return { data: { tenant: tenant.name, available: false, reason: ctx.t(use.reason) }, view: { kind: 'message', tone: 'warning', text: ctx.t(use.reason) } };
    }
    const measured = views
      .flatMap((v) => {
        const u = use.byInstance.get(v.instance.id);
        return u ? [{ view: v, use: u }] : [];
      })
      .sort((a, b) => b.use.cpuMillicores - a.use.cpuMillicores || b.use.memoryBytes - a.use.memoryBytes);
    const shown = measured.slice(0, ctx.flags.limit ?? DEFAULT_LIMIT);
    const unsampled = views.length - measured.length;
    const footer = unsampled > 0 ? ctx.t({ en: '{n} running without a sample yet', zh: '{n} 个运行中的实例暂无数据' }, { n: unsampled }) : undefined;
    return {
      data: {
        tenant: tenant.name,
        available: true,
        instances: shown.map(({ view, use: u }) => ({
          name: view.instance.name, project: view.project, cpuMillicores: u.cpuMillicores, memoryBytes: u.memoryBytes,
          cpuLimit: view.instance.cpu, memoryLimit: view.instance.memory, sampledAt: u.sampledAt.toISOString(),
        })),
        running: views.length,
      },
      view: {
        kind: 'table',
        columns: [
          { key: 'name', label: ctx.t({ en: 'Name', zh: '名称' }) },
          { key: 'project', label: ctx.t({ en: 'Project', zh: '项目' }) },
          { key: 'cpu', label: ctx.t({ en: 'CPU (used / limit)', zh: 'CPU（已用 / 上限）' }), align: 'right' },
          { key: 'memory', label: ctx.t({ en: 'Memory (used / limit)', zh: '内存（已用 / 上限）' }), align: 'right' },
        ],
        rows: shown.map(({ view, use: u }) => ({
          name: view.instance.name, project: view.project,
          cpu: usedOfLimit(u.cpuMillicores, view.instance.cpu, 'cpu'), memory: usedOfLimit(u.memoryBytes, view.instance.memory, 'bytes'),
        })),
        empty: ctx.t({ en: 'No running instances to measure.', zh: '没有可测量的运行中实例。' }),
        ...(footer ? { footer } : {}),
      },
    };
  },
});
