// Issue 12 §5 with the real OpenClaw gateway on the local runtime: a hot change (agent name, model maxTokens) is
// rewritten into openclaw.json and applied by OpenClaw's own watcher (reload mode hybrid): config.get shows it from the
// same process, and the control plane records ConfigReloaded. A change that needs a restart (a new secret in the
// environment) starts a new process, which never saw the change in place. Drift made behind the control plane's back
// is listed by `claw config check`, raises the config-drift alert, and a reconcile repairs it.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/config/settings.js';
import { instanceDirs } from '../../src/runtime/local/instance-dirs.js';
import { readRuntimeRecord } from '../../src/runtime/local/runtime-file.js';
import { AlertEntity } from '../../src/store/entities/alert.js';
import { InstanceEventEntity } from '../../src/store/entities/instance-event.js';
import { InstanceEntity } from '../../src/store/entities/instance.js';
import { TEST_CACHE_DIR } from '../support/openclaw-cli.js';
import { startTestControlPlane, type CommandAnswer, type TestControlPlane } from '../support/test-control-plane.js';

/** Install (cold: about a minute; CI prebuilds the cache) plus boot (10-30 s on 2 busy cores). */
const WAIT = '15m';
/** OpenClaw's watcher debounces for 300 ms and applies within about a second here; a busy machine takes longer. */
const APPLY_MS = 60_000;

