// claw config list [--global | --tenant T | --project P | --instance NAME]: what a scope sets; for an instance, its
// whole effective config with where each value comes from and what publishing would change.
import { defineCommand } from '../src/pipeline/command-spec.js';
import type { Explanation } from '../src/engines/config/config-store.js';
import { configVersionText } from '../src/render/instance-views.js';
import { configScope, configScopeFlags, scopeLabel, sourceText, variableScope } from './support/config-scope.js';

export default defineCommand({
  words: ['config', 'list'],
  summary: { en: 'List config variables of a scope, or an instance\'s effective config', zh: '列出某一范围的配置变量，或实例的生效配置' },
  args: [],
  flags: configScopeFlags,
  examples: ['claw config list --tenant acme', 'claw config list --global', 'claw config list --instance demo'],
  permission: 'config:read',
  risk: 'read',
  scope: configScope,
  engines: ['config', 'lifecycle'],
  async handle(ctx) {
    const { config, lifecycle } = ctx.engines;
    const ref = variableScope(ctx.scope, lifecycle);
    const where = scopeLabel(ref, ctx.t);
    if (ctx.scope.kind !== 'instance') {
      const entries = await config.list(ref);
      return {
        data: { scope: ref.scope, name: ref.name, variables: entries },
        view: {
          kind: 'table',
          title: ctx.t({ en: 'Variables set at {where}', zh: '{where}设置的变量' }, { where }),
          columns: [
            { key: 'name', label: ctx.t({ en: 'Variable', zh: '变量' }) },
            { key: 'value', label: ctx.t({ en: 'Value', zh: '值' }) },
            { key: 'since', label: ctx.t({ en: 'Version', zh: '版本' }) },
            { key: 'by', label: ctx.t({ en: 'By', zh: '修改人' }) },
          ],
          rows: entries.map((e) => ({ name: e.name, value: e.shown, since: `v${e.since}`, by: e.setBy })),
          empty: ctx.t({ en: 'Nothing is set at {where}.', zh: '{where}没有设置任何变量。' }, { where }),
        },
      };
    }
    const { instance, tenant, project } = ctx.scope;
    const names = { tenant: tenant.name, project: project.name, instance: instance.name };
    const head = await config.head();
    const [running, latest] = await Promise.all([
      config.explain(instance, names),
      config.explain(instance, names, { config: head, values: head }).catch(() => undefined),
    ]);
    const pending = (e: Explanation) => {
      const next = latest?.find((l) => l.name === e.name);
      return next && next.shown !== e.shown ? (next.shown ?? ctx.t({ en: '(unset)', zh: '（未设置）' })) : '';
    };
    const rows = running.map((e) => ({ name: e.name, value: e.shown ?? '-', from: sourceText(e, ctx.t), pending: pending(e) }));
    const anyPending = rows.some((r) => r.pending);
    return {
      data: { instance: instance.name, configVersion: instance.configVersion, valuesVersion: instance.valuesVersion, head, variables: running, pending: rows.filter((r) => r.pending).map((r) => ({ name: r.name, value: r.pending })) },
      view: {
        kind: 'table',
        title: ctx.t({ en: '{name} runs {version} ({template})', zh: '{name} 运行 {version}（{template}）' }, { name: instance.name, version: configVersionText(instance), template: instance.template }),
        columns: [
          { key: 'name', label: ctx.t({ en: 'Variable', zh: '变量' }) },
          { key: 'value', label: ctx.t({ en: 'Value', zh: '值' }) },
          { key: 'from', label: ctx.t({ en: 'From', zh: '来源' }) },
          ...(anyPending ? [{ key: 'pending', label: ctx.t({ en: `Unpublished (v${head})`, zh: `未发布（v${head}）` }) }] : []),
        ],
        rows,
        empty: ctx.t({ en: 'Its template has no variables.', zh: '其模板没有变量。' }),
        ...(anyPending ? { footer: ctx.t({ en: `Publish with \`claw config publish ${instance.name}\`.`, zh: `用 \`claw config publish ${instance.name}\` 发布。` }) } : {}),
      },
    };
  },
});
