// claw status [NAME]: a table of instances (filter by --project, --selector, --phase), or the detail of one.
import { defineCommand } from '../src/pipeline/command-spec.js';
import { projectFlag, selectorFlag, tenantFlag } from '../src/pipeline/common-flags.js';
import { scopeTenant } from '../src/store/resolved-scope.js';
import { instanceData, instanceDetail, instanceTable } from '../src/render/instance-views.js';
import type { ResourceUsage } from '../src/runtime/runtime.js';

const PHASES = ['creating', 'running', 'stopped', 'failed'] as const;
const PHASE_NAMES = { creating: 'Creating', running: 'Running', stopped: 'Stopped', failed: 'Failed' } as const;
/** A chat card or a terminal holds about this many rows; the counts in the footer cover the rest. */
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

/** The latest sample beside the instance's fields, for API clients; absent without a recent one. */
function withUsage<T extends object>(data: T, u: ResourceUsage | undefined): T & { usage?: { cpuMillicores: number; memoryBytes: number; sampledAt: string } } {
  return u ? { ...data, usage: { cpuMillicores: u.cpuMillicores, memoryBytes: u.memoryBytes, sampledAt: u.sampledAt.toISOString() } } : data;
}

export default defineCommand({
  words: ['status'],
  summary: { en: 'Show instances and their state', zh: '查看实例及其状态' },
  args: [{ name: 'name', kind: 'name', help: { en: 'One instance for the detail view', zh: '查看单个实例的详情' } }],
  flags: {
    project: projectFlag,
    tenant: tenantFlag,
    selector: selectorFlag,
    phase: { kind: 'enum', values: PHASES, help: { en: 'Only instances in this phase', zh: '只看该状态的实例' } },
    limit: { kind: 'int', min: 1, max: MAX_LIMIT, help: { en: `Rows per page (default ${DEFAULT_LIMIT})`, zh: `每页行数（默认 ${DEFAULT_LIMIT}）` } },
    offset: { kind: 'int', min: 0, help: { en: 'Skip this many rows (with --limit: the next page)', zh: '跳过前面若干行（配合 --limit 翻页）' } },
  },
  examples: ['claw status', 'claw status demo', 'claw status --selector team=sales --phase failed', 'claw status --limit 20 --offset 20'],
  permission: 'instance:read',
  risk: 'read',
  scope: ({ args, flags }) =>
    args.name
      ? { kind: 'instance', instance: args.name, tenant: flags.tenant, project: flags.project }
      : flags.project ? { kind: 'project', tenant: flags.tenant, project: flags.project } : { kind: 'tenant', tenant: flags.tenant },
  engines: ['lifecycle', 'usage'],
  async handle(ctx) {
    const { lifecycle } = ctx.engines;
    if (ctx.scope.kind === 'instance') {
      const view = { instance: ctx.scope.instance, tenant: ctx.scope.tenant.name, project: ctx.scope.project.name };
      // Events come from the runtime too; if it does not answer, the status from the database is still worth showing.
      const events = await lifecycle.events(view).catch(() => []);
      // Measured now; a runtime that cannot say leaves the line out rather than fail the status.
      const measured = await lifecycle.resourceUse([view]).catch(() => undefined);
      const use = measured && (measured.available ? measured.byInstance.get(view.instance.id) : measured.reason);
      const usage = use && 'cpuMillicores' in use ? { cpuMillicores: use.cpuMillicores, memoryBytes: use.memoryBytes, sampledAt: use.sampledAt.toISOString() } : undefined;
      return {
        data: { instance: instanceData(view), events: events.slice(-5), ...(usage ? { usage } : {}) },
        view: instanceDetail(view, events, ctx.locale, use),
      };
    }
    const tenant = scopeTenant(ctx.scope);
    const limit = ctx.flags.limit ?? DEFAULT_LIMIT;
    const offset = ctx.flags.offset ?? 0;
    const { views, total, counts } = await lifecycle.page(
      {
        tenant, ...(ctx.scope.kind === 'project' ? { project: ctx.scope.project } : {}),
        ...(ctx.flags.selector ? { selector: ctx.flags.selector } : {}), ...(ctx.flags.phase ? { phase: PHASE_NAMES[ctx.flags.phase as (typeof PHASES)[number]] } : {}),
      },
      { limit, offset },
    );
    // What the running ones use, from the collector's latest samples: one query for the page, never the runtime.
    const use = await ctx.engines.usage.latestResources(views.filter((v) => v.instance.phase === 'Running').map((v) => v.instance.id));
    const table = instanceTable(views, ctx.t, ctx.t({ en: 'No instances. Create one with `claw create NAME`.', zh: '没有实例。用 `claw create 名称` 创建一个。' }), use);
    const footer: string[] = [];
    if (total > 1) footer.push(Object.entries(counts).map(([phase, n]) => `${phase} ${n}`).join(', '));
    const next = offset + views.length;
    if (views.length > 0 && (offset > 0 || next < total)) {
      const range = { from: offset + 1, to: next, total };
      footer.push(next < total
        ? ctx.t({ en: 'rows {from}-{to} of {total}; --offset {next} for more', zh: '第 {from}-{to} 行，共 {total} 行；用 --offset {next} 看下一页' }, { ...range, next })
        : ctx.t({ en: 'rows {from}-{to} of {total}', zh: '第 {from}-{to} 行，共 {total} 行' }, range));
    }
    // A runtime that cannot isolate claws here says so where people look first.
    const isolation = lifecycle.isolation();
    if (isolation.reason) footer.push(ctx.t(isolation.reason));
    if (footer.length) table.footer = footer.join(' · ');
    return {
      data: { tenant: tenant.name, instances: views.map((v) => withUsage(instanceData(v), use.get(v.instance.id))), counts, total, offset, limit, isolation: { mode: isolation.mode, ...(isolation.reason ? { reason: ctx.t(isolation.reason) } : {}) } },
      view: table,
    };
  },
});
