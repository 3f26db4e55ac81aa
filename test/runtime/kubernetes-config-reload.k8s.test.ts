// A config-only change on the Kubernetes runtime (same spec hash, other files): the ConfigMap is updated in place and
// the pod stays (same uid), its config-hash annotation following so the kubelet resyncs the volume; an unchanged apply
// writes nothing. Against the real test apiserver, with the fake kubelet running the pod.
import { randomBytes, randomUUID } from 'node:crypto';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KubernetesRuntime } from '../../src/runtime/kubernetes/index.js';
import { filesDigest } from '../../src/runtime/files-digest.js';
import { instanceNames } from '../../src/runtime/kubernetes/names.js';
import type { RuntimeMeter } from '../../src/runtime/runtime-meter.js';
import type { RuntimeTarget } from '../../src/runtime/runtime.js';
import type { InstanceRef, WorkloadSpec } from '../../src/runtime/workload.js';
import { loadTestKubeConfig } from '../cluster/test-namespace.js';
import { TEST_LAYOUT } from '../support/test-layout.js';
import { waitFor } from './runtime-contract.js';

const READY_TIMEOUT_MS = 30_000;

function spec(ref: InstanceRef, target: RuntimeTarget, files: Record<string, string>, specHash = 'spec-v1'): WorkloadSpec {
  return {
    ref, type: 'openclaw', version: '2026.9.6', labels: {}, image: 'ghcr.io/openclaw/openclaw:test', command: [],
    args: ['gateway', '--port', String(target.port)], env: { OPENCLAW_CONFIG_PATH: `${target.filesDir}/openclaw.json` },
    secretEnv: { OPENCLAW_GATEWAY_TOKEN: 'token' }, files, port: target.port,
    probes: { readiness: { path: '/readyz', periodSeconds: 2, failureThreshold: 3, timeoutSeconds: 1 } },
    resources: { cpu: '100m', memory: '128Mi' }, storage: '1Gi', paths: { configDir: target.configDir, dataDir: target.dataDir },
    user: 1000, group: 1000, terminationGraceSeconds: 5, specHash, configHash: filesDigest(files), restartGeneration: 0,
  };
}

describe('kubernetes runtime: config applied in place', () => {
  const tenant = `kr${randomBytes(3).toString('hex')}`;
  const namespace = `claw-${tenant}`;
  const writes: string[] = [];
  const meter: RuntimeMeter = { write: (kind, outcome) => writes.push(`${kind} ${outcome}`), notification: () => undefined, read: () => undefined };
  let runtime: KubernetesRuntime;
  let core: CoreV1Api;

  beforeAll(async () => {
    runtime = new KubernetesRuntime({ kubeconfigPath: inject('kubeconfigPath'), requestTimeoutMs: 10_000, meter });
    core = loadTestKubeConfig().makeApiClient(CoreV1Api);
    await runtime.ensureTenant(tenant, { instances: 10, cpu: '10', memory: '20Gi', storage: '50Gi' });
  });
  afterAll(async () => {
    await runtime?.close();
    await core?.deleteNamespace({ name: namespace }).catch(() => undefined);
  });

  it('updates the ConfigMap and the pod\'s config-hash, keeps the pod, and writes nothing when applied again', async () => {
    const ref: InstanceRef = { id: randomUUID(), tenant, project: 'p1', name: 'hot' };
    const { base } = instanceNames(ref);
    const target = await runtime.target(ref, TEST_LAYOUT);
    const first = spec(ref, target, { 'openclaw.json': '{"agents":{"entries":{"main":{"name":"Main"}}}}' });
    await runtime.apply(first);
    const ready = await waitFor('the pod to run', () => runtime.observe(ref), (o) => o.state === 'running' && o.ready, READY_TIMEOUT_MS);
    const pod = await core.readNamespacedPod({ name: base, namespace });
    expect(pod.metadata?.annotations?.['clusterclaw.io/config-hash']).toBe(first.configHash);

    const second = spec(ref, target, { 'openclaw.json': '{"agents":{"entries":{"main":{"name":"Renamed"}}}}' });
    expect(second.specHash).toBe(first.specHash);
    writes.length = 0;
    await runtime.apply(second);
    expect(writes.sort()).toEqual(['configmap updated', 'pod updated']);
    const configMap = await core.readNamespacedConfigMap({ name: base, namespace });
    expect(configMap.data).toEqual(second.files);
    const kept = await core.readNamespacedPod({ name: base, namespace });
    expect(kept.metadata?.uid).toBe(pod.metadata?.uid);
    expect(kept.metadata?.deletionTimestamp).toBeUndefined();
    expect(kept.metadata?.annotations).toMatchObject({ 'clusterclaw.io/config-hash': second.configHash, 'clusterclaw.io/spec-hash': 'spec-v1' });
    const observed = await runtime.observe(ref);
    expect(observed).toMatchObject({ state: 'running', ready: true, specHash: 'spec-v1' });
    expect(observed.startedAt?.getTime()).toBe(ready.startedAt?.getTime());
    expect(await runtime.files(ref)).toEqual(second.files);

    writes.length = 0;
    await runtime.apply(second);
    expect(writes).toEqual([]);

    // Another spec hash is a new pod, as before.
    await runtime.apply(spec(ref, target, second.files, 'spec-v2'));
    await waitFor('the pod to be replaced', () => core.readNamespacedPod({ name: base, namespace }).catch(() => undefined), (p) => !!p && p.metadata?.uid !== pod.metadata?.uid, READY_TIMEOUT_MS);
    await runtime.destroy(ref, { keepData: false });
  }, 90_000);
});
