// The command tree refuses ambiguous definitions at start-up: duplicate words, clashing aliases, reserved flags.
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../commands/index.js';
import { loadAliases } from '../../src/pipeline/aliases.js';
import { CommandRegistry } from '../../src/pipeline/command-registry.js';
import { defineCommand, type AnyCommand, type FlagSpec } from '../../src/pipeline/command-spec.js';

const make = (words: string[], flags: Record<string, FlagSpec> = {}): AnyCommand =>
  defineCommand({
    words, summary: { en: 'x', zh: 'x' }, args: [], flags, examples: [], permission: null, risk: 'read',
    scope: () => ({ kind: 'none' }), engines: [], handle: async () => ({ data: null, view: { kind: 'message', text: '' } }),
  });

describe('CommandRegistry', () => {
  it('loads every shipped command and alias', () => {
    const registry = new CommandRegistry(COMMANDS, loadAliases());
    expect(registry.commands.length).toBe(COMMANDS.length);
    expect(registry.aliasesOf(['tenant', 'list'])).toEqual(['租户 列表', 'tenant ls']);
  });

  it('gives every shipped command help in both languages and at least one example', () => {
    for (const c of COMMANDS) {
      expect(c.summary.en && c.summary.zh, c.words.join(' ')).toBeTruthy();
      expect(c.examples.length, c.words.join(' ')).toBeGreaterThan(0);
      for (const a of c.args) expect(a.help.en && a.help.zh, `${c.words.join(' ')} ${a.name}`).toBeTruthy();
      for (const [n, f] of Object.entries(c.flags)) expect(f.help.en && f.help.zh, `${c.words.join(' ')} --${n}`).toBeTruthy();
      for (const e of c.examples) expect(e.startsWith(`claw ${c.words.join(' ')}`) || e.includes('--help'), e).toBe(true);
    }
  });

  it('refuses a command defined twice', () => {
    expect(() => new CommandRegistry([make(['a', 'b']), make(['a', 'b'])])).toThrow('command "a b" is defined twice');
  });

  it('refuses an alias that collides with a command or another alias', () => {
    expect(() => new CommandRegistry([make(['status']), make(['stop'])], [{ phrase: 'stop', target: 'status' }])).toThrow('already means "stop"');
    expect(() => new CommandRegistry([make(['status']), make(['stop'])], [{ phrase: 'st', target: 'status' }, { phrase: 'st', target: 'stop' }])).toThrow('already means');
  });

  it('refuses an alias to nothing', () => {
    expect(() => new CommandRegistry([make(['status'])], [{ phrase: '状态', target: 'statsu' }])).toThrow('no command or group "statsu"');
  });

  it('refuses reserved and clashing flags', () => {
    expect(() => new CommandRegistry([make(['x'], { help: { kind: 'bool', help: { en: '', zh: '' } } })])).toThrow('reserved');
    expect(() => new CommandRegistry([make(['x'], { a: { kind: 'bool', short: 'f', help: { en: '', zh: '' } }, b: { kind: 'bool', short: 'f', help: { en: '', zh: '' } } })])).toThrow('used twice');
    expect(() => new CommandRegistry([make(['x'], { a: { kind: 'bool', short: 'h', help: { en: '', zh: '' } } })])).toThrow('bad short flag');
  });

  it('refuses a range that cannot hold, a range on a non-number, and a malformed flag permission', () => {
    const help = { en: '', zh: '' };
    expect(() => new CommandRegistry([make(['x'], { n: { kind: 'int', min: 5, max: 1, help } })])).toThrow('flag --n has min 5 above max 1');
    expect(() => new CommandRegistry([make(['x'], { n: { kind: 'string', max: 1, help } })])).toThrow('flag --n has a range but is a string');
    expect(() => new CommandRegistry([make(['x'], { n: { kind: 'int', min: 1, clamp: true, help } })])).toThrow('needs both min and max');
    expect(() => new CommandRegistry([make(['x'], { n: { kind: 'bool', permission: 'tenant quota', help } })])).toThrow('malformed permission');
  });

  it('refuses upper-case or spaced command words', () => {
    expect(() => new CommandRegistry([make(['Status'])])).toThrow('must be lowercase');
  });
});
