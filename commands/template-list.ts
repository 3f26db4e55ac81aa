// claw template list: the config templates now (built-in ones from configs/templates and those made here).
import { defineCommand } from '../src/pipeline/command-spec.js';
import { formatTime } from '../src/render/format.js';

export default defineCommand({
  words: ['template', 'list'],
  summary: { en: 'List config templates', zh: '列出配置模板' },
  args: [],
  flags: {},
  examples: ['claw template list'],
  permission: 'config:read',
  risk: 'read',
  scope: () => ({ kind: 'tenant', orPlatform: true }),
  engines: ['config'],
  async handle(ctx) {
    const { config } = ctx.engines;
    const [rows, catalog] = await Promise.all([config.templates(), config.catalog()]);
    const versions = new Map<number, Date>();
    for (const r of rows) if (!versions.has(r.sinceVersion)) versions.set(r.sinceVersion, (await config.version(r.sinceVersion)).createdAt);
    return {
      data: { templates: rows.map((r) => ({ name: r.name, type: r.type, version: r.sinceVersion, builtin: r.builtin, author: r.author, variables: catalog.get(r.name).variables.size })) },
      view: {
        kind: 'table',
        columns: [
          { key: 'name', label: ctx.t({ en: 'Template', zh: '模板' }) },
          { key: 'type', label: ctx.t({ en: 'Claw type', zh: '实例类型' }) },
          { key: 'description', label: ctx.t({ en: 'Description', zh: '说明' }) },
          { key: 'variables', label: ctx.t({ en: 'Variables', zh: '变量数' }), align: 'right' },
          { key: 'version', label: ctx.t({ en: 'Version', zh: '版本' }) },
          { key: 'by', label: ctx.t({ en: 'By', zh: '修改人' }) },
        ],
        rows: rows.map((r) => ({
          name: r.name, type: r.type, description: ctx.t(catalog.get(r.name).description), variables: String(catalog.get(r.name).variables.size),
          version: `v${r.sinceVersion} · ${formatTime(versions.get(r.sinceVersion), ctx.locale)}`,
          by: r.builtin ? ctx.t({ en: 'built-in', zh: '内置' }) : r.author,
        })),
        empty: ctx.t({ en: 'No templates.', zh: '没有模板。' }),
      },
    };
  },
});
