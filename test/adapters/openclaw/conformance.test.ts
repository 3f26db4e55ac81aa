// Conformance: the real `openclaw config validate` accepts what the OpenClaw adapter generates, for several variable
// sets and both runtime targets, and rejects what OpenClaw's schema rejects (so the adapter's strictness is real).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openclawAdapter } from '../../../adapters/openclaw/index.js';
import type { RuntimeInfo } from '../../../src/engines/adapters/claw-adapter.js';
import { TemplateCatalog } from '../../../src/engines/config/template-catalog.js';
import { installOpenClawCli, validateConfig, type OpenClawCli } from '../../support/openclaw-cli.js';

const templates = TemplateCatalog.fromDirectory();
/** The only warning OpenClaw 2026.9.6 gives on our configs: the prometheus plugin is not in its npm package. */
const PROMETHEUS_WARNING = /plugin not installed: diagnostics-prometheus/;

describe('openclaw config validate on generated configs', () => {
  let cli: OpenClawCli;
  const base = mkdtempSync(join(tmpdir(), 'claw-conformance-'));

  beforeAll(async () => {
    // A cold install downloads about 200 MB (Node 24 and openclaw); CI prebuilds the cache.
    cli = await installOpenClawCli();
  }, 20 * 60_000);

  function target(kind: 'pod' | 'process', dir: string): RuntimeInfo {
    mkdirSync(join(dir, 'logs'), { recursive: true });
    return {
      ref: { id: 'i', tenant: 'acme', project: 'sales', name: 'demo' }, version: openclawAdapter.defaultVersion,
      target: kind === 'pod'
        ? { kind, port: 18789, bind: 'lan', configDir: join(dir, 'state'), dataDir: join(dir, 'data'), logFile: join(dir, 'logs', 'openclaw.log'), filesDir: dir }
        : { kind, port: 20345, bind: 'loopback', configDir: join(dir, 'state'), dataDir: join(dir, 'data'), logFile: join(dir, 'logs', 'openclaw.log'), filesDir: dir },
    };
  }

  async function validate(set: Record<string, string>, secrets: Record<string, string>, kind: 'pod' | 'process', template = 'default') {
    const dir = mkdtempSync(join(base, 'case-'));
    const runtime = target(kind, dir);
    const config = templates.resolve(template, set, secrets);
    expect(openclawAdapter.parseConfig(config)).toEqual([]);
    const files = openclawAdapter.generateConfig(config, runtime);
    expect(openclawAdapter.validate(files)).toEqual([]);
    writeFileSync(join(dir, 'openclaw.json'), files['openclaw.json']!);
    return validateConfig(cli, join(dir, 'openclaw.json'), runtime.target.configDir);
  }

  it.each([
    ['the default template in a pod', {}, {}, 'pod', 'default'],
    ['the default template as a local process', {}, {}, 'process', 'default'],
    ['the sales template', {}, {}, 'pod', 'sales'],
    ['an OpenAI-compatible endpoint with a key', { 'model.baseUrl': 'https://llm.corp.example/v1', 'model.id': 'deepseek-v3', 'model.name': 'DeepSeek V3', 'model.contextWindow': '65536', 'model.maxTokens': '4096', 'log.level': 'debug' }, { 'model.apiKey': 'sk-1' }, 'pod', 'default'],
    ['Anthropic', { 'model.provider': 'anthropic', 'model.id': 'claude-sonnet-5', 'agent.name': '销售助手' }, { 'model.apiKey': 'sk-ant' }, 'process', 'default'],
    ['no model provider', { 'model.provider': 'none' }, {}, 'process', 'default'],
    ['prometheus off', { 'metrics.prometheus': 'false' }, {}, 'pod', 'default'],
  ] as const)('accepts %s', async (_name, set, secrets, kind, template) => {
    const r = await validate({ ...set }, { ...secrets }, kind, template);
    expect(r.issues).toEqual([]);
    expect(r).toMatchObject({ exitCode: 0, valid: true });
    const warnings = r.warnings.filter((w) => !PROMETHEUS_WARNING.test(w.message));
    expect(warnings).toEqual([]);
    expect(r.warnings.length).toBe(set['metrics.prometheus' as keyof typeof set] === 'false' ? 0 : 1);
  }, 120_000);

  it('is as strict as OpenClaw: what the adapter refuses, the real validator refuses too', async () => {
    const dir = mkdtempSync(join(base, 'bad-'));
    const runtime = target('pod', dir);
    const generated = JSON.parse(openclawAdapter.generateConfig(templates.resolve('default', {}), runtime)['openclaw.json']!) as Record<string, any>;
    const cases = [
      { ...generated, gateway: { ...generated.gateway, bogus: 1 } },
      { ...generated, gateway: { ...generated.gateway, bind: '0.0.0.0' } },
      { ...generated, gateway: { ...generated.gateway, auth: { mode: 'token', token: { source: 'env', provider: 'default', id: 'lower_case' } } } },
    ];
    for (const [i, bad] of cases.entries()) {
      const text = JSON.stringify(bad);
      expect(openclawAdapter.validate({ 'openclaw.json': text }).length, `adapter case ${i}`).toBeGreaterThan(0);
      writeFileSync(join(dir, `bad-${i}.json`), text);
      const r = await validateConfig(cli, join(dir, `bad-${i}.json`), join(dir, 'state'));
      expect(r, `openclaw case ${i}`).toMatchObject({ exitCode: 1, valid: false });
    }
  }, 240_000);
});
