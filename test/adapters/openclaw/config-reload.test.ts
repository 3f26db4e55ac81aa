// Which openclaw.json changes a running gateway takes in place (OpenClaw's reload rules), what that does to a
// workload's spec and config hashes, and the comparable form that matches what config.get reports.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openclawAdapter } from '../../../adapters/openclaw/index.js';
import { nanoclawAdapter } from '../../../adapters/nanoclaw/index.js';
import { openClawRestartProjection, reloadKindOf } from '../../../adapters/openclaw/config-reload.js';
import { comparableOpenClawConfig, comparableOpenClawFiles, REDACTED } from '../../../adapters/openclaw/config-compare.js';
import { AdapterRegistry } from '../../../src/engines/adapters/adapter-registry.js';
import { TemplateCatalog } from '../../../src/engines/config/template-catalog.js';
import { WorkloadBuilder } from '../../../src/engines/lifecycle/workload-builder.js';
import { podTarget } from '../../../src/runtime/claw-layout.js';
import type { Instance } from '../../../src/store/entities/instance.js';
import { SecretBox } from '../../../src/store/secret-box.js';

const templates = TemplateCatalog.fromDirectory();
const secrets = SecretBox.fromText(randomBytes(32).toString('base64'), 'test');
const builder = new WorkloadBuilder(new AdapterRegistry([openclawAdapter, nanoclawAdapter]), secrets);
const ref = { id: 'i-1', tenant: 'acme', project: 'sales', name: 'demo' };

function instance(type: string): Instance {
  return { id: 'i-1', name: 'demo', type, version: type === 'openclaw' ? '2026.9.6' : '1.2.0', labels: {}, cpu: '1', memory: '2Gi', storage: '1Gi', gatewayToken: secrets.seal('tok'), restartGeneration: 0 } as unknown as Instance;
}

function spec(type: string, set: Record<string, string>, secret: Record<string, string> = {}) {
  const template = type === 'openclaw' ? 'default' : 'nanoclaw';
  const adapter = type === 'openclaw' ? openclawAdapter : nanoclawAdapter;
  return builder.build(instance(type), ref, podTarget(adapter.layout.pod), templates.resolve(template, set, secret));
}

