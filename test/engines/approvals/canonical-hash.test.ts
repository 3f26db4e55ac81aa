// The canonical hash of a held command: what is approved is the parsed invocation, so the same invocation written
// differently (short or long flag, flag order, an alias, extra spaces, a --reason) hashes the same, and any change of
// meaning (another target, another flag, another value) hashes differently.
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../commands/index.js';
import { canonicalHash } from '../../../src/engines/approvals/approvals-engine.js';
import { loadAliases } from '../../../src/pipeline/aliases.js';
import { bind } from '../../../src/pipeline/bind.js';
import { extractGlobalFlags } from '../../../src/pipeline/global-flags.js';
import { CommandRegistry } from '../../../src/pipeline/command-registry.js';
import { parseLine } from '../../../src/pipeline/grammar/parse-line.js';
import { normalizeCommandText } from '../../../src/pipeline/normalize.js';

const registry = new CommandRegistry(COMMANDS, loadAliases());

/** The hash the dispatcher computes for this text (parse, bind, then canonicalHash of the bound invocation). */
function hashOf(text: string): string {
  const line = parseLine(normalizeCommandText(text));
  const binding = bind(line, extractGlobalFlags(line), registry, () => true);
  if (binding.kind !== 'command') throw new Error(`${text}: not a command`);
  return canonicalHash(binding.command.words.join(' '), binding.args, binding.flags);
}

describe('canonicalHash of a parsed invocation', () => {
  it('is the same for one invocation written differently', () => {
    const base = hashOf('claw stop demo --force --tenant acme');
    for (const text of [
      'claw stop demo -f --tenant acme',
      'claw stop --tenant acme demo --force',
      'claw stop --tenant=acme -f demo',
      'stop demo --force --tenant acme',
      'claw   stop   demo  --tenant  acme   --force',
      '停止 demo --force --tenant acme',
      // The reason is a global flag: it travels with the approval but is not part of what runs.
      'claw stop demo --force --tenant acme --reason "maintenance window"',
    ]) expect(hashOf(text), text).toBe(base);
  });

  it('differs when the meaning changes', () => {
    const base = hashOf('claw stop demo --force --tenant acme');
    const others = [
      'claw stop demo --tenant acme',
      'claw stop demo2 --force --tenant acme',
      'claw stop demo --force --tenant acme2',
      'claw stop demo --force --tenant acme --project p',
      'claw stop demo --force --tenant acme --wait',
      'claw destroy demo --tenant acme',
    ].map(hashOf);
    expect(new Set([base, ...others]).size).toBe(others.length + 1);
    expect(hashOf('claw destroy --selector team=ops,env=test --tenant acme')).toBe(hashOf('claw destroy --tenant acme --selector team=ops,env=test'));
    expect(hashOf('claw destroy --selector team=ops --tenant acme')).not.toBe(hashOf('claw destroy --selector team=web --tenant acme'));
  });

  it('does not depend on key order or on keys left undefined', () => {
    const a = canonicalHash('stop', { name: 'demo' }, { force: true, tenant: 'acme', project: undefined });
    const b = canonicalHash('stop', { name: 'demo' }, { tenant: 'acme', force: true });
    expect(a).toBe(b);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(canonicalHash('stop', { name: 'demo' }, { tenant: 'acme', force: false })).not.toBe(a);
  });
});
