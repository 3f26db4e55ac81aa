// claw config get KEY --instance NAME [--explain]: the value a claw runs for one variable and, with --explain, what
// every layer says about it (template default < global < tenant < project < instance). At a shared scope: its own value.
import { ClawError } from '../src/errors/claw-error.js';
import { closest } from '../src/util/suggest.js';
import { defineCommand } from '../src/pipeline/command-spec.js';
import { configScope, configScopeFlags, layerText, scopeLabel, sourceText, variableScope } from './support/config-scope.js';

export default defineCommand({
  words: ['config', 'get'],
  summary: { en: 'Show one config variable, and where its value comes from', zh: '查看单个配置变量及其取值来源' },
  args: [{ name: 'name', kind: 'string', maxLength: 100, required: true, help: { en: 'Variable name', zh: '变量名' } }],
  flags: {
    ...configScopeFlags,
    explain: { kind: 'bool', help: { en: 'Every layer\'s value, lowest first, and which one wins', zh: '按优先级列出每一层的值及最终生效者' } },
  },
  examples: ['claw config get model.baseUrl --instance demo --explain', 'claw config get model.apiKey --tenant acme'],
  permission: 'config:read',
  risk: 'read',
  scope: configScope,
  engines: ['config', 'lifecycle'],
  async handle(ctx) {
    const { config, lifecycle } = ctx.engines;
    const name = ctx.args.name;
    if (ctx.scope.kind !== 'instance') {
      const ref = variableScope(ctx.scope, lifecycle);
      const entry = (await config.list(ref)).find((e) => e.name === name);
      const where = scopeLabel(ref, ctx.t);
      return {
        data: { scope: ref.scope, name: ref.name, variable: entry ?? null },
        view: {
          kind: 'message', tone: entry ? 'info' : 'warning',
          text: entry
            ? ctx.t({ en: '{name} = {value} at {where} (v{since}, {by})', zh: '{where}：{name} = {value}（v{since}，{by}）' }, { name, value: entry.shown, where, since: entry.since, by: entry.setBy })
            : ctx.t({ en: '{name} is not set at {where}; see an instance\'s value with --instance NAME --explain.', zh: '{where}没有设置 {name}；查看实例的取值请用 --instance NAME --explain。' }, { name, where }),
        },
      };
    }
    const { instance, tenant, project } = ctx.scope;
    const all = await config.explain(instance, { tenant: tenant.name, project: project.name, instance: instance.name });
    const e = all.find((x) => x.name === name);
    if (!e) {
      throw new ClawError('CLAW_ARG_INVALID', {
        what: { en: `variable ${name}`, zh: `变量 ${name}` },
        reason: { en: `template ${instance.template} of ${instance.name} has no such variable`, zh: `${instance.name} 的模板 ${instance.template} 没有这个变量` },
      }, { suggestions: closest(name, all.map((x) => x.name)) });
    }
    const value = e.shown ?? ctx.t({ en: '(not set)', zh: '（未设置）' });
    if (!ctx.flags.explain) {
      return { data: e, view: { kind: 'message', tone: 'info', text: `${name} = ${value}  ← ${sourceText(e, ctx.t)}` } };
    }
    return {
      data: e,
      view: {
        kind: 'table',
        title: ctx.t({ en: '{name} = {value} on {instance} (config v{version}); accepts {accepts}', zh: '{instance} 的 {name} = {value}（配置 v{version}）；可接受{accepts}' }, {
          name, value, instance: instance.name, version: instance.configVersion, accepts: ctx.t(e.accepts),
        }),
        columns: [
          { key: 'layer', label: ctx.t({ en: 'Layer', zh: '层级' }) },
          { key: 'where', label: ctx.t({ en: 'Where', zh: '位置' }) },
          { key: 'value', label: ctx.t({ en: 'Value', zh: '值' }) },
          { key: 'version', label: ctx.t({ en: 'Version', zh: '版本' }) },
          { key: 'wins', label: '' },
        ],
        rows: e.layers.map((l, i) => ({
          layer: layerText(l.layer, ctx.t), where: l.where, value: l.shown, version: l.since ? `v${l.since}` : '-',
          wins: i === e.layers.length - 1 ? ctx.t({ en: '← in effect', zh: '← 生效' }) : ctx.t({ en: 'overridden', zh: '被覆盖' }),
        })),
        empty: ctx.t({ en: 'Nothing sets {name}: no default, no value at any scope.', zh: '没有任何层设置 {name}：无默认值，各范围也未设置。' }, { name }),
      },
    };
  },
});
