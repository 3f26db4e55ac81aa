// A fleet on the real test cluster: instances created through the API with a batch's concurrency against the raw API
// floor, `claw status` against one raw pod list, idle cost (control plane and kube-apiserver CPU, RSS) as the fleet grows,
// and the reconciler's queue during a full resync. The fake kubelet and provisioner run in a child process, so the
// control plane's CPU figures are its own. Needs the cluster binaries (test/cluster/build-kube.sh).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { loadSettings } from '../src/config/settings.js';
import { createControlPlane, type ControlPlane } from '../src/control-plane.js';
import { configMapManifest, namespaceManifest, podManifest, pvcManifest, quotaManifest, secretManifest, serviceManifest } from '../src/runtime/kubernetes/manifests.js';
import { instanceNames } from '../src/runtime/kubernetes/names.js';
import { retryWhileQuotaPending } from '../src/runtime/kubernetes/object-sync.js';
import type { WorkloadSpec } from '../src/runtime/workload.js';
import { startTestCluster, type TestCluster } from '../test/cluster/test-cluster.js';
import { cpuPerMinute, findPid, rssMiB } from './cpu.js';
import { percentile } from './http-client.js';

/** Parallel API clients creating instances: a batch typed by a few people, or a script. */
const CONCURRENCY = 16;
const TENANT = 'bench';
/**
 * The controller-manager's and scheduler's default client limits (20 and 50 requests/s) cap a cluster at about three new
 * pods with volumes a second, which would measure them, not us; a production cluster of this size raises them too.
 */
const CLUSTER_OPTIONS = {
  extraControllerManagerArgs: ['--kube-api-qps=1000', '--kube-api-burst=2000'],
  extraSchedulerArgs: ['--kube-api-qps=1000', '--kube-api-burst=2000'],
};

export interface SizeFigures {
  instances: number;
  /** Instances created in this step (the fleet grows step by step). */
  added: number;
  /** Wall time of this step's create commands (all answered) and until every instance was Running. */
  createMs: number;
  toRunningMs: number;
  /** Idle: CPU seconds per minute of the control plane and of kube-apiserver, with nothing changing. */
  idleCpu: { controlPlane: number; apiserver: number; etcd: number };
  rssMiB: number;
  heapMiB: number;
  /** `claw status` (first page of 100 and the Running filter) against one raw listNamespacedPod of all the pods. */
  status: { p50: number; p99: number; filteredP50: number; rawListP50: number; ratio: number };
  /** During a full resync: the largest queue depth, the oldest key's age, and a `claw restart X --wait` meanwhile. */
  resync: { instances: number; ms: number; maxDepth: number; maxAgeMs: number; restartMs: number; restartIdleMs: number };
  /** Objects the watch cache holds. */
  cachedObjects: number;
}

export interface FleetFigures {
  sizes: SizeFigures[];
  /** At one size: stop --all, then start --all until all Running (every pod recreated by one batch command). */
  startAll?: { instances: number; ms: number };
  /** One changed variable published to every claw: until every ConfigMap holds it, against 1,000 raw ConfigMap updates. */
  configPush?: ConfigPushFigures;
  /**
   * The same objects (a namespace with its quota, then per instance a secret, config map, two claims, service and pod)
   * created straight through @kubernetes/client-node from this process with the same concurrency, on a fresh cluster
   * of its own; the ratio compares the fleet's growth steps (added up) with it.
   */
  rawFloor?: { instances: number; ms: number; ratio: number };
  /** Why a size could not be reached (the machine's limit), if one could not. */
  limitedBy?: string;
}

async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}

async function startAgents(cluster: TestCluster, pods: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'cluster-agents.ts'), cluster.kubeconfigPath, cluster.logDir, String(pods)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`cluster agents exited with ${code}`)));
    lines.on('line', (line) => line === 'ready' && resolve());
  });
  return child;
}

