// Strict offline validation of generated openclaw.json: the keys OpenClaw accepts where we write, with their value rules.
// The real `openclaw config validate` is the conformance test; this catches mistakes without Node 24 and a 650 MB install.
import type { ConfigProblem } from '../../src/engines/adapters/claw-adapter.js';

type Rule = (value: unknown, path: string) => ConfigProblem[];

const ok: ConfigProblem[] = [];
const problem = (path: string, message: string): ConfigProblem[] => [{ path, message }];

const str: Rule = (v, p) => (typeof v === 'string' && v.length > 0 ? ok : problem(p, 'expected a non-empty string'));
const bool: Rule = (v, p) => (typeof v === 'boolean' ? ok : problem(p, 'expected true or false'));
const oneOf = (...values: string[]): Rule => (v, p) => (typeof v === 'string' && values.includes(v) ? ok : problem(p, `expected one of ${values.join(', ')}`));
const int = (min: number, max: number): Rule => (v, p) => (Number.isInteger(v) && (v as number) >= min && (v as number) <= max ? ok : problem(p, `expected an integer from ${min} to ${max}`));
const nonNegative: Rule = (v, p) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? ok : problem(p, 'expected a number >= 0'));
const absolutePath: Rule = (v, p) => (typeof v === 'string' && v.startsWith('/') ? ok : problem(p, 'expected an absolute path'));
const httpUrl: Rule = (v, p) => {
  if (typeof v !== 'string') return problem(p, 'expected an http(s) URL');
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:' ? ok : problem(p, 'expected an http(s) URL');
  } catch {
    return problem(p, 'expected an http(s) URL');
  }
};
/** OpenClaw: "Env secret reference id must match /^[A-Z][A-Z0-9_]{0,127}$/". */
const secretRef: Rule = (v, p) =>
  object({ source: oneOf('env'), provider: oneOf('default'), id: (id, ip) => (typeof id === 'string' && /^[A-Z][A-Z0-9_]{0,127}$/.test(id) ? ok : problem(ip, 'env secret reference id must be UPPER_SNAKE_CASE')) }, ['source', 'provider', 'id'])(v, p);
const duration: Rule = (v, p) => (typeof v === 'string' && /^\d+[smhd]$/.test(v) ? ok : problem(p, 'expected a duration such as 0m or 30m'));

function object(shape: Record<string, Rule>, required: string[] = []): Rule {
  return (v, p) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return problem(p, 'expected an object');
    const out: ConfigProblem[] = [];
    for (const [key, value] of Object.entries(v)) {
      const rule = shape[key];
      const path = p ? `${p}.${key}` : key;
      // OpenClaw's schema is strict: an unknown key is fatal at start (exit 78).
      if (!rule) out.push({ path, message: 'unknown key' });
      else out.push(...rule(value, path));
    }
    for (const key of required) if (!(key in v)) out.push({ path: p ? `${p}.${key}` : key, message: 'required' });
    return out;
  };
}

function record(rule: Rule, keyPattern = /^[a-z][a-z0-9-]*$/): Rule {
  return (v, p) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return problem(p, 'expected an object');
    return Object.entries(v).flatMap(([k, value]) => (keyPattern.test(k) ? rule(value, `${p}.${k}`) : problem(`${p}.${k}`, 'invalid key')));
  };
}

function list(rule: Rule, min = 0): Rule {
  return (v, p) => (Array.isArray(v) && v.length >= min ? v.flatMap((item, i) => rule(item, `${p}[${i}]`)) : problem(p, `expected a list of at least ${min}`));
}

const modelEntry = object({
  id: str, name: str, input: list(oneOf('text', 'image'), 1), contextWindow: int(1, 100_000_000), maxTokens: int(1, 10_000_000), reasoning: bool,
  cost: object({ input: nonNegative, output: nonNegative, cacheRead: nonNegative, cacheWrite: nonNegative }, ['input', 'output', 'cacheRead', 'cacheWrite']),
}, ['id', 'name']);

const providerEntry = object({
  baseUrl: httpUrl,
  api: oneOf('openai-completions', 'openai-responses', 'anthropic-messages', 'ollama'),
  apiKey: secretRef,
  models: list(modelEntry, 1),
});

const pluginEntry = object({ enabled: bool, config: (v, p) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? ok : problem(p, 'expected an object')) });

export const openClawShape: Rule = object({
  gateway: object({
    mode: oneOf('local'),
    port: int(1, 65535),
    bind: oneOf('loopback', 'lan'),
    auth: object({ mode: oneOf('token'), token: secretRef }, ['mode', 'token']),
    reload: object({ mode: oneOf('off', 'hybrid') }),
    terminal: object({ enabled: bool }),
    controlUi: object({ enabled: bool }),
    http: object({ endpoints: object({ chatCompletions: object({ enabled: bool }) }) }),
  }, ['mode', 'port', 'bind', 'auth']),
  agents: object({
    defaults: object({ workspace: absolutePath, model: object({ primary: (v, p) => (typeof v === 'string' && /^[a-z0-9-]+\/\S+$/.test(v) ? ok : problem(p, 'expected provider/model')) }), heartbeat: object({ every: duration }) }),
    entries: record(object({ name: str })),
  }, ['entries']),
  models: object({ mode: oneOf('merge', 'replace'), catalogRefresh: object({ enabled: bool }), providers: record(providerEntry) }),
  plugins: object({ entries: record(pluginEntry) }),
  logging: object({ file: absolutePath, level: oneOf('silent', 'fatal', 'error', 'warn', 'info', 'debug', 'trace') }),
  update: object({ checkOnStart: bool }),
  telemetry: object({ enabled: bool }),
  discovery: object({ mdns: object({ mode: oneOf('off', 'minimal', 'full') }) }),
}, ['gateway', 'agents']);
