// claw create NAME: a new claw instance; the reply says it is being created (with --wait or in chat: until Running).
import { waitForOne } from './support/instance-actions.js';
import { defineCommand } from '../src/pipeline/command-spec.js';
import { projectFlag, tenantFlag, timeoutFlag, waitFlag } from '../src/pipeline/common-flags.js';
import { scopeProject, scopeTenant } from '../src/store/resolved-scope.js';
import { instanceData, phaseTone, progressLine } from '../src/render/instance-views.js';

export default defineCommand({
  words: ['create'],
  summary: { en: 'Create a claw instance', zh: '创建实例' },
  description: {
    en: 'Creates the instance from a config template (configs/templates/) and starts it. Secret variables such as model.apiKey are encrypted at rest.',
    zh: '按配置模板（configs/templates/）创建实例并启动。model.apiKey 等密钥变量加密存储。',
  },
  args: [{ name: 'name', kind: 'name', required: true, maxLength: 50, help: { en: 'Instance name, unique in its project', zh: '实例名，在项目内唯一' } }],
  flags: {
    project: projectFlag,
    tenant: tenantFlag,
    type: { kind: 'name', help: { en: 'Claw type: openclaw or nanoclaw (default: instances.type, openclaw)', zh: '实例类型：openclaw 或 nanoclaw（默认取 instances.type，即 openclaw）' } },
    version: { kind: 'string', maxLength: 60, help: { en: 'Version of the claw (default: the adapter\'s)', zh: '实例版本（默认由适配器决定）' } },
    template: { kind: 'name', help: { en: 'Config template (default: default, or the template named after --type)', zh: '配置模板（默认 default，或与 --type 同名的模板）' } },
    set: { kind: 'kv', multiple: true, help: { en: 'Template variable, e.g. model.id=qwen3-32b (repeatable)', zh: '模板变量，如 model.id=qwen3-32b（可重复）' } },
    cpu: { kind: 'cpu', help: { en: 'CPU, e.g. 500m or 2', zh: 'CPU，如 500m 或 2' } },
    memory: { kind: 'bytes', help: { en: 'Memory, e.g. 2Gi', zh: '内存，如 2Gi' } },
    storage: { kind: 'bytes', help: { en: 'Size of each volume, e.g. 1Gi', zh: '每个存储卷的大小，如 1Gi' } },
    label: { kind: 'kv', multiple: true, help: { en: 'Label, e.g. team=sales (repeatable)', zh: '标签，如 team=sales（可重复）' } },
    wait: waitFlag,
    timeout: timeoutFlag,
  },
  examples: ['claw create demo', 'claw create sales-bot --template sales --label team=sales', 'claw create nano --type nanoclaw --set assistant.name=Nina', 'claw create demo --set model.baseUrl=http://llm:8000/v1 --set model.id=qwen3-32b --memory 4Gi --wait'],
  permission: 'instance:create',
  risk: 'write',
  scope: ({ flags }) => ({ kind: 'project', tenant: flags.tenant, project: flags.project }),
  engines: ['lifecycle'],
  async handle(ctx) {
    const { lifecycle } = ctx.engines;
    const tenant = scopeTenant(ctx.scope);
    const project = scopeProject(ctx.scope);
    let instance = await lifecycle.create({
      tenant, project, name: ctx.args.name, type: ctx.flags.type, version: ctx.flags.version, template: ctx.flags.template,
      set: Object.fromEntries(ctx.flags.set.map((kv) => [kv.key, kv.value])),
      cpu: ctx.flags.cpu?.text, memory: ctx.flags.memory?.text, storage: ctx.flags.storage?.text,
      labels: Object.fromEntries(ctx.flags.label.map((kv) => [kv.key, kv.value])),
      createdBy: ctx.actor.name,
    });
    const waiting = ctx.flags.wait || ctx.live;
    if (waiting) instance = await waitForOne(lifecycle, instance, ctx.flags.timeout, (line) => ctx.progress({ en: line, zh: line }), ctx.signal);
    const view = { instance, tenant: tenant.name, project: project.name };
    const where = `${tenant.name}/${project.name}`;
    const text = waiting
      ? progressLine(instance)
      : ctx.t({ en: 'Creating {name} in {where} ({type} {version}). Follow it with `claw status {name}`.', zh: '正在 {where} 中创建 {name}（{type} {version}）。可用 `claw status {name}` 查看进度。' }, {
        name: instance.name, where, type: instance.type, version: instance.version,
      });
    return { data: { instance: instanceData(view) }, view: { kind: 'message', tone: phaseTone(instance), text } };
  },
});
