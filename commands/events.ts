// claw events NAME: what happened to an instance, from the control plane and from the runtime, oldest first.
import { defineCommand } from '../src/pipeline/command-spec.js';
import { projectFlag, tenantFlag } from '../src/pipeline/common-flags.js';
import { scopeInstance, scopeProject, scopeTenant } from '../src/store/resolved-scope.js';
import { formatTime } from '../src/render/format.js';

export default defineCommand({
  words: ['events'],
  summary: { en: 'Show an instance\'s events', zh: '查看实例事件' },
  args: [{ name: 'name', kind: 'name', required: true, help: { en: 'Instance name', zh: '实例名' } }],
  flags: { project: projectFlag, tenant: tenantFlag },
  examples: ['claw events demo'],
  permission: 'instance:read',
  risk: 'read',
  scope: ({ args, flags }) => ({ kind: 'instance', instance: args.name, tenant: flags.tenant, project: flags.project }),
  engines: ['lifecycle'],
  async handle(ctx) {
    const view = { instance: scopeInstance(ctx.scope), tenant: scopeTenant(ctx.scope).name, project: scopeProject(ctx.scope).name };
    const events = await ctx.engines.lifecycle.events(view);
    return {
      data: { instance: view.instance.name, events: events.map((e) => ({ ...e, at: e.at.toISOString() })) },
      view: {
        kind: 'table',
        title: ctx.t({ en: 'Events of {name}', zh: '{name} 的事件' }, { name: view.instance.name }),
        columns: [
          { key: 'time', label: ctx.t({ en: 'Time', zh: '时间' }) },
          { key: 'type', label: ctx.t({ en: 'Type', zh: '类型' }) },
          { key: 'reason', label: ctx.t({ en: 'Reason', zh: '原因' }) },
          { key: 'source', label: ctx.t({ en: 'Source', zh: '来源' }) },
          { key: 'message', label: ctx.t({ en: 'Message', zh: '内容' }) },
        ],
        rows: events.map((e) => ({
          time: formatTime(e.at, ctx.locale), type: e.type, reason: e.reason, source: e.source,
          message: `${e.message}${e.count > 1 ? ` (x${e.count})` : ''}`,
        })),
        empty: ctx.t({ en: 'No events.', zh: '没有事件。' }),
      },
    };
  },
});
