// claw help [COMMAND...]: the commands you may run, or one command's usage, flags, examples and aliases.
import { defineCommand } from '../src/pipeline/command-spec.js';

export default defineCommand({
  words: ['help'],
  summary: { en: 'Show the commands you may run, or help for one command', zh: '显示你可执行的命令，或某个命令的帮助' },
  args: [{ name: 'command', kind: 'string', variadic: true, help: { en: 'Command words, e.g. tenant create', zh: '命令词，如 tenant create' } }],
  flags: {},
  examples: ['claw help', 'claw help tenant', 'claw help tenant create', 'claw tenant create --help'],
  permission: null,
  risk: 'read',
  scope: () => ({ kind: 'none' }),
  engines: ['help'],
  async handle(ctx) {
    const view = ctx.engines.help.help(ctx.actor, ctx.args.command, ctx.locale);
    return { data: { help: ctx.args.command }, view };
  },
});
