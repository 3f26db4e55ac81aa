// Parse throughput: chat text through normalise, grammar and binding, in commands per second.
import { performance } from 'node:perf_hooks';
import { COMMANDS } from '../commands/index.js';
import { loadAliases } from '../src/pipeline/aliases.js';
import { bind } from '../src/pipeline/bind.js';
import { extractGlobalFlags } from '../src/pipeline/global-flags.js';
import { CommandRegistry } from '../src/pipeline/command-registry.js';
import { parseLine } from '../src/pipeline/grammar/parse-line.js';
import { normalizeCommandText } from '../src/pipeline/normalize.js';

const SAMPLES = [
  'claw whoami',
  '@_user_1 /claw 租户 列表',
  'claw tenant create acme --display-name “Acme Corp”',
  'claw member add alice.wang --tenant acme --role operator --display-name "王丽"',
  'claw audit --since 1h30m --member bob ——limit 50',
  'claw token create --member bob --tenant acme --ttl 30d',
  'claw grant bob developer --tenant acme --project sales',
  'claw tenat list',
];

export function parseThroughput(seconds = 2): { commandsPerSecond: number; samples: number } {
  const registry = new CommandRegistry(COMMANDS, loadAliases());
  const visible = () => true;
  const once = (text: string) => {
    try {
      const line = parseLine(normalizeCommandText(text));
      bind(line, extractGlobalFlags(line), registry, visible);
    } catch {
      // Typos are part of the mix: error construction with suggestions is real work too.
    }
  };
  for (let i = 0; i < 2000; i++) once(SAMPLES[i % SAMPLES.length]!);
  let n = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  while (performance.now() < deadline) {
    for (const s of SAMPLES) once(s);
    n += SAMPLES.length;
  }
  return { commandsPerSecond: n / ((performance.now() - started) / 1000), samples: SAMPLES.length };
}
