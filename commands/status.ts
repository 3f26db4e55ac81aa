// claw status [NAME]: a table of instances (filter by --project, --selector, --phase), or the detail of one.
import { defineCommand } from '../src/pipeline/command-spec.js';
import { projectFlag, selectorFlag, tenantFlag } from '../src/pipeline/common-flags.js';
import { scopeTenant } from '../src/pipeline/scope.js';
import { instanceData, instanceDetail, instanceTable } from '../src/render/instance-views.js';

const PHASES = ['creating', 'running', 'stopped', 'failed'] as const;
const PHASE_NAMES = { creating: 'Creating', running: 'Running', stopped: 'Stopped', failed: 'Failed' } as const;

export default defineCommand({
  words: ['status'],
  summary: { en: 'Show instances and their state', zh: '查看实例及其状态' },
  args: [{ name: 'name', kind: 'name', help: { en: 'One instance for the detail view', zh: '查看单个实例的详情' } }],
  flags: {
    project: projectFlag,
    tenant: tenantFlag,
    selector: selectorFlag,
    phase: { kind: 'enum', values: PHASES, help: { en: 'Only instances in this phase', zh: '只看该状态的实例' } },
  },
  examples: ['claw status', 'claw status demo', 'claw status --selector team=sales --phase failed'],
  permission: 'instance:read',
  risk: 'read',
  scope: ({ args, flags }) =>
    args.name
      ? { kind: 'instance', instance: args.name, tenant: flags.tenant, project: flags.project }
      : flags.project ? { kind: 'project', tenant: flags.tenant, project: flags.project } : { kind: 'tenant', tenant: flags.tenant },
  engines: ['lifecycle'],
  async handle(ctx) {
    const { lifecycle } = ctx.engines;
    if (ctx.scope.kind === 'instance') {
      const view = { instance: ctx.scope.instance, tenant: ctx.scope.tenant.name, project: ctx.scope.project.name };
      // Events come from the runtime too; if it does not answer, the status from the database is still worth showing.
      const events = await lifecycle.events(view).catch(() => []);
      return { data: { instance: instanceData(view), events: events.slice(-5) }, view: instanceDetail(view, events, ctx.locale) };
    }
    const tenant = scopeTenant(ctx.scope);
    const views = await lifecycle.list({
      tenant, ...(ctx.scope.kind === 'project' ? { project: ctx.scope.project } : {}),
      ...(ctx.flags.selector ? { selector: ctx.flags.selector } : {}), ...(ctx.flags.phase ? { phase: PHASE_NAMES[ctx.flags.phase as (typeof PHASES)[number]] } : {}),
    });
    const counts = views.reduce<Record<string, number>>((acc, v) => ({ ...acc, [v.instance.phase]: (acc[v.instance.phase] ?? 0) + 1 }), {});
    const table = instanceTable(views, ctx.t, ctx.t({ en: 'No instances. Create one with `claw create NAME`.', zh: '没有实例。用 `claw create 名称` 创建一个。' }));
    if (views.length > 1) table.footer = Object.entries(counts).map(([phase, n]) => `${phase} ${n}`).join(', ');
    return { data: { tenant: tenant.name, instances: views.map(instanceData), counts }, view: table };
  },
});
