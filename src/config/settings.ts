// Loads the control plane's settings from configs/claw.yaml and CLAW_* environment variables, and validates them.
import { isAbsolute, resolve } from 'node:path';
import { ClawError } from '../errors/claw-error.js';
import type { Locale } from '../i18n/locale.js';
import { configPath } from '../util/package-root.js';
import { readYamlFile } from './yaml-file.js';

export type DatabaseSettings =
  | { kind: 'sqlite'; path: string }
  | { kind: 'mysql'; host: string; port: number; user: string; password: string; database: string };

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Settings {
  host: string;
  port: number;
  dataDir: string;
  database: DatabaseSettings;
  /** Bootstrap platform-admin token; undefined means "generate one at first start". */
  adminToken: string | undefined;
  rateLimit: { perMinute: number; burst: number };
  commandMaxLength: number;
  chatLocale: Locale;
  apiLocale: Locale;
  logLevel: LogLevel;
}

type Env = Record<string, string | undefined>;

interface Definition<T> {
  /** Dotted path in claw.yaml, or undefined for environment-only settings (secrets). */
  path?: string;
  env: string;
  /** What the setting accepts, in the words of the error message. */
  accepts: string;
  parse(raw: unknown): T | undefined;
}

function invalid(def: Definition<unknown>, raw: unknown): ClawError {
  const where = def.path ? `${def.env} (${def.path} in claw.yaml)` : def.env;
  return new ClawError('CLAW_CONFIG_INVALID', {
    setting: where,
    reason: `${JSON.stringify(raw)} is not accepted; expected ${def.accepts}`,
  });
}

const integer = (min: number, max: number) => (raw: unknown): number | undefined => {
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  return Number.isInteger(n) && n >= min && n <= max ? n : undefined;
};

const oneOf = <T extends string>(values: readonly T[]) => (raw: unknown): T | undefined =>
  typeof raw === 'string' && (values as readonly string[]).includes(raw.trim().toLowerCase())
    ? (raw.trim().toLowerCase() as T)
    : undefined;

const nonEmptyString = (raw: unknown): string | undefined =>
  typeof raw === 'string' && raw.trim() !== '' ? raw.trim() : undefined;

const HOSTNAME = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;
const IPV6 = /^[0-9a-fA-F:]+$/;

const DEFS = {
  host: {
    path: 'server.host', env: 'CLAW_HOST', accepts: 'an IP address or host name such as 127.0.0.1 or 0.0.0.0',
    parse: (raw) => (typeof raw === 'string' && (HOSTNAME.test(raw) || (raw.includes(':') && IPV6.test(raw))) ? raw : undefined),
  } satisfies Definition<string>,
  port: { path: 'server.port', env: 'CLAW_PORT', accepts: 'an integer from 0 to 65535', parse: integer(0, 65535) } satisfies Definition<number>,
  dataDir: { path: 'dataDir', env: 'CLAW_DATA_DIR', accepts: 'a directory path', parse: nonEmptyString } satisfies Definition<string>,
  databaseUrl: {
    path: 'database.url', env: 'CLAW_DATABASE_URL',
    accepts: 'empty (SQLite in the data dir), sqlite:PATH, or mysql://user:pass@host:port/database',
    parse: (raw) => (raw === undefined || raw === null ? '' : typeof raw === 'string' ? raw.trim() : undefined),
  } satisfies Definition<string>,
  adminToken: {
    env: 'CLAW_ADMIN_TOKEN', accepts: 'at least 16 characters without spaces',
    parse: (raw) => (typeof raw === 'string' && /^\S{16,512}$/.test(raw) ? raw : undefined),
  } satisfies Definition<string>,
  ratePerMinute: { path: 'api.rateLimit.perMinute', env: 'CLAW_RATE_LIMIT_PER_MINUTE', accepts: 'an integer from 1 to 1000000', parse: integer(1, 1_000_000) } satisfies Definition<number>,
  rateBurst: { path: 'api.rateLimit.burst', env: 'CLAW_RATE_LIMIT_BURST', accepts: 'an integer from 1 to 100000', parse: integer(1, 100_000) } satisfies Definition<number>,
  commandMaxLength: { path: 'api.commandMaxLength', env: 'CLAW_COMMAND_MAX_LENGTH', accepts: 'an integer from 64 to 100000', parse: integer(64, 100_000) } satisfies Definition<number>,
  chatLocale: { path: 'locale.chat', env: 'CLAW_CHAT_LOCALE', accepts: 'zh or en', parse: oneOf(['zh', 'en'] as const) } satisfies Definition<Locale>,
  apiLocale: { path: 'locale.api', env: 'CLAW_API_LOCALE', accepts: 'zh or en', parse: oneOf(['zh', 'en'] as const) } satisfies Definition<Locale>,
  logLevel: {
    path: 'log.level', env: 'CLAW_LOG_LEVEL', accepts: 'fatal, error, warn, info, debug, trace or silent',
    parse: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const),
  } satisfies Definition<LogLevel>,
};

