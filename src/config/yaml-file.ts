// Reads YAML safely: bounded size, bounded alias expansion (no "billion laughs"), errors that name the file.
import { readFileSync, statSync } from 'node:fs';
import { parse } from 'yaml';
import { ClawError } from '../errors/claw-error.js';

/** Our YAML files are hand-written and small; anything bigger is a mistake or an attack. */
const MAX_BYTES = 1024 * 1024;

export function parseYaml(text: string, source: string): unknown {
  if (Buffer.byteLength(text) > MAX_BYTES) {
    throw new ClawError('CLAW_CONFIG_INVALID', { setting: source, reason: `larger than ${MAX_BYTES} bytes` });
  }
  try {
    // maxAliasCount bounds the expansion of anchors/aliases, which is how a YAML bomb grows.
    return parse(text, { maxAliasCount: 50, prettyErrors: true, uniqueKeys: true });
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new ClawError('CLAW_CONFIG_INVALID', { setting: source, reason });
  }
}

export function readYamlFile(path: string): unknown {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new ClawError('CLAW_CONFIG_INVALID', { setting: path, reason: 'file not found' });
  }
  if (size > MAX_BYTES) {
    throw new ClawError('CLAW_CONFIG_INVALID', { setting: path, reason: `larger than ${MAX_BYTES} bytes` });
  }
  return parseYaml(readFileSync(path, 'utf8'), path);
}
