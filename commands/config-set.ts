// claw config set KEY=VALUE... [--global | --tenant T | --project P | --instance NAME]: sets variables at a scope as one
// new config version; no claw runs it until it is published (`claw config publish`).
import { defineCommand } from '../src/pipeline/command-spec.js';
import { configScope, configScopeFlags, messageFlag, publishHint, scopeLabel, variableScope } from './support/config-scope.js';

export default defineCommand({
  words: ['config', 'set'],
  summary: { en: 'Set config variables for every claw in a scope', zh: '为某一范围内的实例设置配置变量' },
  description: {
    en: 'Values apply from lowest to highest: template default < global < tenant < project < instance. Each value is checked against the templates that declare the variable; secrets are encrypted and only ever shown as ****abcd. The change becomes a new config version and reaches running claws when it is published.',
    zh: '取值优先级从低到高：模板默认值 < 全局 < 租户 < 项目 < 实例。每个值按声明该变量的模板校验；密钥加密存储，只显示为 ****abcd。修改生成新的配置版本，发布后才会下发到运行中的实例。',
  },
  args: [{ name: 'pairs', kind: 'kv', variadic: true, required: true, help: { en: 'KEY=VALUE pairs (a list as a,b,c)', zh: 'KEY=VALUE（列表写作 a,b,c）' } }],
  flags: {
    ...configScopeFlags,
    message: messageFlag,
  },
  examples: [
    'claw config set model.baseUrl=http://llm.acme.internal/v1 --tenant acme',
    'claw config set model.apiKey=sk-... --tenant acme --message "new key"',
    'claw config set agent.name=Helper --instance demo',
  ],
  permission: 'config:write',
  risk: 'write',
  scope: configScope,
  engines: ['config', 'lifecycle'],
  async handle(ctx) {
    const ref = variableScope(ctx.scope, ctx.engines.lifecycle);
    const pairs = Object.fromEntries(ctx.args.pairs.map((kv) => [kv.key, kv.value]));
    const version = await ctx.engines.config.set(ref, pairs, ctx.actor.name, ctx.flags.message ?? ctx.reason);
    const where = scopeLabel(ref, ctx.t);
    if (version === null) {
      return { data: { version: null, changes: [] }, view: { kind: 'message', tone: 'info', text: ctx.t({ en: 'Nothing changed: {where} already has these values.', zh: '没有变化：{where} 已是这些值。' }, { where }) } };
    }
    const { changes } = await ctx.engines.config.version(version);
    return {
      data: { version, changes },
      view: {
        kind: 'sections',
        title: ctx.t({ en: 'v{version}: set at {where}', zh: 'v{version}：已在{where}设置' }, { version, where }),
        sections: [
          { lines: changes.map((c) => `${c.name} = ${c.after}${c.before !== null ? ctx.t({ en: ` (was ${c.before})`, zh: `（原为 ${c.before}）` }) : ''}`) },
          { lines: [publishHint(ref, ctx.t)] },
        ],
      },
    };
  },
});
