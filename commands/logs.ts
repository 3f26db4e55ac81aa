// claw logs NAME: the claw's recent log lines (--tail, --since, --previous for the run before a crash).
import { defineCommand } from '../src/pipeline/command-spec.js';
import { projectFlag, tenantFlag } from '../src/pipeline/common-flags.js';
import { scopeInstance, scopeProject, scopeTenant } from '../src/store/resolved-scope.js';

export default defineCommand({
  words: ['logs'],
  summary: { en: 'Show an instance\'s logs', zh: '查看实例日志' },
  args: [{ name: 'name', kind: 'name', required: true, help: { en: 'Instance name', zh: '实例名' } }],
  flags: {
    project: projectFlag,
    tenant: tenantFlag,
    // Clamped, not refused: asking for more lines than are kept simply gets them all, as it always has.
    tail: { kind: 'int', min: 1, max: 5000, clamp: true, help: { en: 'Last N lines (default 100)', zh: '最后 N 行（默认 100）' } },
    since: { kind: 'duration', help: { en: 'Only lines from the last DURATION, e.g. 1h', zh: '只看最近一段时间，如 1h' } },
    previous: { kind: 'bool', short: 'p', help: { en: 'The previous run (before the last crash or restart)', zh: '上一次运行（崩溃或重启之前）的日志' } },
  },
  examples: ['claw logs demo', 'claw logs demo --tail 50 --since 1h', 'claw logs demo --previous'],
  permission: 'instance:logs',
  risk: 'read',
  scope: ({ args, flags }) => ({ kind: 'instance', instance: args.name, tenant: flags.tenant, project: flags.project }),
  engines: ['lifecycle'],
  async handle(ctx) {
    const view = { instance: scopeInstance(ctx.scope), tenant: scopeTenant(ctx.scope).name, project: scopeProject(ctx.scope).name };
    const tail = ctx.flags.tail ?? 100;
    const lines = await ctx.engines.lifecycle.logs(view, {
      tail, previous: ctx.flags.previous, ...(ctx.flags.since !== undefined ? { sinceSeconds: Math.ceil(ctx.flags.since / 1000) } : {}),
    });
    const text = lines.length ? lines.join('\n') : ctx.t({ en: 'No log lines (yet).', zh: '（暂无日志）' });
    return { data: { instance: view.instance.name, lines }, view: { kind: 'message', text } };
  },
});