async function timed<T>(fn: () => Promise<T>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

export async function kubeFleet(sizes: number[], options: { startAllAt?: number; rawFloorAt?: number; configPushAt?: number } = {}): Promise<FleetFigures> {
  const largest = Math.max(...sizes);
  const cluster = await startTestCluster(CLUSTER_OPTIONS);
  const agents = await startAgents(cluster, largest * 2 + 100);
  const dataDir = mkdtempSync(join(tmpdir(), 'claw-bench-fleet-'));
  const adminToken = 'claw_bench_fleet_token_0123456789';
  let plane: ControlPlane | undefined;
  const figures: FleetFigures = { sizes: [] };
  try {
    plane = await createControlPlane({
      ...loadSettings({ env: {} }),
      host: '127.0.0.1', port: 0, dataDir, database: { kind: 'sqlite', path: join(dataDir, 'claw.db') }, adminToken, logLevel: 'silent',
      rateLimit: { perMinute: 10_000_000, burst: 1_000_000 }, runtime: 'kubernetes',
      kubernetes: { kubeconfig: cluster.kubeconfigPath, context: undefined, storageClass: undefined, leaseNamespace: 'default', leaseName: 'claw-bench', controlPlaneNamespace: undefined, controlPlaneSelector: { 'app.kubernetes.io/name': 'open-cluster-claw' }, modelNamespaces: [] },
    });
    const live = plane;
    const url = await live.listen();
    const command = async (text: string) => {
      const r = await fetch(`${url}/api/v1/commands`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` }, body: JSON.stringify({ text }) });
      const body = (await r.json()) as { ok: boolean; text: string; result?: Record<string, unknown> };
      if (!body.ok) throw new Error(`${text}: ${body.text}`);
      return body;
    };
    const running = async () => (((await command(`claw status --tenant ${TENANT} --limit 1`)).result as { counts: Record<string, number> }).counts.Running ?? 0);
    /** Waits for `count` Running; gives up when the count stands still for 3 minutes (the cluster, not us, is stuck). */
    const untilRunning = async (count: number, what: string) => {
      let best = 0;
      let progressAt = performance.now();
      for (;;) {
        const now = await running();
        if (now >= count) return;
        if (now > best) [best, progressAt] = [now, performance.now()];
        if (performance.now() - progressAt > 180_000) {
          const minutes = ((performance.now() - t0) / 60_000).toFixed(0);
          throw new Error(`${what}: ${best} of ${count} Running after ${minutes} min, none more for 3 minutes`);
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    const t0 = performance.now();
    await command(`claw tenant create ${TENANT}`);
    await command(`claw project create p --tenant ${TENANT}`);
    await command(`claw tenant policy ${TENANT} --approvals 0`);
    await command(`claw tenant quota ${TENANT} --instances ${largest + 10} --cpu 100000 --memory 1000Ti --storage 1000Pi`);

    const kc = new KubeConfig();
    kc.loadFromFile(cluster.kubeconfigPath);
    const core = kc.makeApiClient(CoreV1Api);
    const apiserver = await findPid('kube-apiserver', cluster.tmpDir);
    const etcd = await findPid('etcd', cluster.tmpDir);
    const restartIdleMs = { value: 0 };

    let created = 0;
    for (const size of [...sizes].sort((a, b) => a - b)) {
      const names = Array.from({ length: size - created }, (_, i) => `c${created + i}`);
      const t0 = performance.now();
      try {
        await pool(names, CONCURRENCY, async (n) => void (await command(`claw create ${n} --tenant ${TENANT} --project p --cpu 10m --memory 16Mi --storage 1Mi`)));
      } catch (error) {
        figures.limitedBy = `creating ${size}: ${(error as Error).message}`;
        break;
      }
      const createMs = performance.now() - t0;
      try {
        await untilRunning(size, `growing to ${size}`);
      } catch (error) {
        figures.limitedBy = (error as Error).message;
        break;
      }
      const toRunningMs = performance.now() - t0;
      created = size;

      // Idle: a minute, so the default 30 s resync runs at least once within it.
      await new Promise((r) => setTimeout(r, 3_000));
      const cpu = await cpuPerMinute(60_000, { apiserver, etcd });
      const memory = process.memoryUsage();

      const statusSamples: number[] = [];
      const filteredSamples: number[] = [];
      const listSamples: number[] = [];
      // A raw list of ten thousand pods takes seconds: fewer samples there.
      for (let i = 0; i < (size > 2_000 ? 5 : 30); i++) {
        statusSamples.push(await timed(() => command(`claw status --tenant ${TENANT}`)));
        filteredSamples.push(await timed(() => command(`claw status --tenant ${TENANT} --phase running --limit 50`)));
        listSamples.push(await timed(async () => {
          const pods = await core.listNamespacedPod({ namespace: `claw-${TENANT}`, labelSelector: 'app.kubernetes.io/managed-by=open-cluster-claw' });
          if (pods.items.length !== size) throw new Error(`expected ${size} pods, saw ${pods.items.length}`);
        }));
      }

      // A command's instance during a full resync, against the same command on an idle control plane.
      if (restartIdleMs.value === 0) restartIdleMs.value = await timed(() => command(`claw restart c0 --tenant ${TENANT} --wait --timeout 5m`));
      let maxDepth = 0;
      let maxAgeMs = 0;
      const sampler = setInterval(() => {
        const q = live.controller.queueStats();
        maxDepth = Math.max(maxDepth, q.depth);
        maxAgeMs = Math.max(maxAgeMs, q.oldestAgeMs);
      }, 20);
      const r0 = performance.now();
      const queued = await live.controller.resync();
      const restartMs = await timed(() => command(`claw restart c0 --tenant ${TENANT} --wait --timeout 5m`));
      while (live.controller.queueStats().depth > 0) await new Promise((r) => setTimeout(r, 20));
      await live.controller.idle();
      const resyncMs = performance.now() - r0;
      clearInterval(sampler);

      const figure: SizeFigures = {
        instances: size, added: names.length, createMs, toRunningMs,
        idleCpu: { controlPlane: cpu.self, apiserver: cpu.apiserver ?? Number.NaN, etcd: cpu.etcd ?? Number.NaN },
        rssMiB: rssMiB(), heapMiB: memory.heapUsed / 1024 / 1024,
        status: {
          p50: percentile(statusSamples, 50), p99: percentile(statusSamples, 99), filteredP50: percentile(filteredSamples, 50),
          rawListP50: percentile(listSamples, 50), ratio: percentile(statusSamples, 50) / percentile(listSamples, 50),
        },
        resync: { instances: queued, ms: resyncMs, maxDepth, maxAgeMs, restartMs, restartIdleMs: restartIdleMs.value },
        cachedObjects: (live.runtime as { cachedObjects?: () => number }).cachedObjects?.() ?? 0,
      };
      figures.sizes.push(figure);
      // Each size as soon as it is measured: a larger one may take long or not be reached.
      process.stderr.write(`[kube-fleet] ${JSON.stringify(figure)}\n`);

      if (options.configPushAt === size) figures.configPush = await configPush(command, core, size);

      if (options.startAllAt === size) {
        await command(`claw stop --all --tenant ${TENANT} --wait --timeout 30m`);
        const ms = await timed(async () => {
          await command(`claw start --all --tenant ${TENANT}`);
          await untilRunning(size, 'start --all');
        });
        figures.startAll = { instances: size, ms };
      }
    }

  } finally {
    await plane?.close();
    await stopAgents(agents);
    await cluster.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const compared = options.rawFloorAt;
  if (compared !== undefined && figures.sizes.some((f) => f.instances === compared)) {
    const ms = await rawFloor(compared);
    const ours = figures.sizes.filter((f) => f.instances <= compared).reduce((sum, f) => sum + f.toRunningMs, 0);
    figures.rawFloor = { instances: compared, ms, ratio: ours / ms };
  }
  return figures;
}

export interface ConfigPushFigures {
  instances: number;
  /** `claw config set` + `claw config publish --all` until every ConfigMap holds the new value. */
  ms: number;
  /** The same number of ConfigMap replaces straight from this process (16 at a time). */
  rawMs: number;
  ratio: number;
}

/**
 * Seed 000's config push: a tenant-wide variable set and published to every claw (one wave, max-unavailable 100%), timed
 * until every claw's ConfigMap carries it; then the floor, the same ConfigMaps replaced directly through the API.
 */
async function configPush(command: (text: string) => Promise<unknown>, core: CoreV1Api, size: number): Promise<ConfigPushFigures> {
  const namespace = `claw-${TENANT}`;
  const marker = `Pushed ${Date.now()}`;
  const holding = async (text: string) => {
    const maps = await core.listNamespacedConfigMap({ namespace, labelSelector: 'app.kubernetes.io/managed-by=open-cluster-claw' });
    return maps.items.filter((m) => Object.values(m.data ?? {}).some((v) => v.includes(text)));
  };
  const t0 = performance.now();
  await command(`claw config set agent.name="${marker}" --tenant ${TENANT} --message bench`);
  await command(`claw config publish --all --tenant ${TENANT} --max-unavailable 100% --health-timeout 30m`);
  for (;;) {
    if ((await holding(marker)).length >= size) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const ms = performance.now() - t0;
  const maps = await holding(marker);
  const raw = performance.now();
  await pool(maps, CONCURRENCY, async (map) => {
    const data = Object.fromEntries(Object.entries(map.data ?? {}).map(([k, v]) => [k, v.replace(marker, `${marker} raw`)]));
    await core.replaceNamespacedConfigMap({ name: map.metadata!.name!, namespace, body: { ...map, data } });
  });
  const rawMs = performance.now() - raw;
  return { instances: size, ms, rawMs, ratio: ms / rawMs };
}

async function stopAgents(agents: ChildProcess): Promise<void> {
  if (agents.exitCode !== null) return;
  const exited = new Promise((r) => agents.once('exit', r));
  agents.kill('SIGTERM');
  await exited;
}

/** Creates `count` instances' objects straight through the API on a fresh cluster and waits for every pod to run. */
async function rawFloor(count: number): Promise<number> {
  const cluster = await startTestCluster(CLUSTER_OPTIONS);
  const agents = await startAgents(cluster, count + 100);
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(cluster.kubeconfigPath);
    const core = kc.makeApiClient(CoreV1Api);
    const namespace = `claw-${TENANT}`;
    // About the size of the openclaw.json the adapter generates.
    const files = { 'openclaw.json': JSON.stringify({ gateway: { port: 18789, bind: 'lan' }, padding: 'x'.repeat(2_000) }) };
    const t0 = performance.now();
    await core.createNamespace({ body: namespaceManifest(TENANT) });
    await core.createNamespacedResourceQuota({ namespace, body: quotaManifest(TENANT, { instances: count + 10, cpu: '100000', memory: '1000Ti', storage: '1000Pi' }) });
    await pool(Array.from({ length: count }, (_, i) => i), CONCURRENCY, async (i) => {
      const spec = rawSpec(`r${i}`, files);
      const claims = instanceNames(spec.ref);
      const create = <T>(write: () => Promise<T>) => retryWhileQuotaPending(write);
      await Promise.all([
        create(() => core.createNamespacedSecret({ namespace, body: secretManifest(spec) })),
        create(() => core.createNamespacedConfigMap({ namespace, body: configMapManifest(spec) })),
        create(() => core.createNamespacedPersistentVolumeClaim({ namespace, body: pvcManifest(spec, claims.configPvc, {}) })),
        create(() => core.createNamespacedPersistentVolumeClaim({ namespace, body: pvcManifest(spec, claims.dataPvc, {}) })),
        create(() => core.createNamespacedService({ namespace, body: serviceManifest(spec) })),
      ]);
      await create(() => core.createNamespacedPod({ namespace, body: podManifest(spec) }));
    });
    for (;;) {
      const pods = await core.listNamespacedPod({ namespace });
      if (pods.items.filter((p) => p.status?.phase === 'Running' && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length === count) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    return performance.now() - t0;
  } finally {
    await stopAgents(agents);
    await cluster.stop();
  }
}

/** A workload like the control plane's (same files, probes, grace), named for the raw namespace. */
function rawSpec(name: string, files: Record<string, string>): WorkloadSpec {
  const ref = { id: `raw-${name}`, tenant: TENANT, project: 'p', name };
  return {
    ref, type: 'openclaw', version: '2026.9.6', labels: {}, image: 'ghcr.io/openclaw/openclaw:2026.9.6', command: ['node', 'dist/index.js'],
    args: ['gateway', '--port', '18789'], env: {}, secretEnv: { OPENCLAW_GATEWAY_TOKEN: 'raw-floor-token' }, files, port: 18789,
    probes: { readiness: { path: '/readyz', periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 3 } },
    resources: { cpu: '10m', memory: '16Mi' }, storage: '1Mi', paths: { configDir: '/home/node/.openclaw', dataDir: '/home/node/data' },
    user: 1000, group: 1000, terminationGraceSeconds: 330, process: { packages: [], entry: { bin: 'openclaw' }, args: [] },
    specHash: 'raw', restartGeneration: 0,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sizes = (process.argv[2] ?? '200,1000').split(',').map(Number);
  const largest = sizes.includes(1000) ? 1000 : sizes.at(-1);
  console.log(JSON.stringify(await kubeFleet(sizes, { startAllAt: sizes[0], rawFloorAt: largest, configPushAt: largest }), null, 2));
}