async function waitFor<T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = APPLY_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await read();
    if (ok(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
}

interface RpcAnswer {
  ok: boolean;
  payload?: { sourceConfig: Record<string, any>; configRevisionHash: string; appliedConfigHash: string; hash: string };
  error?: { code: string; message: string };
}

describe('config hot-apply on a real OpenClaw gateway (local runtime)', () => {
  let t: TestControlPlane;
  const must = async (text: string): Promise<CommandAnswer> => {
    const r = await t.command(t.adminToken, text);
    if (!r.body.ok) throw new Error(`${text}: ${r.body.text}`);
    return r.body;
  };
  const row = () => t.plane.store.dataSource.getRepository(InstanceEntity).findOneByOrFail({ name: 'gw' });
  const dirs = () => instanceDirs(join(t.dataDir, 'instances'), { tenant: 'default', project: 'default', name: 'gw' });
  const pid = async () => (await readRuntimeRecord(dirs().runtimeFile))?.process?.pid;
  const rpc = async (method: string, params: Record<string, unknown> = {}): Promise<RpcAnswer> => {
    const i = await row();
    const response = await fetch(`${i.endpoint}/api/v1/admin/rpc`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.plane.secrets.open(i.gatewayToken)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ method, params }),
    });
    return (await response.json()) as RpcAnswer;
  };
  const running = async () => {
    const answer = await rpc('config.get');
    expect(answer.ok).toBe(true);
    return answer.payload!;
  };
  const events = async (reason: string) => (await t.plane.store.dataSource.getRepository(InstanceEventEntity).findBy({ instanceId: (await row()).id, reason })).length;
  const gatewayLog = () => {
    try {
      return readFileSync(dirs().clawLogFile, 'utf8');
    } catch {
      return '';
    }
  };

  beforeAll(async () => {
    const defaults = loadSettings({ env: {} });
    t = await startTestControlPlane({
      settings: {
        cacheDir: TEST_CACHE_DIR,
        // Only what the test triggers reconciles: a resync would repair the drift before the test looks at it.
        reconciler: { workers: 2, resyncMs: 600_000 },
        alerts: { ...defaults.alerts, intervalMs: 600_000, groupWaitMs: 0, resolveDelayMs: 0 },
      },
    });
    await must('claw tenant policy default --approvals 0');
    // A model endpoint nobody answers: the gateway needs it only for agent turns, which this test does not make.
    await must(`claw create gw --set model.baseUrl=http://127.0.0.1:9/v1 --wait --timeout ${WAIT}`);
  }, 20 * 60_000);
  afterAll(async () => {
    await t?.command(t.adminToken, 'claw destroy gw --wait --timeout 2m').catch(() => undefined);
    await t?.close();
  });

  it('applies a hot change in place: config.get shows it from the same process, and ConfigReloaded is recorded', async () => {
    const first = await row();
    const firstPid = await pid();
    expect(firstPid).toBeGreaterThan(0);
    const before = await running();
    expect(before.sourceConfig.agents.entries.main.name).toBe('Main');
    expect(before.sourceConfig.gateway.reload).toEqual({ mode: 'hybrid' });
    // The declared config is the control plane's: the gateway refuses to rewrite it (OPENCLAW_CONFIG_READONLY=1).
    const patched = await rpc('config.patch', { raw: '{ agents: { entries: { main: { name: "Sneaky" } } } }', baseHash: before.hash });
    expect(patched.ok).toBe(false);

    await must('claw update gw --set agent.name=Renamed --set model.maxTokens=2048 --wait --timeout 5m');
    const now = await waitFor('config.get to show the change applied', running, (c) => c.sourceConfig.agents.entries.main.name === 'Renamed' && c.appliedConfigHash === c.configRevisionHash);
    expect(now.sourceConfig.models.providers['corp-llm'].models[0].maxTokens).toBe(2048);
    expect(await pid()).toBe(firstPid);
    const after = await row();
    expect(after).toMatchObject({ phase: 'Running', ready: true, restarts: 0 });
    expect(after.startedAt?.getTime()).toBe(first.startedAt?.getTime());
    expect(after.configHash).not.toBe(first.configHash);
    expect(await events('ConfigReloaded')).toBe(1);
    expect(gatewayLog()).toContain('config hot reload applied');
  }, 10 * 60_000);

  it('restarts for a change the gateway cannot take in place, and the old process never sees it', async () => {
    const firstPid = await pid();
    await must(`claw update gw --set model.apiKey=sk-test-restart --wait --timeout ${WAIT}`);
    const secondPid = await pid();
    expect(secondPid).toBeGreaterThan(0);
    expect(secondPid).not.toBe(firstPid);
    const c = await running();
    expect(c.sourceConfig.models.providers['corp-llm'].apiKey).toEqual({ source: 'env', provider: 'default', id: '__OPENCLAW_REDACTED__' });
    expect(c.sourceConfig.agents.entries.main.name).toBe('Renamed');
    expect(await events('ConfigReloaded')).toBe(1);
    // The files of a replacement wait until its predecessor is gone: no in-process restart of OpenClaw's own.
    expect(gatewayLog()).not.toContain('requires gateway restart');
  }, 20 * 60_000);

  it('lists drift made behind its back, alerts on it, and a reconcile repairs it', async () => {
    // The restart before settles with a pass or two after the claw is ready (its config recorded); a pass after the edit
    // would rewrite it before it is seen. Wait for the reconciler to have been quiet for 3 s.
    await waitFor('gw to settle', row, (r) => r.phase === 'Running' && r.ready && r.observedGeneration === r.generation);
    let lastPass = Date.now();
    const unsubscribe = t.plane.controller.onResult(() => {
      lastPass = Date.now();
    });
    await waitFor('the reconciler to be quiet', async () => Date.now() - lastPass, (quietMs) => quietMs >= 3000);
    unsubscribe();
    const path = join(dirs().generated, 'openclaw.json');
    const desired = readFileSync(path, 'utf8');
    const edited = JSON.parse(desired) as Record<string, any>;
    edited.agents.entries.main.name = 'Tampered';
    writeFileSync(`${path}.edit`, `${JSON.stringify(edited, null, 2)}\n`);
    renameSync(`${path}.edit`, path);
    await waitFor('the gateway to apply the edit', running, (c) => c.sourceConfig.agents.entries.main.name === 'Tampered' && c.appliedConfigHash === c.configRevisionHash);

    const check = await must('claw config check');
    expect(check.result).toMatchObject({ checked: 1, drifted: 1, claws: [{ instance: 'gw', state: 'drifted', source: 'claw', paths: ['agents.entries.main.name'] }] });
    expect(check.text).toContain('agents.entries.main.name');
    expect(check.text).not.toContain('Tampered');
    await t.plane.engines.alerts.evaluate();
    const alerts = () => t.plane.store.dataSource.getRepository(AlertEntity).findBy({ rule: 'config-drift' });
    expect((await alerts()).map((a) => a.state)).toEqual(['firing']);

    const pidBefore = await pid();
    t.plane.controller.enqueue((await row()).id);
    await waitFor('the reconcile to rewrite the file', async () => readFileSync(path, 'utf8'), (text) => text === desired);
    await waitFor('the gateway to apply it', running, (c) => c.sourceConfig.agents.entries.main.name === 'Renamed' && c.appliedConfigHash === c.configRevisionHash);
    expect(await pid()).toBe(pidBefore);
    expect((await must('claw config check gw')).result).toMatchObject({ checked: 1, drifted: 0 });
    await t.plane.engines.alerts.evaluate();
    expect((await alerts()).map((a) => a.state)).toEqual(['resolved']);
  }, 5 * 60_000);
});
