// Loads the control plane's settings from configs/claw.yaml and CLAW_* environment variables, and validates them.
import { isAbsolute, join, resolve } from 'node:path';
import { ClawError } from '../errors/claw-error.js';
import type { Locale } from '../i18n/locale.js';
import { homedir } from 'node:os';
import { parseDuration } from '../model/values/duration.js';
import { parseQuantity } from '../model/values/quantity.js';
import { parseResourceName } from '../model/values/name.js';
import { configPath } from '../util/package-root.js';
import { isTimeZone } from '../util/zoned-time.js';
import { readYamlFile } from './yaml-file.js';
import { oneOf, optionalString, settingReader, type Definition, type Env, type SettingsSection } from './settings-section.js';

export type DatabaseSettings =
  | { kind: 'sqlite'; path: string }
  | { kind: 'mysql'; host: string; port: number; user: string; password: string; database: string };

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface KubernetesSettings {
  kubeconfig: string | undefined;
  context: string | undefined;
  storageClass: string | undefined;
  leaseNamespace: string;
  leaseName: string;
  /** Namespace of the control plane's pods, for the tenants' NetworkPolicies; undefined = its own (in a pod), else `default`. */
  controlPlaneNamespace: string | undefined;
  /** Labels of the control plane's pods: only they may reach claws, and claws reach only them of the control plane. */
  controlPlaneSelector: Record<string, string>;
  /** In-cluster namespaces holding model endpoints that claws may reach; never a tenant's `claw-*` namespace. */
  modelNamespaces: string[];
}

export interface UsageSettings {
  /** Every running claw's CPU, memory and tokens are sampled this often. */
  intervalMs: number;
  /** Claws asked for their tokens at once. */
  concurrency: number;
  /** How long raw samples and each rollup are kept; the leader prunes older rows. */
  retentionMs: { raw: number; fiveMinutes: number; hourly: number; daily: number };
}

export interface AlertSettings {
  /** The leader evaluates the rules of configs/alerts.yaml this often. */
  intervalMs: number;
  /** A new alert waits this long before its card (inhibition sorts out alerts that come together). */
  groupWaitMs: number;
  /** A firing alert nobody acknowledged is brought up again this often. */
  repeatIntervalMs: number;
  /** A cause must stay away this long before its alert resolves, so a flapping claw keeps one alert. */
  resolveDelayMs: number;
  /** Bearer token Prometheus Alertmanager sends to POST /webhooks/alertmanager; unset = the route refuses everything. */
  alertmanagerToken: string | undefined;
}

export interface Settings {
  host: string;
  port: number;
  dataDir: string;
  database: DatabaseSettings;
  /** Bootstrap platform-admin token; undefined means "generate one at first start". */
  adminToken: string | undefined;
  rateLimit: { perMinute: number; burst: number };
  /** Failed authentications allowed per client address before it is refused (429) without any database work. */
  authFailureLimit: { perMinute: number; burst: number };
  commandMaxLength: number;
  chatLocale: Locale;
  apiLocale: Locale;
  /** The company's time zone: token budgets run per calendar month here, and digests default to it. */
  timeZone: string;
  logLevel: LogLevel;
  /** Key that encrypts secrets at rest; undefined = a key generated once into the data dir. */
  secretKey: string | undefined;
  /** The key being retired while `claw secret rotate-key` moves secrets to secretKey; undefined otherwise. */
  secretKeyPrevious: string | undefined;
  /** How often each replica re-reads the secret key generation, so it seals with a new one soon after a rotation. */
  secretRefreshMs: number;
  runtime: 'local' | 'kubernetes';
  cacheDir: string;
  /** Local claws: how they are isolated (runtime/local/isolation.ts) and which uids they get as root. */
  local: { isolation: 'auto' | 'users' | 'sandbox' | 'off'; uidRange: { first: number; last: number } };
  kubernetes: KubernetesSettings;
  instanceDefaults: { type: string; template: string; cpu: string; memory: string; storage: string };
  /** Pending without a node this long, or running but never ready this long, is Failed. */
  unschedulableTimeoutMs: number;
  readyTimeoutMs: number;
  quota: { instances: number; cpu: string; memory: string; storage: string };
  reconciler: { workers: number; resyncMs: number };
  /** The leader's usage collector (src/engines/usage): how often it samples, how many claws at once, how long rows are kept. */
  usage: UsageSettings;
  /** Alert evaluation (src/engines/alerts) and the Alertmanager webhook. */
  alerts: AlertSettings;
  /** Digest schedules whose digests would come closer together than this are refused (a typo must not flood a group). */
  digestMinIntervalMs: number;
  /** In groups, act only on messages that @mention the bot. */
  requireMention: boolean;
  /** Each chat platform's settings, by platform name (channels/<name>/platform.ts); a platform without credentials is absent and stays off. */
  channels: Record<string, unknown>;
}

