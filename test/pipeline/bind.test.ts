// Binding text to commands: resolution with aliases, typed arguments and flags, and the errors people see.
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../commands/index.js';
import { ClawError } from '../../src/errors/claw-error.js';
import { loadAliases } from '../../src/pipeline/aliases.js';
import { bind, type Binding } from '../../src/pipeline/bind.js';
import { extractGlobalFlags } from '../../src/pipeline/global-flags.js';
import { CommandRegistry } from '../../src/pipeline/command-registry.js';
import { defineCommand, type AnyCommand } from '../../src/pipeline/command-spec.js';
import { parseLine } from '../../src/pipeline/grammar/parse-line.js';
import { normalizeCommandText } from '../../src/pipeline/normalize.js';

const registry = new CommandRegistry(COMMANDS, loadAliases());
const everything = () => true;

function run(text: string, visible: (c: AnyCommand) => boolean = everything, reg = registry): Binding {
  const line = parseLine(normalizeCommandText(text));
  return bind(line, extractGlobalFlags(line), reg, visible);
}

function failure(text: string, visible?: (c: AnyCommand) => boolean, reg?: CommandRegistry): ClawError {
  try {
    run(text, visible, reg);
  } catch (error) {
    if (error instanceof ClawError) return error;
    throw error;
  }
  throw new Error(`expected "${text}" to fail`);
}

function command(text: string, reg = registry) {
  const b = run(text, everything, reg);
  if (b.kind !== 'command') throw new Error('expected a command');
  return { words: b.command.words.join(' '), args: b.args, flags: b.flags };
}

// A command with every value kind, to exercise typing without depending on later commands.
const probe = defineCommand({
  words: ['probe'],
  summary: { en: 'probe', zh: 'probe' },
  args: [{ name: 'name', kind: 'name', required: true, help: { en: '', zh: '' } }, { name: 'rest', kind: 'string', variadic: true, help: { en: '', zh: '' } }],
  flags: {
    force: { kind: 'bool', short: 'f', help: { en: '', zh: '' } },
    set: { kind: 'kv', multiple: true, help: { en: '', zh: '' } },
    since: { kind: 'duration', help: { en: '', zh: '' } },
    cpu: { kind: 'cpu', help: { en: '', zh: '' } },
    memory: { kind: 'bytes', help: { en: '', zh: '' } },
    selector: { kind: 'selector', help: { en: '', zh: '' } },
    tags: { kind: 'list', help: { en: '', zh: '' } },
    tail: { kind: 'int', help: { en: '', zh: '' } },
    phase: { kind: 'enum', values: ['running', 'stopped'], help: { en: '', zh: '' } },
    secret: { kind: 'string', secret: true, help: { en: '', zh: '' } },
  },
  examples: [],
  permission: null,
  risk: 'read',
  scope: () => ({ kind: 'none' }),
  engines: [],
  handle: async () => ({ data: null, view: { kind: 'message', text: '' } }),
});
const probeRegistry = new CommandRegistry([...COMMANDS, probe], [{ phrase: '探针', target: 'probe' }]);

describe('command resolution', () => {
  it('resolves the longest command path, with or without the program name, in any case', () => {
    expect(command('claw audit verify').words).toBe('audit verify');
    expect(command('claw audit --since 1h').words).toBe('audit');
    expect(command('tenant list').words).toBe('tenant list');
    expect(command('CLAW Tenant LIST').words).toBe('tenant list');
  });

  it('resolves Chinese and English aliases from configs/aliases.yaml', () => {
    expect(command('claw 租户 列表').words).toBe('tenant list');
    expect(command('claw 租户 list').words).toBe('tenant list');
    expect(command('claw tenant ls').words).toBe('tenant list');
    expect(command('claw 我是谁').words).toBe('whoami');
    expect(command('@_user_1 /claw 审计 校验').words).toBe('audit verify');
  });

  it('treats `claw` alone and --help anywhere as a help request', () => {
    expect(run('claw')).toEqual({ kind: 'help', path: [] });
    expect(run('claw tenant create --help')).toEqual({ kind: 'help', path: ['tenant', 'create'] });
    expect(run('claw tenant -h')).toEqual({ kind: 'help', path: ['tenant'] });
  });

  it('suggests the closest command for a typo, with the rest of the line when it fits', () => {
    const e = failure('claw tenat list');
    expect(e.apiCode).toBe('unknown_command');
    expect(e.extras.suggestions?.[0]).toBe('claw tenant list');
    expect(e.extras.pointer).toBe('claw tenat list\n     ^^^^^');
  });

  it('suggests the closest subcommand for a typo under a group, one per command', () => {
    const e = failure('claw tenant lsit');
    expect(e.apiCode).toBe('unknown_command');
    expect(e.extras.suggestions).toEqual(['claw tenant list']);
    expect(e.extras.pointer).toBe('claw tenant lsit\n            ^^^^');
  });

  it('lists the subcommands of an incomplete command', () => {
    const e = failure('claw tenant');
    expect(e.code).toBe('CLAW_PARSE_INCOMPLETE_COMMAND');
    expect(e.message).toBe('`claw tenant` needs a subcommand: create, list, show, delete, quota, policy.');
  });

  it('suggests only commands the member may run', () => {
    const readOnly = (c: AnyCommand) => c.permission === null || c.permission.endsWith(':read');
    expect(failure('claw tenant delet', readOnly).extras.suggestions).toEqual([]);
    expect(failure('claw tenant delet').extras.suggestions).toEqual(['claw tenant delete']);
    expect(failure('claw tenant', readOnly).message).toBe('`claw tenant` needs a subcommand: list, show, quota, policy.');
  });

  it('refuses a line that starts with a flag', () => {
    expect(failure('claw --force').apiCode).toBe('parse_error');
  });
});