describe('OpenClaw reload rules', () => {
  it('classify paths as OpenClaw 2026.9.6 does: gateway server settings restart, agents and models hot-apply', () => {
    expect(reloadKindOf('gateway.port')).toBe('restart');
    expect(reloadKindOf('gateway.bind')).toBe('restart');
    expect(reloadKindOf('gateway.auth.mode')).toBe('restart');
    expect(reloadKindOf('gateway.auth.token')).toBe('restart');
    expect(reloadKindOf('gateway.tls.enabled')).toBe('restart');
    expect(reloadKindOf('gateway.reload.mode')).toBe('none');
    expect(reloadKindOf('gateway.http.endpoints.chatCompletions.enabled')).toBe('hot');
    expect(reloadKindOf('gateway.controlUi.enabled')).toBe('hot');
    expect(reloadKindOf('gateway.controlUi.basePath')).toBe('restart');
    expect(reloadKindOf('agents.entries.main.name')).toBe('hot');
    expect(reloadKindOf('agents.entries.main.decisionModel')).toBe('hot');
    expect(reloadKindOf('models.providers.corp-llm.models')).toBe('hot');
    expect(reloadKindOf('logging.level')).toBe('none');
    expect(reloadKindOf('plugins.entries.diagnostics-prometheus.enabled')).toBe('hot');
    expect(reloadKindOf('discovery.mdns.mode')).toBe('hot');
    expect(reloadKindOf('discovery.wideArea.enabled')).toBe('restart');
    expect(reloadKindOf('mcp.apps.listen')).toBe('restart');
    expect(reloadKindOf('mcp.apps.sandboxOrigin')).toBe('hot');
    expect(reloadKindOf('somethingNew')).toBe('restart');
  });

  it('every template variable of the default template hot-applies: the pod or process stays, only the files change', () => {
    const base = spec('openclaw', {});
    for (const [key, value] of Object.entries({ 'agent.name': 'Helper', 'model.maxTokens': '2048', 'model.id': 'qwen3-72b', 'model.contextWindow': '64000', 'log.level': 'debug', 'metrics.prometheus': 'false', 'model.baseUrl': 'http://llm.example:8000/v1' })) {
      const next = spec('openclaw', { [key]: value });
      expect(next.specHash, key).toBe(base.specHash);
      expect(next.configHash, key).not.toBe(base.configHash);
    }
    expect(spec('openclaw', {}).configHash).toBe(base.configHash);
  });

  it('a change of the gateway itself or of a secret restarts', () => {
    const base = spec('openclaw', {});
    const localTarget = { ...podTarget(openclawAdapter.layout.pod), port: 20001 };
    const moved = builder.build(instance('openclaw'), ref, localTarget, templates.resolve('default', {}));
    expect(moved.specHash).not.toBe(base.specHash);
    // An API key lives in the Secret (environment), which a process reads only at start.
    expect(spec('openclaw', {}, { 'model.apiKey': 'sk-new' }).specHash).not.toBe(base.specHash);
    const files = (mutate: (c: Record<string, any>) => void) => {
      const parsed = JSON.parse(base.files['openclaw.json']!) as Record<string, any>;
      mutate(parsed);
      return { 'openclaw.json': JSON.stringify(parsed) };
    };
    const projection = (f: Record<string, string>) => JSON.stringify(openClawRestartProjection(f));
    const same = projection(base.files);
    expect(projection(files((c) => { c.gateway.bind = 'loopback'; }))).not.toBe(same);
    expect(projection(files((c) => { c.gateway.auth.mode = 'password'; }))).not.toBe(same);
    expect(projection(files((c) => { c.gateway.tls = { enabled: true }; }))).not.toBe(same);
    expect(projection(files((c) => { c.somethingNew = 1; }))).not.toBe(same);
    expect(projection({ ...base.files, 'extra.json': '{}' })).not.toBe(same);
    expect(projection(files((c) => { c.gateway.reload.mode = 'off'; c.agents.entries.main.name = 'X'; c.logging.level = 'debug'; }))).toBe(same);
    expect(projection(files((c) => { c.gateway.http.endpoints.chatCompletions.enabled = false; }))).toBe(same);
  });

  it('NanoClaw has no hot reload: any change of its files is a new workload', () => {
    const base = spec('nanoclaw', {});
    const next = spec('nanoclaw', { 'instructions.main': 'Only answer in haiku.' });
    expect(next.configHash).not.toBe(base.configHash);
    expect(next.specHash).not.toBe(base.specHash);
    expect(nanoclawAdapter.restartProjection).toBeUndefined();
    expect(nanoclawAdapter.readRunningConfig).toBeUndefined();
  });
});

describe('OpenClaw comparable config', () => {
  it('matches config.get\'s redacted sourceConfig: SecretRef ids masked, meta left out, key order irrelevant', () => {
    const files = spec('openclaw', {}, { 'model.apiKey': 'sk-1' }).files;
    const generated = JSON.parse(files['openclaw.json']!) as Record<string, any>;
    // What config.get answered for such a file (openclaw 2026.9.6), after an OpenClaw-owned write stamped meta.
    const reported = structuredClone(generated);
    reported.gateway.auth.token.id = REDACTED;
    reported.models.providers['corp-llm'].apiKey.id = REDACTED;
    reported.meta = { lastTouchedVersion: '2026.9.6' };
    const reordered = Object.fromEntries(Object.entries(reported).reverse());
    expect(comparableOpenClawConfig(reordered).hash).toBe(comparableOpenClawFiles(files).hash);
    reported.agents.entries.main.name = 'Someone else';
    expect(comparableOpenClawConfig(reported).hash).not.toBe(comparableOpenClawFiles(files).hash);
    // A literal secret where the generated file has a reference is a difference (it shows redacted, never in clear).
    const literal = structuredClone(generated);
    literal.models.providers['corp-llm'].apiKey = REDACTED;
    expect(comparableOpenClawConfig(literal).hash).not.toBe(comparableOpenClawFiles(files).hash);
    expect(JSON.stringify(comparableOpenClawFiles(files).content)).not.toContain('CLAW_MODEL_API_KEY');
  });
});
