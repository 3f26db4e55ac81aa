// claw config unset KEY... [--global | --tenant T | --project P | --instance NAME]: removes variables from a scope (the
// layer below applies again) as one new config version, published like any change.
import { defineCommand } from '../src/pipeline/command-spec.js';
import { configScope, configScopeFlags, messageFlag, publishHint, scopeLabel, variableScope } from './support/config-scope.js';

export default defineCommand({
  words: ['config', 'unset'],
  summary: { en: 'Remove config variables from a scope', zh: '删除某一范围的配置变量' },
  args: [{ name: 'names', kind: 'string', maxLength: 100, variadic: true, required: true, help: { en: 'Variable names', zh: '变量名' } }],
  flags: {
    ...configScopeFlags,
    message: messageFlag,
  },
  examples: ['claw config unset model.baseUrl --tenant acme', 'claw config unset agent.name --instance demo'],
  permission: 'config:write',
  risk: 'write',
  scope: configScope,
  engines: ['config', 'lifecycle'],
  async handle(ctx) {
    const ref = variableScope(ctx.scope, ctx.engines.lifecycle);
    const version = (await ctx.engines.config.unset(ref, ctx.args.names, ctx.actor.name, ctx.flags.message ?? ctx.reason))!;
    const { changes } = await ctx.engines.config.version(version);
    const where = scopeLabel(ref, ctx.t);
    return {
      data: { version, changes },
      view: {
        kind: 'sections',
        title: ctx.t({ en: 'v{version}: removed from {where}', zh: 'v{version}：已从{where}删除' }, { version, where }),
        sections: [
          { lines: changes.map((c) => ctx.t({ en: `${c.name} (was ${c.before})`, zh: `${c.name}（原为 ${c.before}）` })) },
          { lines: [publishHint(ref, ctx.t)] },
        ],
      },
    };
  },
});
