// 200 instances on the real test cluster: time to Running, `claw status` latency against one raw listNamespacedPod
// of the same pods, and the control plane's memory. Needs the cluster binaries (test/cluster/build-kube.sh).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { loadSettings } from '../src/config/settings.js';
import { createControlPlane } from '../src/control-plane.js';
import { FakeKubelet } from '../test/cluster/fake-kubelet.js';
import { FakeProvisioner } from '../test/cluster/fake-provisioner.js';
import { startTestCluster } from '../test/cluster/test-cluster.js';

export interface InstancesBench {
  instances: number;
  createMs: number;
  toRunningMs: number;
  statusP50Ms: number;
  rawListP50Ms: number;
  ratio: number;
  rssMiB: number;
  heapMiB: number;
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export async function instancesOnKubernetes(count = 200): Promise<InstancesBench> {
  const cluster = await startTestCluster();
  const kubelet = new FakeKubelet({ kubeconfigPath: cluster.kubeconfigPath, logFile: join(cluster.logDir, 'fake-kubelet.log') });
  const provisioner = new FakeProvisioner({ kubeconfigPath: cluster.kubeconfigPath, logFile: join(cluster.logDir, 'fake-provisioner.log') });
  await kubelet.start();
  await provisioner.start();
  const dataDir = mkdtempSync(join(tmpdir(), 'claw-bench-k8s-'));
  const adminToken = 'claw_bench_k8s_token_0123456789';
  const plane = await createControlPlane({
    ...loadSettings({ env: {} }),
    host: '127.0.0.1', port: 0, dataDir, database: { kind: 'sqlite', path: join(dataDir, 'claw.db') }, adminToken, logLevel: 'silent',
    rateLimit: { perMinute: 10_000_000, burst: 1_000_000 }, runtime: 'kubernetes',
    kubernetes: { kubeconfig: cluster.kubeconfigPath, context: undefined, storageClass: undefined, leaseNamespace: 'default', leaseName: 'claw-bench' },
    reconciler: { workers: 8, resyncMs: 60_000 },
  });
  try {
    const url = await plane.listen();
    const command = async (text: string) => {
      const r = await fetch(`${url}/api/v1/commands`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` }, body: JSON.stringify({ text }) });
      const body = (await r.json()) as { ok: boolean; text: string; result?: unknown };
      if (!body.ok) throw new Error(`${text}: ${body.text}`);
      return body;
    };
    await command('claw tenant create bench');
    await command('claw project create p --tenant bench');
    await command(`claw tenant quota bench --instances ${count} --cpu 100 --memory 100Gi --storage 2Ti`);
    const t0 = performance.now();
    for (let i = 0; i < count; i++) await command(`claw create c${i} --tenant bench --project p --cpu 100m --memory 128Mi`);
    const createMs = performance.now() - t0;
    for (;;) {
      const status = (await command('claw status --tenant bench')).result as { counts: Record<string, number> };
      if ((status.counts.Running ?? 0) === count) break;
      if (performance.now() - t0 > 15 * 60_000) throw new Error(`not all Running after 15 minutes: ${JSON.stringify(status.counts)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const toRunningMs = performance.now() - t0;

    const kc = new KubeConfig();
    kc.loadFromFile(cluster.kubeconfigPath);
    const core = kc.makeApiClient(CoreV1Api);
    const statusSamples: number[] = [];
    const listSamples: number[] = [];
    for (let i = 0; i < 30; i++) {
      let s = performance.now();
      await command('claw status --tenant bench');
      statusSamples.push(performance.now() - s);
      s = performance.now();
      const pods = await core.listNamespacedPod({ namespace: 'claw-bench', labelSelector: 'app.kubernetes.io/managed-by=open-cluster-claw' });
      listSamples.push(performance.now() - s);
      if (pods.items.length !== count) throw new Error(`expected ${count} pods, saw ${pods.items.length}`);
    }
    const memory = process.memoryUsage();
    return {
      instances: count, createMs, toRunningMs, statusP50Ms: median(statusSamples), rawListP50Ms: median(listSamples),
      ratio: median(statusSamples) / median(listSamples), rssMiB: memory.rss / 1024 / 1024, heapMiB: memory.heapUsed / 1024 / 1024,
    };
  } finally {
    await plane.close();
    await provisioner.stop();
    await kubelet.stop();
    await cluster.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