const integer = (min: number, max: number) => (raw: unknown): number | undefined => {
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  return Number.isInteger(n) && n >= min && n <= max ? n : undefined;
};

const nonEmptyString = (raw: unknown): string | undefined =>
  typeof raw === 'string' && raw.trim() !== '' ? raw.trim() : undefined;

const duration = (raw: unknown): number | undefined => {
  const r = typeof raw === 'string' ? parseDuration(raw) : undefined;
  return r?.ok ? r.value : undefined;
};
const durationOrZero = (raw: unknown): number | undefined => (raw === 0 || raw === '0' ? 0 : duration(raw));
const quantity = (unit: 'cpu' | 'bytes') => (raw: unknown): string | undefined => {
  const r = typeof raw === 'string' || typeof raw === 'number' ? parseQuantity(String(raw), unit) : undefined;
  return r?.ok ? r.value.text : undefined;
};
const idRange = (raw: unknown): { first: number; last: number } | undefined => {
  const match = typeof raw === 'string' ? /^\s*(\d{1,10})\s*-\s*(\d{1,10})\s*$/.exec(raw) : null;
  if (!match) return undefined;
  const first = Number(match[1]);
  const last = Number(match[2]);
  // Not root's group or below the first login user; uid_t is 32 bits, and 2^31 and up upsets some tools.
  return first >= 1000 && last >= first && last < 2 ** 31 ? { first, last } : undefined;
};
const label = (raw: unknown): string | undefined => {
  const r = typeof raw === 'string' ? parseResourceName(raw) : undefined;
  return r?.ok ? r.value : undefined;
};

const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;
/** `key=value,key=value`: a Kubernetes equality selector. */
const selector = (raw: unknown): Record<string, string> | undefined => {
  if (typeof raw !== 'string' || raw.trim() === '') return undefined;
  const out: Record<string, string> = {};
  for (const pair of raw.split(',')) {
    const [key, value, ...rest] = pair.trim().split('=');
    if (key === undefined || value === undefined || rest.length > 0 || !LABEL_KEY.test(key) || !LABEL_VALUE.test(value)) return undefined;
    out[key] = value;
  }
  return out;
};
/** Namespace names, comma-separated (or a YAML list), possibly none; a tenant's `claw-*` namespace is refused. */
const namespaces = (raw: unknown): string[] | undefined => {
  const items = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : undefined;
  if (!items) return undefined;
  const names = items.map((i) => (typeof i === 'string' ? i.trim() : '')).filter((i) => i !== '');
  return names.every((n) => label(n) === n && !n.startsWith('claw-')) ? names : undefined;
};
const optionalNamespace = (raw: unknown): string | undefined => {
  const text = optionalString(raw);
  return text === undefined || text === '' ? text : label(text);
};

