// openclaw.json in a form the control plane and a running gateway's `config.get` agree on: what config.get redacts
// (the ids of SecretRefs) masked on both sides, OpenClaw's own `meta` stamp left out, keys sorted, then hashed.
import type { ComparableConfig, GeneratedFiles } from '../../src/engines/adapters/claw-adapter.js';
import { sha256Hex } from '../../src/util/ids.js';
import { CONFIG_FILE } from './openclaw-config.js';

/** What config.get shows instead of a sensitive value (openclaw 2026.9.6, redact-snapshot). */
export const REDACTED = '__OPENCLAW_REDACTED__';
const REF_SOURCES = new Set(['env', 'file', 'exec']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A SecretRef `{source, provider, id}`: config.get redacts its id, so neither side's id takes part. */
function isSecretRef(v: Record<string, unknown>): boolean {
  const keys = Object.keys(v);
  return keys.length === 3 && typeof v.source === 'string' && REF_SOURCES.has(v.source) && typeof v.provider === 'string' && typeof v.id === 'string';
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (!isObject(value)) return value;
  if (isSecretRef(value)) return { id: REDACTED, provider: value.provider, source: value.source };
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = canonical(value[key]);
  return out;
}

/** The comparable form of a parsed openclaw.json (the generated one, or config.get's `sourceConfig`). */
export function comparableOpenClawConfig(parsed: unknown): ComparableConfig {
  const c = canonical(parsed);
  const content: Record<string, unknown> = isObject(c) ? c : { value: c };
  // OpenClaw stamps `meta` (last touched version, migrations) on every write of its own; it is not configuration.
  delete content.meta;
  return { hash: sha256Hex(JSON.stringify(content)), content };
}

/** The comparable form of the generated files (only openclaw.json is configuration the gateway reads). */
export function comparableOpenClawFiles(files: GeneratedFiles): ComparableConfig {
  const text = files[CONFIG_FILE];
  let parsed: unknown = text;
  try {
    parsed = text === undefined ? null : JSON.parse(text);
  } catch {
    // Not JSON: compared as text, so it differs from whatever a gateway reports.
  }
  return comparableOpenClawConfig(parsed);
}
