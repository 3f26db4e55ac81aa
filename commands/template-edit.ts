// claw template edit NAME --file PATH: replaces a template's YAML (a new config version; claws get it when published).
import { defineCommand } from '../src/pipeline/command-spec.js';
import { messageFlag } from './support/config-scope.js';
import { fileFlag, templateYaml } from './support/template-file.js';

export default defineCommand({
  words: ['template', 'edit'],
  summary: { en: 'Replace a config template\'s YAML', zh: '用新的 YAML 替换配置模板' },
  description: {
    en: 'Checked like `template create`, together with the templates that extend it. The edit is a new config version: running claws keep the old template until it is published to them (`claw config publish`), and `claw config diff` shows the lines that changed.',
    zh: '校验方式同 `template create`，并连同继承它的模板一起校验。修改生成新的配置版本：运行中的实例在发布（`claw config publish`）前仍使用旧模板；`claw config diff` 可查看改动的行。',
  },
  args: [{ name: 'name', kind: 'name', required: true, help: { en: 'Template name', zh: '模板名' } }],
  flags: { file: fileFlag, message: messageFlag },
  examples: ['claw template edit sales --file sales.yaml --message "bigger answers"'],
  permission: 'template:write',
  risk: 'write',
  scope: () => ({ kind: 'platform' }),
  engines: ['config'],
  async handle(ctx) {
    const { version, row } = await ctx.engines.config.saveTemplate({
      yaml: templateYaml(ctx.flags.file, ctx.attachment), mode: 'edit', name: ctx.args.name, author: ctx.actor.name, message: ctx.flags.message ?? ctx.reason,
    });
    if (version === null) return { data: { name: row.name, version: null }, view: { kind: 'message', tone: 'info', text: ctx.t({ en: 'Template {name} is already exactly this YAML.', zh: '模板 {name} 已是这份 YAML。' }, { name: row.name }) } };
    return {
      data: { name: row.name, version },
      view: {
        kind: 'message', tone: 'success',
        text: ctx.t({ en: 'v{version}: template {name} saved. Claws using it get it when it is published (`claw config publish --all`); see the change with `claw config diff v{previous} v{version}`.', zh: 'v{version}：模板 {name} 已保存。使用它的实例在发布后生效（`claw config publish --all`）；用 `claw config diff v{previous} v{version}` 查看改动。' }, {
          version, name: row.name, previous: version - 1,
        }),
      },
    };
  },
});
