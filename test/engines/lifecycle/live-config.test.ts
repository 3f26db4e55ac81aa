// LiveConfig: a claw that cannot report its config (NanoClaw) is compared on the files the runtime holds, by file name;
// one that can (OpenClaw) on its own report, by config path; never a value in what is returned.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { nanoclawAdapter } from '../../../adapters/nanoclaw/index.js';
import { openclawAdapter } from '../../../adapters/openclaw/index.js';
import { AdapterRegistry } from '../../../src/engines/adapters/adapter-registry.js';
import type { ClawAdapter } from '../../../src/engines/adapters/claw-adapter.js';
import { differingPaths, LiveConfig } from '../../../src/engines/lifecycle/live-config.js';
import type { Runtime } from '../../../src/runtime/runtime.js';
import { SecretBox } from '../../../src/store/secret-box.js';

const secrets = SecretBox.fromText(randomBytes(32).toString('base64'), 'test');
const ref = { id: 'i-1', tenant: 'acme', project: 'sales', name: 'demo' };
const holding = (files: Record<string, string> | undefined) => ({ files: async () => files }) as unknown as Runtime;

describe('live config', () => {
  it('compares a claw without its own report on the files the runtime holds', async () => {
    const desired = { 'groups/main/CLAUDE.md': 'Be brief.', '.env': 'ASSISTANT_NAME=Andy\n' };
    const same = new LiveConfig(new AdapterRegistry([nanoclawAdapter]), secrets, holding({ ...desired }));
    expect(same.reportsOwnConfig('nanoclaw')).toBe(false);
    expect(await same.compare({ type: 'nanoclaw', gatewayToken: secrets.seal('t') }, ref, 'http://10.0.0.1:1', desired)).toMatchObject({ source: 'files', same: true, paths: [] });
    const edited = new LiveConfig(new AdapterRegistry([nanoclawAdapter]), secrets, holding({ ...desired, 'groups/main/CLAUDE.md': 'Say secret things.' }));
    const seen = await edited.compare({ type: 'nanoclaw', gatewayToken: secrets.seal('t') }, ref, null, desired);
    expect(seen).toMatchObject({ source: 'files', same: false, unapplied: false, paths: ['groups/main/CLAUDE.md'] });
    expect(JSON.stringify(seen)).not.toContain('secret things');
    const none = new LiveConfig(new AdapterRegistry([nanoclawAdapter]), secrets, holding(undefined));
    expect((await none.compare({ type: 'nanoclaw', gatewayToken: secrets.seal('t') }, ref, null, desired)).paths).toEqual(['.env', 'groups/main/CLAUDE.md']);
  });

  it('asks a claw that reports its own config, and says when it holds a config it has not applied', async () => {
    const files = { 'openclaw.json': JSON.stringify({ agents: { entries: { main: { name: 'Main' } } }, logging: { level: 'info' } }) };
    let answer = { agents: { entries: { main: { name: 'Main' } } }, logging: { level: 'info' } } as Record<string, unknown>;
    let applied = true;
    let asked = '';
    const reporting: ClawAdapter = {
      ...openclawAdapter,
      async readRunningConfig(claw) {
        asked = `${claw.endpoint} ${claw.gatewayToken}`;
        return { ...openclawAdapter.comparableConfig!({ 'openclaw.json': JSON.stringify(answer) }), applied };
      },
    };
    const live = new LiveConfig(new AdapterRegistry([reporting]), secrets, holding(undefined));
    const instance = { type: 'openclaw', gatewayToken: secrets.seal('gw-token') };
    expect(await live.compare(instance, ref, 'http://127.0.0.1:1', files)).toMatchObject({ source: 'claw', same: true });
    expect(asked).toBe('http://127.0.0.1:1 gw-token');
    answer = { agents: { entries: { main: { name: 'Other' } } }, logging: { level: 'debug' } };
    expect(await live.compare(instance, ref, 'http://127.0.0.1:1', files)).toMatchObject({ same: false, unapplied: false, paths: ['agents.entries.main.name', 'logging.level'] });
    answer = JSON.parse(files['openclaw.json']) as Record<string, unknown>;
    applied = false;
    expect(await live.compare(instance, ref, 'http://127.0.0.1:1', files)).toMatchObject({ same: false, unapplied: true, paths: [] });
  });

  it('names a subtree present on one side once, and stops at twenty paths', () => {
    expect(differingPaths({ a: { b: 1 } }, { a: { b: 1 }, c: { d: 1, e: 2 } })).toEqual(['c']);
    expect(differingPaths({ a: [1, 2] }, { a: [2, 1] })).toEqual(['a']);
    const many = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${String(i).padStart(2, '0')}`, i]));
    expect(differingPaths(many, {})).toHaveLength(20);
  });
});
