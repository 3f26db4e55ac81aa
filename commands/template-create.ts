// claw template create --file PATH: a new config template from YAML, checked with the other templates and against its
// claw type's adapter before it is saved (a new config version).
import { defineCommand } from '../src/pipeline/command-spec.js';
import { messageFlag } from './support/config-scope.js';
import { fileFlag, templateYaml } from './support/template-file.js';

export default defineCommand({
  words: ['template', 'create'],
  summary: { en: 'Create a config template from YAML', zh: '用 YAML 新建配置模板' },
  description: {
    en: 'The YAML has name, type (the claw type) or extends, description {en, zh}, variables (type string|number|boolean|enum|url|secret|list, default, required, min, max, pattern, description) and defaults. Every variable must be one the claw type reads, as the type it reads.',
    zh: 'YAML 包含 name、type（实例类型）或 extends、description {en, zh}、variables（type 为 string|number|boolean|enum|url|secret|list，以及 default、required、min、max、pattern、description）和 defaults。每个变量都必须是该实例类型读取的变量，类型一致。',
  },
  args: [],
  flags: { file: fileFlag, message: messageFlag },
  examples: ['claw template create --file support.yaml', 'claw template create --file - < support.yaml'],
  permission: 'template:write',
  risk: 'write',
  scope: () => ({ kind: 'platform' }),
  engines: ['config'],
  async handle(ctx) {
    const { version, row } = await ctx.engines.config.saveTemplate({ yaml: templateYaml(ctx.flags.file, ctx.attachment), mode: 'create', author: ctx.actor.name, message: ctx.flags.message ?? ctx.reason });
    return {
      data: { name: row.name, type: row.type, version },
      view: {
        kind: 'message', tone: 'success',
        text: ctx.t({ en: 'v{version}: template {name} ({type}) created. Use it with `claw create NAME --template {name}`.', zh: 'v{version}：已新建模板 {name}（{type}）。用法：`claw create NAME --template {name}`。' }, { version, name: row.name, type: row.type }),
      },
    };
  },
});