const bool = (raw: unknown): boolean | undefined =>
  raw === true || raw === 'true' || raw === '1' ? true : raw === false || raw === 'false' || raw === '0' ? false : undefined;
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
    env: 'CLAW_ADMIN_TOKEN', accepts: 'at least 16 characters without spaces', secret: true,
    parse: (raw) => (typeof raw === 'string' && /^\S{16,512}$/.test(raw) ? raw : undefined),
  } satisfies Definition<string>,
  ratePerMinute: { path: 'api.rateLimit.perMinute', env: 'CLAW_RATE_LIMIT_PER_MINUTE', accepts: 'an integer from 1 to 1000000', parse: integer(1, 1_000_000) } satisfies Definition<number>,
  rateBurst: { path: 'api.rateLimit.burst', env: 'CLAW_RATE_LIMIT_BURST', accepts: 'an integer from 1 to 100000', parse: integer(1, 100_000) } satisfies Definition<number>,
  authFailuresPerMinute: {
    path: 'api.authFailures.perMinute', env: 'CLAW_AUTH_FAILURES_PER_MINUTE', accepts: 'an integer from 1 to 1000000', parse: integer(1, 1_000_000),
  } satisfies Definition<number>,
  authFailuresBurst: { path: 'api.authFailures.burst', env: 'CLAW_AUTH_FAILURES_BURST', accepts: 'an integer from 1 to 100000', parse: integer(1, 100_000) } satisfies Definition<number>,
  commandMaxLength: { path: 'api.commandMaxLength', env: 'CLAW_COMMAND_MAX_LENGTH', accepts: 'an integer from 64 to 100000', parse: integer(64, 100_000) } satisfies Definition<number>,
  chatLocale: { path: 'locale.chat', env: 'CLAW_CHAT_LOCALE', accepts: 'zh or en', parse: oneOf(['zh', 'en'] as const) } satisfies Definition<Locale>,
  timeZone: { path: 'locale.timeZone', env: 'CLAW_TIME_ZONE', accepts: 'an IANA time zone such as Asia/Shanghai', parse: (raw: unknown) => (typeof raw === 'string' && isTimeZone(raw.trim()) ? raw.trim() : undefined) } satisfies Definition<string>,
  apiLocale: { path: 'locale.api', env: 'CLAW_API_LOCALE', accepts: 'zh or en', parse: oneOf(['zh', 'en'] as const) } satisfies Definition<Locale>,
  logLevel: {
    path: 'log.level', env: 'CLAW_LOG_LEVEL', accepts: 'fatal, error, warn, info, debug, trace or silent',
    parse: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const),
  } satisfies Definition<LogLevel>,
  secretKey: {
    env: 'CLAW_SECRET_KEY', accepts: '32 random bytes as 64 hex characters or base64 (openssl rand -base64 32)', secret: true,
    parse: (raw) => (typeof raw === 'string' && /^[A-Za-z0-9+/=]{40,}$/.test(raw.trim()) ? raw.trim() : undefined),
  } satisfies Definition<string>,
  secretKeyPrevious: {
    env: 'CLAW_SECRET_KEY_PREVIOUS', accepts: 'the secret key being retired, like CLAW_SECRET_KEY', secret: true,
    parse: (raw) => (typeof raw === 'string' && /^[A-Za-z0-9+/=]{40,}$/.test(raw.trim()) ? raw.trim() : undefined),
  } satisfies Definition<string>,
  secretRefresh: {
    path: 'secrets.refresh', env: 'CLAW_SECRET_REFRESH', accepts: 'a duration from 1s to 10m such as 30s',
    parse: (raw: unknown) => { const ms = duration(raw); return ms !== undefined && ms >= 1000 && ms <= 600_000 ? ms : undefined; },
  } satisfies Definition<number>,
  runtime: { path: 'runtime.kind', env: 'CLAW_RUNTIME', accepts: 'local or kubernetes', parse: oneOf(['local', 'kubernetes'] as const) } satisfies Definition<'local' | 'kubernetes'>,
  cacheDir: { path: 'runtime.cacheDir', env: 'CLAW_CACHE_DIR', accepts: 'a directory path, or empty', parse: optionalString } satisfies Definition<string>,
  localIsolation: {
    path: 'runtime.local.isolation', env: 'CLAW_LOCAL_ISOLATION', accepts: 'auto, users, sandbox or off', parse: oneOf(['auto', 'users', 'sandbox', 'off'] as const),
  } satisfies Definition<'auto' | 'users' | 'sandbox' | 'off'>,
  localUidRange: {
    path: 'runtime.local.uidRange', env: 'CLAW_LOCAL_UID_RANGE', accepts: 'a range of uids such as 1900000000-1900099999 (from 1000, below 2^31)', parse: idRange,
  } satisfies Definition<{ first: number; last: number }>,
  kubeconfig: { path: 'runtime.kubernetes.kubeconfig', env: 'CLAW_KUBECONFIG', accepts: 'a file path, or empty', parse: optionalString } satisfies Definition<string>,
  kubeContext: { path: 'runtime.kubernetes.context', env: 'CLAW_KUBE_CONTEXT', accepts: 'a context name, or empty', parse: optionalString } satisfies Definition<string>,
  storageClass: { path: 'runtime.kubernetes.storageClass', env: 'CLAW_STORAGE_CLASS', accepts: 'a StorageClass name, or empty', parse: optionalString } satisfies Definition<string>,
  leaseNamespace: { path: 'runtime.kubernetes.leaseNamespace', env: 'CLAW_LEASE_NAMESPACE', accepts: 'a namespace name', parse: label } satisfies Definition<string>,
  leaseName: { path: 'runtime.kubernetes.leaseName', env: 'CLAW_LEASE_NAME', accepts: 'a Lease name', parse: label } satisfies Definition<string>,
  controlPlaneNamespace: {
    path: 'runtime.kubernetes.controlPlaneNamespace', env: 'CLAW_CONTROL_PLANE_NAMESPACE', accepts: 'a namespace name, or empty', parse: optionalNamespace,
  } satisfies Definition<string>,
  controlPlaneSelector: {
    path: 'runtime.kubernetes.controlPlaneSelector', env: 'CLAW_CONTROL_PLANE_SELECTOR', accepts: 'labels such as app.kubernetes.io/name=open-cluster-claw', parse: selector,
  } satisfies Definition<Record<string, string>>,
  modelNamespaces: {
    path: 'runtime.kubernetes.modelNamespaces', env: 'CLAW_MODEL_NAMESPACES', accepts: 'namespace names separated by commas (not claw-*), or empty', parse: namespaces,
  } satisfies Definition<string[]>,
  defaultType: { path: 'instances.type', env: 'CLAW_DEFAULT_TYPE', accepts: 'a claw type such as openclaw', parse: label } satisfies Definition<string>,
  defaultTemplate: { path: 'instances.template', env: 'CLAW_DEFAULT_TEMPLATE', accepts: 'a template name', parse: label } satisfies Definition<string>,
  defaultCpu: { path: 'instances.cpu', env: 'CLAW_DEFAULT_CPU', accepts: 'a cpu quantity such as 500m or 2', parse: quantity('cpu') } satisfies Definition<string>,
  defaultMemory: { path: 'instances.memory', env: 'CLAW_DEFAULT_MEMORY', accepts: 'a size such as 1Gi', parse: quantity('bytes') } satisfies Definition<string>,
  defaultStorage: { path: 'instances.storage', env: 'CLAW_DEFAULT_STORAGE', accepts: 'a size such as 1Gi', parse: quantity('bytes') } satisfies Definition<string>,
  unschedulableTimeout: { path: 'instances.unschedulableTimeout', env: 'CLAW_UNSCHEDULABLE_TIMEOUT', accepts: 'a duration such as 2m', parse: duration } satisfies Definition<number>,
  readyTimeout: { path: 'instances.readyTimeout', env: 'CLAW_READY_TIMEOUT', accepts: 'a duration such as 10m', parse: duration } satisfies Definition<number>,
  quotaInstances: { path: 'quota.instances', env: 'CLAW_QUOTA_INSTANCES', accepts: 'an integer from 0 to 100000', parse: integer(0, 100_000) } satisfies Definition<number>,
  quotaCpu: { path: 'quota.cpu', env: 'CLAW_QUOTA_CPU', accepts: 'a cpu quantity such as 16', parse: quantity('cpu') } satisfies Definition<string>,
  quotaMemory: { path: 'quota.memory', env: 'CLAW_QUOTA_MEMORY', accepts: 'a size such as 32Gi', parse: quantity('bytes') } satisfies Definition<string>,
  quotaStorage: { path: 'quota.storage', env: 'CLAW_QUOTA_STORAGE', accepts: 'a size such as 100Gi', parse: quantity('bytes') } satisfies Definition<string>,
  workers: { path: 'reconciler.workers', env: 'CLAW_RECONCILER_WORKERS', accepts: 'an integer from 1 to 64', parse: integer(1, 64) } satisfies Definition<number>,
  resync: { path: 'reconciler.resync', env: 'CLAW_RECONCILER_RESYNC', accepts: 'a duration such as 30s', parse: duration } satisfies Definition<number>,
  usageInterval: {
    path: 'usage.interval', env: 'CLAW_USAGE_INTERVAL', accepts: 'a duration of at least 1s such as 60s',
    parse: (raw: unknown) => { const ms = duration(raw); return ms !== undefined && ms >= 1000 ? ms : undefined; },
  } satisfies Definition<number>,
  usageConcurrency: { path: 'usage.concurrency', env: 'CLAW_USAGE_CONCURRENCY', accepts: 'an integer from 1 to 256', parse: integer(1, 256) } satisfies Definition<number>,
  usageRetentionRaw: { path: 'usage.retention.raw', env: 'CLAW_USAGE_RETENTION_RAW', accepts: 'a duration such as 2d', parse: duration } satisfies Definition<number>,
  usageRetention5m: { path: 'usage.retention.fiveMinutes', env: 'CLAW_USAGE_RETENTION_5M', accepts: 'a duration such as 14d', parse: duration } satisfies Definition<number>,
  usageRetention1h: { path: 'usage.retention.hourly', env: 'CLAW_USAGE_RETENTION_1H', accepts: 'a duration such as 90d', parse: duration } satisfies Definition<number>,
  usageRetention1d: { path: 'usage.retention.daily', env: 'CLAW_USAGE_RETENTION_1D', accepts: 'a duration such as 730d', parse: duration } satisfies Definition<number>,
  alertsInterval: { path: 'alerts.interval', env: 'CLAW_ALERTS_INTERVAL', accepts: 'a duration such as 30s', parse: duration } satisfies Definition<number>,
  alertsGroupWait: { path: 'alerts.groupWait', env: 'CLAW_ALERTS_GROUP_WAIT', accepts: 'a duration such as 30s, or 0', parse: durationOrZero } satisfies Definition<number>,
  alertsRepeatInterval: { path: 'alerts.repeatInterval', env: 'CLAW_ALERTS_REPEAT_INTERVAL', accepts: 'a duration such as 4h', parse: duration } satisfies Definition<number>,
  alertsResolveDelay: { path: 'alerts.resolveDelay', env: 'CLAW_ALERTS_RESOLVE_DELAY', accepts: 'a duration such as 2m, or 0', parse: durationOrZero } satisfies Definition<number>,
  alertmanagerToken: {
    env: 'CLAW_ALERTMANAGER_TOKEN', accepts: 'at least 16 characters without spaces', secret: true,
    parse: (raw: unknown) => (typeof raw === 'string' && /^\S{16,512}$/.test(raw) ? raw : undefined),
  } satisfies Definition<string>,
  digestMinInterval: { path: 'digests.minInterval', env: 'CLAW_DIGEST_MIN_INTERVAL', accepts: 'a duration such as 1m', parse: duration } satisfies Definition<number>,
  requireMention: { path: 'channels.requireMention', env: 'CLAW_CHAT_REQUIRE_MENTION', accepts: 'true or false', parse: bool } satisfies Definition<boolean>,
};

