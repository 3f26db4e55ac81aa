// A quiet control plane on the local runtime does no work: running claws (the fake claw, through a stand-in adapter)
// and nothing changing means no file rewritten, no change notification, and reconcile passes only from the resync.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestControlPlane, type CommandAnswer, type TestControlPlane } from '../../support/test-control-plane.js';
import { stubOpenClawAdapter } from '../../support/stub-openclaw-adapter.js';
import { changedPaths, countPasses, counter, mtimes, settled } from './steady-state-kit.js';

const INSTANCES = 4;
const RESYNC_MS = 5_000;
const QUIET_MS = 10_000;
/** Passes the resync explains for one instance over a window: one per period, plus one for a period straddling an edge. */
const resyncAllowance = (windowMs: number) => Math.ceil(windowMs / RESYNC_MS) + 1;
/** What the control plane itself writes; the claws' logs and own state dirs are theirs. */
const controlPlaneFiles = (paths: string[]) => paths.filter((p) => !/\/(logs|app-logs|config|data|home)\//.test(p));

describe('steady state on the local runtime (fake claw processes in place of OpenClaw)', () => {
  let t: TestControlPlane;
  let instancesDir: string;
  const must = async (text: string): Promise<CommandAnswer> => {
    const r = await t.command(t.adminToken, text);
    if (!r.body.ok) throw new Error(`${text}: ${r.body.text}`);
    return r.body;
  };
  const names = Array.from({ length: INSTANCES }, (_, i) => `quiet-${i}`);

  beforeAll(async () => {
    t = await startTestControlPlane({ adapters: [stubOpenClawAdapter], settings: { reconciler: { workers: 4, resyncMs: RESYNC_MS } } });
    instancesDir = join(t.dataDir, 'instances');
    await must('claw tenant policy default --approvals 0');
    await Promise.all(names.map((n) => must(`claw create ${n} --wait --timeout 60s`)));
    await settled(t, 1_500, 30_000);
  }, 120_000);
  afterAll(async () => {
    await t?.command(t.adminToken, 'claw destroy --all --wait').catch(() => undefined);
    await t?.close();
  });

  it('rewrites no file, sends no notification and reconciles only on the resync while nothing changes', async () => {
    const before = await mtimes(instancesDir);
    const writes = await counter(t, 'claw_runtime_writes_total');
    const sent = await counter(t, 'claw_runtime_notifications_total', { outcome: 'sent' });
    const passes = await countPasses(t, () => new Promise((r) => setTimeout(r, QUIET_MS)));
    expect(controlPlaneFiles(changedPaths(before, await mtimes(instancesDir)))).toEqual([]);
    expect(await counter(t, 'claw_runtime_writes_total')).toBe(writes);
    expect(await counter(t, 'claw_runtime_notifications_total', { outcome: 'sent' })).toBe(sent);
    const total = [...passes.values()].reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(0); // the resync did run
    for (const [id, n] of passes) expect(n, `passes of ${id}`).toBeLessThanOrEqual(resyncAllowance(QUIET_MS));
    expect((await must('claw status')).text).toMatch(/quiet-3\s+default\s+openclaw\s+\S+\s+Running\s+yes/);
  }, 60_000);

  it('reconciles and rewrites only the instance that changes', async () => {
    const status = (await must('claw status quiet-1')).result as { instance: { id: string } };
    const changedId = status.instance.id;
    const before = await mtimes(instancesDir);
    const started = Date.now();
    const passes = await countPasses(t, async () => {
      await must('claw update quiet-1 --set agent.name=Renamed --wait --timeout 60s');
    });
    const window = Date.now() - started;
    const changed = controlPlaneFiles(changedPaths(before, await mtimes(instancesDir)));
    expect(changed.some((p) => p.endsWith('/quiet-1/generated/openclaw.json'))).toBe(true);
    expect(changed.filter((p) => !p.includes('/quiet-1/'))).toEqual([]);
    expect(passes.get(changedId) ?? 0).toBeGreaterThan(0);
    for (const [id, n] of passes) if (id !== changedId) expect(n, `passes of unchanged ${id}`).toBeLessThanOrEqual(resyncAllowance(window));
  }, 90_000);
});
