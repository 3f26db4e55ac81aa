// Settings: configs/claw.yaml defaults, CLAW_* overrides, and start-up errors that name the setting and what it accepts.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILT_IN_PLATFORMS } from '../../src/channels/platforms.js';
import { loadSettings, parseDatabaseUrl } from '../../src/config/settings.js';
import { parseYaml } from '../../src/config/yaml-file.js';
import { parseRoles } from '../../src/engines/access/role-catalog.js';

const dir = mkdtempSync(join(tmpdir(), 'claw-settings-'));
/** As `npm start` loads them: with the settings of every built-in chat platform. */
const withPlatforms = (env: Record<string, string>, file?: string) => loadSettings({ env, platforms: BUILT_IN_PLATFORMS, ...(file ? { file } : {}) });
function yamlFile(text: string): string {
  const file = join(dir, `${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, text);
  return file;
}

describe('loadSettings', () => {
  it('uses the defaults of configs/claw.yaml', () => {
    const s = loadSettings({ env: {} });
    expect(s).toMatchObject({
      host: '127.0.0.1', port: 8080, dataDir: resolve('data'), database: { kind: 'sqlite', path: resolve('data', 'claw.db') },
      adminToken: undefined, rateLimit: { perMinute: 600, burst: 60 }, chatLocale: 'zh', apiLocale: 'en', logLevel: 'info',
    });
  });

  it('lets environment variables override every setting', () => {
    const s = loadSettings({
      env: {
        CLAW_HOST: '0.0.0.0', CLAW_PORT: '9090', CLAW_DATA_DIR: '/tmp/claw-x', CLAW_DATABASE_URL: 'mysql://u:p%40ss@db.example:3307/claw',
        CLAW_ADMIN_TOKEN: 'a-long-enough-token', CLAW_RATE_LIMIT_PER_MINUTE: '100', CLAW_RATE_LIMIT_BURST: '5', CLAW_COMMAND_MAX_LENGTH: '500',
        CLAW_CHAT_LOCALE: 'en', CLAW_API_LOCALE: 'zh', CLAW_LOG_LEVEL: 'debug',
      },
    });
    expect(s).toMatchObject({
      host: '0.0.0.0', port: 9090, dataDir: '/tmp/claw-x',
      database: { kind: 'mysql', host: 'db.example', port: 3307, user: 'u', password: 'p@ss', database: 'claw' },
      adminToken: 'a-long-enough-token', rateLimit: { perMinute: 100, burst: 5 }, commandMaxLength: 500, chatLocale: 'en', apiLocale: 'zh', logLevel: 'debug',
    });
  });

  it('reads the runtime, instance defaults, quota and reconciler settings', () => {
    expect(loadSettings({ env: {} })).toMatchObject({
      runtime: 'local', kubernetes: { kubeconfig: undefined, leaseNamespace: 'default', leaseName: 'open-cluster-claw-reconciler' },
      instanceDefaults: { type: 'openclaw', template: 'default', cpu: '500m', memory: '2Gi', storage: '1Gi' },
      unschedulableTimeoutMs: 120_000, readyTimeoutMs: 600_000, quota: { instances: 20, cpu: '16', memory: '32Gi', storage: '100Gi' },
      reconciler: { workers: 4, resyncMs: 30_000 },
    });
    expect(loadSettings({
      env: {
        CLAW_RUNTIME: 'kubernetes', CLAW_KUBECONFIG: '/etc/kube/config', CLAW_KUBE_CONTEXT: 'prod', CLAW_STORAGE_CLASS: 'fast',
        CLAW_DEFAULT_MEMORY: '4Gi', CLAW_READY_TIMEOUT: '5m', CLAW_QUOTA_CPU: '64', CLAW_RECONCILER_WORKERS: '8', CLAW_CACHE_DIR: '/var/cache/claw',
      },
    })).toMatchObject({
      runtime: 'kubernetes', kubernetes: { kubeconfig: '/etc/kube/config', context: 'prod', storageClass: 'fast' }, instanceDefaults: { memory: '4Gi' },
      readyTimeoutMs: 300_000, quota: { cpu: '64' }, reconciler: { workers: 8 }, cacheDir: '/var/cache/claw',
    });
  });

  it('reads the company time zone (budgets\' months), Asia/Shanghai by default, and refuses one Intl does not know', () => {
    expect(loadSettings({ env: {} }).timeZone).toBe('Asia/Shanghai');
    expect(loadSettings({ env: { CLAW_TIME_ZONE: 'Europe/Berlin' } }).timeZone).toBe('Europe/Berlin');
    expect(() => loadSettings({ env: { CLAW_TIME_ZONE: 'Mars/Olympus' } })).toThrow('Invalid setting CLAW_TIME_ZONE (locale.timeZone in claw.yaml): "Mars/Olympus" is not accepted; expected an IANA time zone such as Asia/Shanghai');
  });

  it('reads how local claws are isolated, and refuses a uid range that is not one', () => {
    expect(loadSettings({ env: {} }).local).toEqual({ isolation: 'auto', uidRange: { first: 1_900_000_000, last: 1_900_099_999 } });
    expect(loadSettings({ env: { CLAW_LOCAL_ISOLATION: 'Off', CLAW_LOCAL_UID_RANGE: '70000 - 70999' } }).local).toEqual({ isolation: 'off', uidRange: { first: 70_000, last: 70_999 } });
    for (const bad of ['0-100', '5000-4000', '70000', '1-2147483648']) {
      expect(() => loadSettings({ env: { CLAW_LOCAL_UID_RANGE: bad } })).toThrow(`Invalid setting CLAW_LOCAL_UID_RANGE (runtime.local.uidRange in claw.yaml): "${bad}" is not accepted`);
    }
    expect(() => loadSettings({ env: { CLAW_LOCAL_ISOLATION: 'chroot' } })).toThrow('expected auto, users, sandbox or off');
  });

  it('reads who may talk to claws: the control plane\'s namespace and labels, and the model namespaces', () => {
    expect(loadSettings({ env: {} }).kubernetes).toMatchObject({
      controlPlaneNamespace: undefined, controlPlaneSelector: { 'app.kubernetes.io/name': 'open-cluster-claw' }, modelNamespaces: ['llm'],
    });
    expect(loadSettings({
      env: { CLAW_CONTROL_PLANE_NAMESPACE: 'ops', CLAW_CONTROL_PLANE_SELECTOR: 'app=claw,tier=control', CLAW_MODEL_NAMESPACES: 'llm, vllm' },
    }).kubernetes).toMatchObject({ controlPlaneNamespace: 'ops', controlPlaneSelector: { app: 'claw', tier: 'control' }, modelNamespaces: ['llm', 'vllm'] });
  });

  it.each([
    [{ CLAW_MODEL_NAMESPACES: 'llm,claw-acme' }, 'Invalid setting CLAW_MODEL_NAMESPACES (runtime.kubernetes.modelNamespaces in claw.yaml): "llm,claw-acme" is not accepted'],
    [{ CLAW_CONTROL_PLANE_SELECTOR: 'app' }, 'expected labels such as app.kubernetes.io/name=open-cluster-claw'],
    [{ CLAW_CONTROL_PLANE_NAMESPACE: 'Not_A_Namespace' }, 'expected a namespace name, or empty'],
    [{ CLAW_RUNTIME: 'docker' }, 'Invalid setting CLAW_RUNTIME (runtime.kind in claw.yaml): "docker" is not accepted; expected local or kubernetes'],
    [{ CLAW_DEFAULT_MEMORY: '2GB' }, 'expected a size such as 1Gi'],
    [{ CLAW_READY_TIMEOUT: '10' }, 'expected a duration such as 10m'],
    [{ CLAW_QUOTA_CPU: 'lots' }, 'expected a cpu quantity such as 16'],
    [{ CLAW_RECONCILER_WORKERS: '0' }, 'expected an integer from 1 to 64'],
    [{ CLAW_PORT: 'eighty' }, 'Invalid setting CLAW_PORT (server.port in claw.yaml): "eighty" is not accepted; expected an integer from 0 to 65535'],
    [{ CLAW_PORT: '70000' }, 'expected an integer from 0 to 65535'],
    [{ CLAW_HOST: 'not a host' }, 'Invalid setting CLAW_HOST (server.host in claw.yaml)'],
    [{ CLAW_DATABASE_URL: 'postgres://x/y' }, 'Invalid setting CLAW_DATABASE_URL (database.url in claw.yaml): unsupported scheme postgres:'],
    [{ CLAW_DATABASE_URL: 'mysql://root@localhost' }, 'the URL must name a database'],
    [{ CLAW_LOG_LEVEL: 'loud' }, 'expected fatal, error, warn, info, debug, trace or silent'],
    [{ CLAW_CHAT_LOCALE: 'fr' }, 'Invalid setting CLAW_CHAT_LOCALE (locale.chat in claw.yaml): "fr" is not accepted; expected zh or en'],
  ])('refuses %j', (env, message) => {
    expect(() => loadSettings({ env })).toThrow(message);
  });

  it('leaves the chat channels off without credentials, and turns each on with both of its credentials', () => {
    expect(withPlatforms({})).toMatchObject({ channels: {}, requireMention: true });
    const s = withPlatforms({
        CLAW_FEISHU_APP_ID: 'cli_0123456789abcdef', CLAW_FEISHU_APP_SECRET: 's3cret', CLAW_FEISHU_DOMAIN: 'lark',
        CLAW_DINGTALK_CLIENT_ID: 'dingabc', CLAW_DINGTALK_CLIENT_SECRET: 'dsecret', CLAW_DINGTALK_API_URL: 'http://127.0.0.1:9/',
        CLAW_CHAT_REQUIRE_MENTION: 'false',
    });
    expect(s.channels.feishu).toEqual({ appId: 'cli_0123456789abcdef', appSecret: 's3cret', domain: 'https://open.larksuite.com', mode: 'websocket', encryptKey: undefined, verificationToken: undefined });
    expect(s.channels.dingtalk).toMatchObject({ clientId: 'dingabc', clientSecret: 'dsecret', apiUrl: 'http://127.0.0.1:9', gatewayUrl: 'https://api.dingtalk.com/v1.0/gateway/connections/open', robotCode: 'dingabc', cardTemplateId: undefined });
    expect(s.requireMention).toBe(false);
  });

  it.each([
    [{ CLAW_FEISHU_APP_ID: 'cli_0123456789abcdef' }, 'CLAW_FEISHU_APP_ID / CLAW_FEISHU_APP_SECRET'],
    [{ CLAW_FEISHU_APP_ID: 'app-1', CLAW_FEISHU_APP_SECRET: 'x' }, 'expected a Feishu app id: cli_ followed by 16 hex digits'],
    [{ CLAW_FEISHU_APP_ID: 'cli_0123456789abcdef', CLAW_FEISHU_APP_SECRET: 'x', CLAW_FEISHU_MODE: 'webhook' }, 'webhook mode needs both'],
    [{ CLAW_FEISHU_DOMAIN: 'ftp://open.feishu.cn' }, 'expected feishu, lark, or an http(s) URL'],
    [{ CLAW_FEISHU_MODE: 'polling' }, 'expected websocket or webhook'],
    [{ CLAW_DINGTALK_CLIENT_SECRET: 'x' }, 'CLAW_DINGTALK_CLIENT_ID / CLAW_DINGTALK_CLIENT_SECRET'],
    [{ CLAW_DINGTALK_GATEWAY_URL: 'not a url' }, 'Invalid setting CLAW_DINGTALK_GATEWAY_URL'],
    [{ CLAW_CHAT_REQUIRE_MENTION: 'sometimes' }, 'expected true or false'],
  ])('refuses the channel settings %j', (env, message) => {
    expect(() => withPlatforms(env)).toThrow(message);
  });

  it('never repeats a refused channel secret in the error', () => {
    expect(() => withPlatforms({ CLAW_FEISHU_APP_ID: 'cli_0123456789abcdef', CLAW_FEISHU_APP_SECRET: 'has space' })).toThrow('"(hidden)"');
  });

  it('checks a platform\'s claw.yaml keys when it reads its settings, and leaves them unread without platforms', () => {
    const shipped = readFileSync(resolve('configs/claw.yaml'), 'utf8');
    const file = yamlFile(shipped.replace('  feishu:', '  feishu:\n    mdoe: webhook'));
    expect(() => withPlatforms({}, file)).toThrow(`Invalid setting channels.feishu.mdoe in ${file}: unknown setting`);
    expect(loadSettings({ env: {}, file }).channels).toEqual({});
  });

  it('never repeats a refused admin token or secret key in the error', () => {
    expect(() => loadSettings({ env: { CLAW_ADMIN_TOKEN: 'short' } })).toThrow('Invalid setting CLAW_ADMIN_TOKEN: "(hidden)" is not accepted; expected at least 16 characters');
    expect(() => loadSettings({ env: { CLAW_SECRET_KEY: 'not a key!' } })).toThrow('Invalid setting CLAW_SECRET_KEY: "(hidden)" is not accepted');
  });

  it('refuses unknown keys in claw.yaml, naming them', () => {
    const file = yamlFile('server:\n  prot: 8080\n');
    expect(() => loadSettings({ env: {}, file })).toThrow(`Invalid setting server.prot in ${file}: unknown setting`);
  });

  it('refuses a YAML bomb without expanding it', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 8 }, (_, i) => {
      const p = String.fromCharCode(97 + i);
      const n = String.fromCharCode(98 + i);
      return `${n}: &${n} [*${p},*${p},*${p},*${p},*${p},*${p},*${p},*${p},*${p},*${p}]`;
    })].join('\n');
    const started = Date.now();
    expect(() => loadSettings({ env: {}, file: yamlFile(bomb) })).toThrow(/Invalid setting .*: .*alias/i);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('refuses a file that is not a mapping, and a missing file', () => {
    expect(() => loadSettings({ env: {}, file: yamlFile('- a\n- b\n') })).toThrow('the file must hold a mapping of settings');
    expect(() => loadSettings({ env: {}, file: join(dir, 'missing.yaml') })).toThrow('file not found');
    expect(() => parseYaml('a: [1, 2', 'inline')).toThrow('Invalid setting inline');
  });

  it('reads sqlite: URLs', () => {
    expect(parseDatabaseUrl('sqlite:/var/lib/claw.db', '/d')).toEqual({ kind: 'sqlite', path: '/var/lib/claw.db' });
    expect(parseDatabaseUrl('sqlite:rel.db', '/d')).toEqual({ kind: 'sqlite', path: resolve('rel.db') });
    expect(parseDatabaseUrl('', '/d')).toEqual({ kind: 'sqlite', path: '/d/claw.db' });
  });
});

describe('roles.yaml validation', () => {
  it.each([
    [{ roles: { admin: { description: { en: 'x', zh: 'x' }, permissions: ['instance:stop!'] } } }, '"instance:stop!" is not a permission'],
    [{ roles: { admin: { description: { en: 'x' }, permissions: ['*'] } } }, 'description needs en and zh'],
    [{ roles: { admin: { description: { en: 'x', zh: 'x' }, permissions: [] } } }, 'permissions must be a non-empty list'],
    [{ roles: { Admin: { description: { en: 'x', zh: 'x' }, permissions: ['*'] } } }, 'role name "Admin"'],
    [{ roles: { admin: { description: { en: 'x', zh: 'x' }, permissions: ['*'], extra: 1 } } }, 'unknown key extra'],
    [{ nothing: 1 }, 'expected a top-level `roles:` mapping'],
  ])('refuses %j', (doc, message) => {
    expect(() => parseRoles(doc, 'roles.yaml')).toThrow(message);
  });
});
