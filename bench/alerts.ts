// Alert evaluation at scale: one pass of configs/alerts.yaml's rules over 10,000 claws (each a series of phase,
// readiness, restarts and CPU and memory samples against its limits), the first pass that raises alerts and the steady
// passes after it, which read and write nothing new.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings } from '../src/config/settings.js';
import { createControlPlane } from '../src/control-plane.js';
import { AlertsEngine } from '../src/engines/alerts/alerts-engine.js';
import { loadAlertRules } from '../src/engines/alerts/alert-rules.js';
import { UsageStore } from '../src/engines/usage/usage-store.js';
import { AlertEntity } from '../src/store/entities/alert.js';
import { InstanceEntity, instanceNameKey, type Instance } from '../src/store/entities/instance.js';
import { newId } from '../src/util/ids.js';
import { silentLogger } from '../src/util/logger.js';
import { stubOpenClawAdapter } from '../test/support/stub-openclaw-adapter.js';
import { ownCpuSeconds } from './cpu.js';
import { percentile } from './http-client.js';

export interface AlertFigures {
  instances: number;
  firstPass: { ms: number; raised: number };
  steady: { p50: number; cpuSecondsPerPass: number };
}

export async function alertBench(instances = 10_000): Promise<AlertFigures> {
  const dataDir = mkdtempSync(join(tmpdir(), 'claw-bench-alerts-'));
  const settings = loadSettings({ env: {} });
  const plane = await createControlPlane(
    // The control plane's own evaluation waits an hour after its first (empty) pass: the bench drives its passes itself.
    { ...settings, alerts: { ...settings.alerts, intervalMs: 3_600_000 }, host: '127.0.0.1', port: 0, dataDir, database: { kind: 'sqlite', path: join(dataDir, 'claw.db') }, adminToken: 'claw_bench_alerts_token_0123456789', logLevel: 'silent', cacheDir: join(dataDir, 'cache') },
    { adapters: [stubOpenClawAdapter] },
  );
  try {
    const db = plane.store.dataSource;
    // The claws below are rows only: the reconciler must not try to run 10,000 of them while the passes are measured.
    plane.controller.stop();
    await plane.controller.idle();
    const tenant = await plane.engines.tenancy.getTenant('default');
    const project = await plane.engines.tenancy.getProject(tenant, 'default');
    const now = new Date();
    const rows: Instance[] = [];
    for (let i = 0; i < instances; i++) {
      const name = `a-${i}`;
      // One in a hundred Failed, one in a hundred not ready for an hour; the rest healthy.
      const failed = i % 100 === 0;
      const unready = i % 100 === 1;
      rows.push({
        id: newId(), tenantId: tenant.id, projectId: project.id, name, nameKey: instanceNameKey(project.id, name), type: 'openclaw', version: '1',
        template: 'default', configVersion: 1, valuesVersion: 1, labels: {}, cpu: '500m', memory: '1Gi', storage: '1Gi', desiredPhase: 'Running',
        generation: 1, restartGeneration: 0, stopForce: false, keepData: false, gatewayToken: 'sealed', phase: failed ? 'Failed' : 'Running', ready: !failed && !unready,
        restarts: 0, reason: failed ? 'CrashLoopBackOff' : null, message: null, node: null, endpoint: null, startedAt: now,
        lastTransitionAt: new Date(now.getTime() - 3_600_000), observedGeneration: 1, reconciledGeneration: 1, observedRestartGeneration: 0,
        troubleSince: unready ? new Date(now.getTime() - 3_600_000) : null, createdAt: now, createdBy: 'bench', updatedAt: now, destroyedAt: null,
      });
    }
    for (let i = 0; i < rows.length; i += 200) await db.getRepository(InstanceEntity).insert(rows.slice(i, i + 200));
    // Ten minutes of CPU and memory samples, one a minute per claw.
    const store = new UsageStore(db);
    for (let m = 10; m >= 0; m--) {
      const sampledAt = new Date(now.getTime() - m * 60_000);
      await store.recordSamples(rows.map((r) => ({ instanceId: r.id, usage: { cpuMillicores: 100, memoryBytes: 200 * 2 ** 20, sampledAt } })));
    }
    const engine = new AlertsEngine({
      db, rules: loadAlertRules(), logger: silentLogger, usage: plane.engines.usage,
      timing: { intervalMs: 30_000, groupWaitMs: 3_600_000, repeatIntervalMs: 4 * 3_600_000, resolveDelayMs: 120_000 },
    });
    let started = performance.now();
    await engine.evaluate();
    const firstMs = performance.now() - started;
    const steady: number[] = [];
    const cpu = ownCpuSeconds();
    for (let i = 0; i < 10; i++) {
      started = performance.now();
      const pass = await engine.evaluate();
      if (pass.raised || pass.resolved) throw new Error('a steady pass changed alerts');
      steady.push(performance.now() - started);
    }
    const cpuPerPass = (ownCpuSeconds() - cpu) / steady.length;
    // One alert per troubled claw (the control plane's own first pass may have raised some of them: still one each).
    const stored = await db.getRepository(AlertEntity).count();
    if (stored !== instances / 50) throw new Error(`${stored} alerts stored for ${instances / 50} troubled claws`);
    return { instances, firstPass: { ms: firstMs, raised: stored }, steady: { p50: percentile(steady, 50), cpuSecondsPerPass: cpuPerPass } };
  } finally {
    await plane.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export function formatAlerts(f: AlertFigures): string {
  return `alert evaluation over ${f.instances.toLocaleString('en-US')} claws (rules of configs/alerts.yaml, 10 minutes of samples each): first pass ${f.firstPass.ms.toFixed(0)} ms raising ${f.firstPass.raised}; steady pass p50 ${f.steady.p50.toFixed(0)} ms, ${f.steady.cpuSecondsPerPass.toFixed(2)} CPU s (${(f.steady.cpuSecondsPerPass / 30 * 100).toFixed(1)}% of a core at one pass per 30 s), nothing written`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.env.NO_PROXY = '127.0.0.1,localhost';
  console.log(formatAlerts(await alertBench()));
}