/** Root's claws run as other users, who cannot pass through /root: a root control plane keeps its cache in /var/cache. */
function defaultCacheDir(): string {
  return process.getuid?.() === 0 ? '/var/cache/open-cluster-claw' : join(homedir(), '.cache', 'open-cluster-claw');
}

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
  /**
   * The chat platforms whose settings to read (`npm start` passes every built-in one). Without them no channel is on,
   * and their `channels.<name>.*` keys in claw.yaml are left unread.
   */
  platforms?: ReadonlyArray<{ name: string; settings: SettingsSection<unknown> }>;
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
  const platforms = options.platforms;
  const known = knownPaths();
  for (const platform of platforms ?? []) for (const def of platform.settings.definitions) if (def.path) known.add(def.path);
  for (const key of yaml.keys()) {
    // A chat platform's own keys (channels.<name>.*) are checked by the platforms read; without any, they are not read.
    if (!platforms && /^channels\.[a-z][a-z0-9]*\./.test(key)) continue;
    if (!known.has(key)) {
      throw new ClawError('CLAW_CONFIG_INVALID', { setting: `${key} in ${file}`, reason: `unknown setting; known settings are ${[...known].join(', ')}` });
    }
  }

  const read = settingReader(yaml, env);
  const { pick, required } = read;
  const dataDir = resolve(required(DEFS.dataDir));
  const channels: Record<string, unknown> = {};
  for (const platform of platforms ?? []) {
    const loaded = platform.settings.load(read);
    if (loaded !== undefined) channels[platform.name] = loaded;
  }
  return {
    host: required(DEFS.host),
    port: required(DEFS.port),
    dataDir,
    database: parseDatabaseUrl(pick(DEFS.databaseUrl) ?? '', dataDir),
    adminToken: pick(DEFS.adminToken),
    rateLimit: { perMinute: required(DEFS.ratePerMinute), burst: required(DEFS.rateBurst) },
    authFailureLimit: { perMinute: required(DEFS.authFailuresPerMinute), burst: required(DEFS.authFailuresBurst) },
    commandMaxLength: required(DEFS.commandMaxLength),
    chatLocale: required(DEFS.chatLocale),
    apiLocale: required(DEFS.apiLocale),
    timeZone: required(DEFS.timeZone),
    logLevel: required(DEFS.logLevel),
    secretKey: pick(DEFS.secretKey),
    secretKeyPrevious: pick(DEFS.secretKeyPrevious),
    secretRefreshMs: required(DEFS.secretRefresh),
    runtime: required(DEFS.runtime),
    cacheDir: resolve(pick(DEFS.cacheDir) || defaultCacheDir()),
    local: { isolation: required(DEFS.localIsolation), uidRange: required(DEFS.localUidRange) },
    kubernetes: {
      kubeconfig: pick(DEFS.kubeconfig) || undefined,
      context: pick(DEFS.kubeContext) || undefined,
      storageClass: pick(DEFS.storageClass) || undefined,
      leaseNamespace: required(DEFS.leaseNamespace),
      leaseName: required(DEFS.leaseName),
      controlPlaneNamespace: pick(DEFS.controlPlaneNamespace) || undefined,
      controlPlaneSelector: required(DEFS.controlPlaneSelector),
      modelNamespaces: required(DEFS.modelNamespaces),
    },
    instanceDefaults: {
      type: required(DEFS.defaultType),
      template: required(DEFS.defaultTemplate),
      cpu: required(DEFS.defaultCpu),
      memory: required(DEFS.defaultMemory),
      storage: required(DEFS.defaultStorage),
    },
    unschedulableTimeoutMs: required(DEFS.unschedulableTimeout),
    readyTimeoutMs: required(DEFS.readyTimeout),
    quota: {
      instances: required(DEFS.quotaInstances),
      cpu: required(DEFS.quotaCpu),
      memory: required(DEFS.quotaMemory),
      storage: required(DEFS.quotaStorage),
    },
    reconciler: { workers: required(DEFS.workers), resyncMs: required(DEFS.resync) },
    usage: {
      intervalMs: required(DEFS.usageInterval),
      concurrency: required(DEFS.usageConcurrency),
      retentionMs: {
        raw: required(DEFS.usageRetentionRaw), fiveMinutes: required(DEFS.usageRetention5m), hourly: required(DEFS.usageRetention1h), daily: required(DEFS.usageRetention1d),
      },
    },
    alerts: {
      intervalMs: required(DEFS.alertsInterval),
      groupWaitMs: required(DEFS.alertsGroupWait),
      repeatIntervalMs: required(DEFS.alertsRepeatInterval),
      resolveDelayMs: required(DEFS.alertsResolveDelay),
      alertmanagerToken: pick(DEFS.alertmanagerToken),
    },
    digestMinIntervalMs: required(DEFS.digestMinInterval),
    requireMention: required(DEFS.requireMention),
    channels,
  };
}