describe('arguments and flags', () => {
  it('types every value kind', () => {
    const b = command('claw probe demo a "b c" -f --set a=1 --set=b=2 --since 1h30m --cpu 500m --memory 4Gi --selector "team=sales,env!=prod" --tags x,y --tail 50 --phase Running', probeRegistry);
    expect(b.args).toEqual({ name: 'demo', rest: ['a', 'b c'] });
    expect(b.flags).toMatchObject({
      force: true, set: [{ key: 'a', value: '1' }, { key: 'b', value: '2' }], since: 5_400_000, cpu: { text: '500m', value: 0.5 },
      memory: { text: '4Gi', value: 4 * 1024 ** 3 }, tags: ['x', 'y'], tail: 50, phase: 'running',
    });
    expect(b.flags.selector).toHaveLength(2);
  });

  it('fills absent flags with defaults: false, [] or undefined', () => {
    expect(command('claw probe demo', probeRegistry).flags).toMatchObject({ force: false, set: [], since: undefined });
  });

  it('accepts IME-dash flags, --f for -f, and flag names in any case', () => {
    expect(command('claw probe demo —force', probeRegistry).flags.force).toBe(true);
    expect(command('claw probe demo ——f', probeRegistry).flags.force).toBe(true);
    expect(command('claw probe demo --FORCE', probeRegistry).flags.force).toBe(true);
  });

  it('accepts positional values after --', () => {
    expect(command('claw probe demo -- --not-a-flag', probeRegistry).args.rest).toEqual(['--not-a-flag']);
  });

  it('works with aliases', () => expect(command('claw 探针 demo -f', probeRegistry).flags.force).toBe(true));

  it.each([
    ['claw tenant create', 'invalid_argument', 'Missing argument NAME.', 'Usage: claw tenant create NAME [--display-name TEXT]'],
    ['claw tenant create Acme', 'invalid_argument', 'Invalid argument NAME: "Acme" must be lowercase letters, digits and "-", starting and ending with a letter or digit (try "acme")', 'Usage:'],
    ['claw tenant create acme extra', 'invalid_argument', 'Unexpected argument `extra`.', 'Usage:'],
    ['claw tenant create acme --display-nam x', 'unknown_flag', '`claw tenant create` has no flag `--display-nam`.', 'Did you mean `--display-name`?'],
    ['claw tenant create acme --display-name', 'invalid_argument', 'Missing a value for --display-name (TEXT).', 'Usage:'],
    ['claw tenant create acme --display-name a --display-name b', 'invalid_argument', 'Flag `--display-name` is given more than once.', 'Usage:'],
    ['claw audit --since 30', 'invalid_argument', 'Invalid flag --since: "30" is not a duration', 'Usage:'],
    ['claw audit --decision maybe', 'invalid_argument', 'is not one of allowed, denied, invalid, unauthenticated', 'Usage:'],
    ['claw audit --limit many', 'invalid_argument', '"many" is not a whole number', 'Usage:'],
    ['claw whoami --lang fr', 'invalid_argument', 'Invalid flag --lang: use zh or en', ''],
  ])('%s -> %s', (text, code, message, hint) => {
    const e = failure(text);
    expect(e.apiCode).toBe(code);
    expect(e.message).toContain(message);
    if (hint) expect(typeof e.extras.hint === 'object' ? e.extras.hint.en : e.extras.hint).toContain(hint);
    expect(e.extras.pointer).toBeTypeOf('string');
  });

  it.each([
    ['claw status --limit 1001', 'Invalid flag --limit: must be from 1 to 1000', '                    ^^^^'],
    ['claw status --offset -1', 'Invalid flag --offset: must be 0 or more', '                     ^^'],
    ['claw tenant quota acme --instances 100001', 'Invalid flag --instances: must be from 0 to 100000', '                                   ^^^^^^'],
    ['claw tenant policy acme --approvals 11', 'Invalid flag --approvals: must be from 0 to 10', '                                    ^^'],
    ['claw tenant policy acme --expiry 30s', 'Invalid flag --expiry: must be from 1m to 7d', '                                 ^^^'],
  ])('refuses %s with the declared range, before any handler runs', (text, message, caret) => {
    const e = failure(text);
    expect(e.apiCode).toBe('invalid_argument');
    expect(e.message).toBe(message);
    expect(e.messageIn('zh')).toMatch(/须(在 .+ 到 .+ 之间|大于等于 0)/);
    expect(e.extras.pointer).toBe(`${text}\n${caret}`);
  });

  it('accepts the bounds themselves, and brings a clamped flag into its range instead of refusing', () => {
    expect(command('claw status --limit 1000 --offset 0').flags).toMatchObject({ limit: 1000, offset: 0 });
    expect(command('claw tenant policy acme --expiry 7d --approvals 0').flags).toMatchObject({ expiry: 7 * 86_400_000, approvals: 0 });
    expect(command('claw logs demo --tail 99999').flags.tail).toBe(5000);
    expect(command('claw audit --limit 0').flags.limit).toBe(1);
  });

  it('points at the offending value', () => {
    expect(failure('claw audit --since 30 --member bob').extras.pointer).toBe('claw audit --since 30 --member bob\n                   ^^');
  });

  it('takes --lang out wherever it is', () => {
    const line = parseLine('claw --lang zh whoami');
    expect(extractGlobalFlags(line).locale).toBe('zh');
    expect(bind(line, extractGlobalFlags(line), registry, everything).kind).toBe('command');
  });
});
