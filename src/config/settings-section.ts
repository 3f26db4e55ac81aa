// One setting's definition (claw.yaml path, environment variable, parser) and the reading of it, shared by the core
// settings (settings.ts) and the sections each chat platform declares in its own folder (channels/<name>/platform.ts).
import { ClawError } from '../errors/claw-error.js';

export type Env = Record<string, string | undefined>;

export interface Definition<T> {
  /** Dotted path in claw.yaml, or undefined for environment-only settings (secrets). */
  path?: string;
  env: string;
  /** What the setting accepts, in the words of the error message. */
  accepts: string;
  parse(raw: unknown): T | undefined;
  /** Never repeated in an error (tokens, keys, app secrets). */
  secret?: boolean;
}

/** Reads settings from the environment first, then claw.yaml. */
export interface SettingReader {
  /** The parsed value, or undefined when unset; a value that does not parse stops the start, naming the setting. */
  pick<T>(def: Definition<T>): T | undefined;
  /** As pick, and unset is an error too. */
  required<T>(def: Definition<T>): T;
}

/** The settings of one part that plugs in (a chat platform): undefined from load() leaves that part off. */
export interface SettingsSection<S> {
  /** Every definition load() reads: their claw.yaml paths are known keys. */
  definitions: ReadonlyArray<Definition<unknown>>;
  load(read: SettingReader): S | undefined;
}

function invalid(def: Definition<unknown>, raw: unknown): ClawError {
  const where = def.path ? `${def.env} (${def.path} in claw.yaml)` : def.env;
  return new ClawError('CLAW_CONFIG_INVALID', { setting: where, reason: `${JSON.stringify(raw)} is not accepted; expected ${def.accepts}` });
}

export function settingReader(yaml: ReadonlyMap<string, unknown>, env: Env): SettingReader {
  const pick = <T>(def: Definition<T>): T | undefined => {
    const fromEnv = env[def.env];
    const raw = fromEnv !== undefined && fromEnv !== '' ? fromEnv : def.path ? yaml.get(def.path) : undefined;
    if (raw === undefined) return undefined;
    const value = def.parse(raw);
    if (value === undefined) throw invalid(def, def.secret ? '(hidden)' : raw);
    return value;
  };
  return {
    pick,
    required<T>(def: Definition<T>): T {
      const value = pick(def);
      if (value === undefined) throw invalid(def, undefined);
      return value;
    },
  };
}

// ---- parsers ----

export const oneOf = <T extends string>(values: readonly T[]) => (raw: unknown): T | undefined =>
  typeof raw === 'string' && (values as readonly string[]).includes(raw.trim().toLowerCase())
    ? (raw.trim().toLowerCase() as T)
    : undefined;

export const optionalString = (raw: unknown): string | undefined => (typeof raw === 'string' ? raw.trim() : undefined);

/** An app id, key or secret: one word, no spaces. */
export const secretText = (raw: unknown): string | undefined => (typeof raw === 'string' && raw.trim() !== '' && !/\s/.test(raw.trim()) ? raw.trim() : undefined);

export const httpUrl = (raw: unknown): string | undefined => {
  if (typeof raw !== 'string') return undefined;
  try {
    const u = new URL(raw.trim());
    return u.protocol === 'http:' || u.protocol === 'https:' ? raw.trim().replace(/\/+$/, '') : undefined;
  } catch {
    return undefined;
  }
};

/**
 * A platform's credential pair: both set turns the platform on, neither leaves it off, one alone is a mistake that stops
 * the start (a half-configured channel would otherwise sit silently off).
 */
export function credentialPair<A extends string, B extends string>(
  read: SettingReader, first: Definition<A>, second: Definition<B>, platformLabel: string,
): { first: A; second: B } | undefined {
  const a = read.pick(first);
  const b = read.pick(second);
  if (Boolean(a) !== Boolean(b)) {
    throw new ClawError('CLAW_CONFIG_INVALID', { setting: `${first.env} / ${second.env}`, reason: `set both to turn ${platformLabel} on, or neither to leave it off` });
  }
  return a && b ? { first: a, second: b } : undefined;
}