/** The keys claw.yaml may contain; anything else is a typo worth stopping for. */
function knownPaths(): Set<string> {
  return new Set(Object.values(DEFS).flatMap((d) => ('path' in d && d.path ? [d.path] : [])));
}

function flatten(value: unknown, prefix: string, out: Map<string, unknown>, source: string): void {
  if (value === null || value === undefined) return;
  if (typeof value !== 'object' || Array.isArray(value)) {
    out.set(prefix, value);
    return;
  }
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (child !== null && typeof child === 'object' && !Array.isArray(child)) flatten(child, path, out, source);
    else out.set(path, child);
  }
}

function pick<T>(def: Definition<T>, yaml: Map<string, unknown>, env: Env): T | undefined {
  const fromEnv = env[def.env];
  const raw = fromEnv !== undefined && fromEnv !== '' ? fromEnv : def.path ? yaml.get(def.path) : undefined;
  if (raw === undefined) return undefined;
  const value = def.parse(raw);
  if (value === undefined) throw invalid(def, def.env === 'CLAW_ADMIN_TOKEN' ? '(hidden)' : raw);
  return value;
}

function required<T>(def: Definition<T>, yaml: Map<string, unknown>, env: Env): T {
  const value = pick(def, yaml, env);
  if (value === undefined) throw invalid(def, undefined);
  return value;
}

export function parseDatabaseUrl(url: string, dataDir: string): DatabaseSettings {
  const reject = (reason: string) =>
    new ClawError('CLAW_CONFIG_INVALID', { setting: `${DEFS.databaseUrl.env} (${DEFS.databaseUrl.path} in claw.yaml)`, reason: `${reason}; expected ${DEFS.databaseUrl.accepts}` });
  if (url === '') return { kind: 'sqlite', path: resolve(dataDir, 'claw.db') };
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length).replace(/^\/\//, '');
    if (file === '') throw reject('sqlite: needs a file path');
    return { kind: 'sqlite', path: isAbsolute(file) ? file : resolve(file) };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw reject('not a URL');
  }
  if (parsed.protocol !== 'mysql:' && parsed.protocol !== 'mariadb:') throw reject(`unsupported scheme ${parsed.protocol}`);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_$-]{1,64}$/.test(database)) throw reject('the URL must name a database, e.g. /claw');
  return {
    kind: 'mysql',
    host: parsed.hostname || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 3306,
    user: decodeURIComponent(parsed.username || 'root'),
    password: decodeURIComponent(parsed.password),
    database,
  };
}

export interface LoadOptions {
  env?: Env;
  /** Path of the YAML file; defaults to CLAW_CONFIG or configs/claw.yaml. */
  file?: string;
}

export function loadSettings(options: LoadOptions = {}): Settings {
  const env = options.env ?? process.env;
  const file = options.file ?? env.CLAW_CONFIG ?? configPath('claw.yaml');
  const doc = readYamlFile(file);
  if (doc !== null && doc !== undefined && (typeof doc !== 'object' || Array.isArray(doc))) {
    throw new ClawError('CLAW_CONFIG_INVALID', { setting: file, reason: 'the file must hold a mapping of settings' });
  }
  const yaml = new Map<string, unknown>();
  flatten(doc, '', yaml, file);
  const known = knownPaths();
  for (const key of yaml.keys()) {
    if (!known.has(key)) {
      throw new ClawError('CLAW_CONFIG_INVALID', { setting: `${key} in ${file}`, reason: `unknown setting; known settings are ${[...known].join(', ')}` });
    }
  }

  const dataDir = resolve(required(DEFS.dataDir, yaml, env));
  return {
    host: required(DEFS.host, yaml, env),
    port: required(DEFS.port, yaml, env),
    dataDir,
    database: parseDatabaseUrl(pick(DEFS.databaseUrl, yaml, env) ?? '', dataDir),
    adminToken: pick(DEFS.adminToken, yaml, env),
    rateLimit: { perMinute: required(DEFS.ratePerMinute, yaml, env), burst: required(DEFS.rateBurst, yaml, env) },
    commandMaxLength: required(DEFS.commandMaxLength, yaml, env),
    chatLocale: required(DEFS.chatLocale, yaml, env),
    apiLocale: required(DEFS.apiLocale, yaml, env),
    logLevel: required(DEFS.logLevel, yaml, env),
  };
}
