// claw update NAME: changes an instance's spec (version, template variables, resources, labels); the reconciler applies it
// in place where the claw can take it (ConfigReloaded), else replaces the workload.
import { waitForOne } from './support/instance-actions.js';
import { ClawError } from '../src/errors/claw-error.js';
import { defineCommand } from '../src/pipeline/command-spec.js';
import { projectFlag, tenantFlag, timeoutFlag, waitFlag } from '../src/pipeline/common-flags.js';
import { scopeInstance, scopeProject, scopeTenant } from '../src/store/resolved-scope.js';
import { instanceData, phaseTone, progressLine } from '../src/render/instance-views.js';

export default defineCommand({
  words: ['update'],
  summary: { en: 'Change an instance\'s version, config or resources', zh: '修改实例的版本、配置或资源' },
  args: [{ name: 'name', kind: 'name', required: true, help: { en: 'Instance name', zh: '实例名' } }],
  flags: {
    project: projectFlag,
    tenant: tenantFlag,
    version: { kind: 'string', maxLength: 60, help: { en: 'New version', zh: '新版本' } },
    set: { kind: 'kv', multiple: true, help: { en: 'Template variable to set (repeatable)', zh: '要设置的模板变量（可重复）' } },
    unset: { kind: 'string', multiple: true, maxLength: 100, help: { en: 'Template variable back to its default (repeatable)', zh: '恢复为默认值的模板变量（可重复）' } },
    cpu: { kind: 'cpu', help: { en: 'CPU', zh: 'CPU' } },
    memory: { kind: 'bytes', help: { en: 'Memory', zh: '内存' } },
    label: { kind: 'kv', multiple: true, help: { en: 'Label to add or change (repeatable)', zh: '要添加或修改的标签（可重复）' } },
    wait: waitFlag,
    timeout: timeoutFlag,
  },
  examples: ['claw update demo --set model.id=qwen3-72b', 'claw update demo --memory 4Gi --wait', 'claw update demo --version 2026.9.6'],
  permission: 'instance:update',
  risk: 'write',
  scope: ({ args, flags }) => ({ kind: 'instance', instance: args.name, tenant: flags.tenant, project: flags.project }),
  engines: ['lifecycle'],
  async targets(ctx) {
    const i = scopeInstance(ctx.scope);
    return [{ kind: 'instance', id: i.id, name: `${scopeProject(ctx.scope).name}/${i.name}`, version: i.generation }];
  },
  async handle(ctx) {
    const f = ctx.flags;
    if (!f.version && !f.set.length && !f.unset.length && !f.cpu && !f.memory && !f.label.length) {
      throw new ClawError('CLAW_ARG_MISSING', { what: { en: 'a change (--version, --set, --unset, --cpu, --memory or --label)', zh: '要修改的内容（--version、--set、--unset、--cpu、--memory 或 --label）' } });
    }
    const { lifecycle } = ctx.engines;
    let instance = await lifecycle.update(scopeInstance(ctx.scope), {
      version: f.version, set: Object.fromEntries(f.set.map((kv) => [kv.key, kv.value])), unset: f.unset,
      cpu: f.cpu?.text, memory: f.memory?.text, labels: Object.fromEntries(f.label.map((kv) => [kv.key, kv.value])),
    }, ctx.actor.name);
    if (f.wait || ctx.live) instance = await waitForOne(lifecycle, instance, f.timeout, (line) => ctx.progress({ en: line, zh: line }), ctx.signal);
    const view = { instance, tenant: scopeTenant(ctx.scope).name, project: scopeProject(ctx.scope).name };
    return {
      data: { instance: instanceData(view) },
      view: {
        kind: 'message', tone: phaseTone(instance),
        text: f.wait || ctx.live ? progressLine(instance) : ctx.t({ en: 'Updated {name}; the change is being applied (in place where the claw can take it, else by a restart).', zh: '已更新 {name}，正在应用变更（实例能热加载的就地生效，否则重启）。' }, { name: instance.name }),
      },
    };
  },
});
