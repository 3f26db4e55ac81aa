// claw template show NAME [--version v12]: a template's YAML as saved, now or at a version, and its variables.
import { defineCommand } from '../src/pipeline/command-spec.js';
import { acceptsText } from '../src/engines/config/template-catalog.js';
import { showValue } from '../src/engines/config/config-store.js';
import { versionNumber } from './support/config-scope.js';

export default defineCommand({
  words: ['template', 'show'],
  summary: { en: 'Show a config template', zh: '查看配置模板' },
  args: [{ name: 'name', kind: 'name', required: true, help: { en: 'Template name', zh: '模板名' } }],
  flags: { version: { kind: 'string', maxLength: 12, help: { en: 'As it was at this config version, e.g. v12', zh: '在该配置版本时的内容，如 v12' } } },
  examples: ['claw template show sales', 'claw template show default --version v3'],
  permission: 'config:read',
  risk: 'read',
  scope: () => ({ kind: 'tenant', orPlatform: true }),
  engines: ['config'],
  async handle(ctx) {
    const { config } = ctx.engines;
    const at = ctx.flags.version !== undefined ? versionNumber(ctx.flags.version, '--version') : await config.head();
    const row = await config.template(ctx.args.name, at);
    const template = (await config.catalogAt(at)).get(row.name);
    const variables = [...template.variables.values()].map((v) => ({
      name: v.name, type: v.type, required: v.required, default: v.default === undefined ? null : showValue(v.default), accepts: ctx.t(acceptsText(v)), description: ctx.t(v.description),
    }));
    return {
      data: { name: row.name, type: row.type, version: row.sinceVersion, builtin: row.builtin, author: row.author, yaml: row.body, variables },
      view: {
        kind: 'sections',
        title: ctx.t({ en: 'Template {name} ({type}, v{version}{builtin})', zh: '模板 {name}（{type}，v{version}{builtin}）' }, {
          name: row.name, type: row.type, version: row.sinceVersion, builtin: row.builtin ? ctx.t({ en: ', built-in', zh: '，内置' }) : '',
        }),
        sections: [
          {
            view: {
              kind: 'table',
              columns: [
                { key: 'name', label: ctx.t({ en: 'Variable', zh: '变量' }) },
                { key: 'accepts', label: ctx.t({ en: 'Accepts', zh: '可接受' }) },
                { key: 'default', label: ctx.t({ en: 'Default', zh: '默认值' }) },
                { key: 'description', label: ctx.t({ en: 'Description', zh: '说明' }) },
              ],
              rows: variables.map((v) => ({ name: `${v.name}${v.required ? ' *' : ''}`, accepts: v.accepts, default: v.default ?? '-', description: v.description })),
              empty: '-',
            },
          },
          { heading: 'YAML', lines: row.body.trimEnd().split('\n') },
        ],
      },
    };
  },
});
