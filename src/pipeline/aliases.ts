// Loads configs/aliases.yaml: phrases people type (Chinese ones included) for canonical command words.
import { readYamlFile } from '../config/yaml-file.js';
import { ClawError } from '../errors/claw-error.js';
import { configPath } from '../util/package-root.js';
import type { AliasDefinition } from './command-registry.js';

export function loadAliases(file = configPath('aliases.yaml')): AliasDefinition[] {
  const doc = readYamlFile(file) as { aliases?: unknown } | null;
  const aliases = doc?.aliases;
  if (typeof aliases !== 'object' || aliases === null || Array.isArray(aliases)) {
    throw new ClawError('CLAW_CONFIG_INVALID', { setting: file, reason: 'expected a top-level `aliases:` mapping of phrase to command words' });
  }
  return Object.entries(aliases).map(([phrase, target]) => {
    if (typeof target !== 'string' || target.trim() === '') {
      throw new ClawError('CLAW_CONFIG_INVALID', { setting: `${file}: ${phrase}`, reason: 'the alias must map to command words, e.g. `tenant list`' });
    }
    return { phrase, target };
  });
}
