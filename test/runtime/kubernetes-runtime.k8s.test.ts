// The Kubernetes runtime against the real test cluster: the shared Runtime contract, then what only Kubernetes shows.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { CoordinationV1Api, CoreV1Api, KubeConfig, NetworkingV1Api, type V1LabelSelector } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KubernetesRuntime, POD_FILES_DIR, createKubernetesRuntime, type KubernetesRuntimeOptions } from '../../src/runtime/kubernetes/index.js';
import { RuntimeError, type Observation, type RuntimeTarget, type TenantQuota } from '../../src/runtime/runtime.js';
import type { InstanceRef, WorkloadSpec } from '../../src/runtime/workload.js';
import { instanceNames, legacyInstanceNames } from '../../src/runtime/kubernetes/names.js';
import { configMapManifest, podManifest, pvcManifest, secretManifest, serviceManifest } from '../../src/runtime/kubernetes/manifests.js';
import { KubeletControl } from '../cluster/kubelet-control.js';
import { createTestNamespace, loadTestKubeConfig, type TestNamespace } from '../cluster/test-namespace.js';
import { describeRuntimeContract, waitFor } from './runtime-contract.js';
import { silentLogger } from '../../src/util/logger.js';
import { TEST_LAYOUT } from '../support/test-layout.js';

const READY_TIMEOUT_MS = 30_000;
const GRACE_SECONDS = 7;
const TOKEN_PREFIX = 'gateway-token-';

/** A runtime that remembers the tenants it set up, so the suite can delete their namespaces afterwards. */
class RecordingRuntime extends KubernetesRuntime {
  static readonly tenants = new Set<string>();
  override ensureTenant(tenant: string, quota: TenantQuota): Promise<void> {
    RecordingRuntime.tenants.add(tenant);
    return super.ensureTenant(tenant, quota);
  }
}

function newRuntime(options: KubernetesRuntimeOptions = {}): RecordingRuntime {
  return new RecordingRuntime({ kubeconfigPath: inject('kubeconfigPath'), requestTimeoutMs: 10_000, ...options });
}

/** A test workload: the fake kubelet runs any image; the hash covers everything but the restart generation. */
function makeSpec(ref: InstanceRef, target: RuntimeTarget, variant: { restartGeneration?: number; configText?: string } = {}, overrides: Partial<WorkloadSpec> = {}): WorkloadSpec {
  const content: Omit<WorkloadSpec, 'specHash' | 'restartGeneration'> = {
    ref,
    type: 'openclaw',
    version: '2026.9.6',
    labels: { team: 'qa' },
    image: 'ghcr.io/openclaw/openclaw:test',
    command: [],
    args: ['gateway', '--port', String(target.port)],
    env: { NODE_ENV: 'production', OPENCLAW_CONFIG_PATH: `${target.filesDir}/test.json` },
    secretEnv: { OPENCLAW_GATEWAY_TOKEN: `${TOKEN_PREFIX}${ref.id}` },
    files: { 'test.json': variant.configText ?? 'v1' },
    port: target.port,
    probes: {
      liveness: { path: '/healthz', periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 2 },
      readiness: { path: '/readyz', periodSeconds: 2, failureThreshold: 3, timeoutSeconds: 1 },
      startup: { path: '/healthz', periodSeconds: 2, failureThreshold: 30, timeoutSeconds: 1, initialDelaySeconds: 1 },
    },
    resources: { cpu: '100m', memory: '128Mi' },
    storage: '1Gi',
    paths: { configDir: target.configDir, dataDir: target.dataDir },
    user: 1000,
    group: 1000,
    terminationGraceSeconds: GRACE_SECONDS,
    process: { packages: [], entry: { bin: 'openclaw' }, args: [] },
    ...overrides,
  };
  const specHash = createHash('sha256').update(JSON.stringify(content)).digest('hex');
  return { ...content, specHash, restartGeneration: variant.restartGeneration ?? 0 };
}

const leaseNamespaces: TestNamespace[] = [];

/** A label selector as the API's labelSelector parameter (equality terms only, which is all the policies use). */
function selectorText(selector: V1LabelSelector | undefined): string {
  return Object.entries(selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
}

async function deleteTenantNamespaces(): Promise<void> {
  const core = loadTestKubeConfig().makeApiClient(CoreV1Api);
  await Promise.all(
    [...RecordingRuntime.tenants].map((tenant) =>
      core.deleteNamespace({ name: `claw-${tenant}` }).catch((err: unknown) => {
        if ((err as { code?: number }).code !== 404) throw err;
      }),
    ),
  );
  await Promise.all(leaseNamespaces.map((ns) => ns.delete()));
}

afterAll(async () => {
  await deleteTenantNamespaces();
});

describeRuntimeContract('kubernetes', async () => {
  // Each run gets its own Lease namespace, so parallel suites never compete for the same lease.
  const leaseNs = await createTestNamespace(loadTestKubeConfig(), 'lease');
  leaseNamespaces.push(leaseNs);
  const runtime = newRuntime({ leaseNamespace: leaseNs.name });
  const replicas: KubernetesRuntime[] = [];
  return {
    runtime,
    replica: async () => {
      const replica = newRuntime({ leaseNamespace: leaseNs.name });
      replicas.push(replica);
      return replica;
    },
    specFor: (ref, target, variant) => makeSpec(ref, target, variant),
    readyTimeoutMs: READY_TIMEOUT_MS,
    close: async () => {
      await Promise.all([runtime.close(), ...replicas.map((r) => r.close())]);
    },
  };
});

describe('kubernetes runtime on a real apiserver', () => {
  const kubelet = new KubeletControl(inject('kubeletControlUrl'));
  const tenant = `kt${randomBytes(3).toString('hex')}`;
  const namespace = `claw-${tenant}`;
  const quota: TenantQuota = { instances: 50, cpu: '500', memory: '200Gi', storage: '500Gi' };
  let runtime: RecordingRuntime;
  let core: CoreV1Api;
  const ref = (name: string): InstanceRef => ({ id: randomUUID(), tenant, project: 'p1', name });
  const base = (r: InstanceRef) => instanceNames(r).base;
  const until = (r: InstanceRef, what: string, ok: (o: Observation) => boolean, timeoutMs = READY_TIMEOUT_MS) =>
    waitFor(what, () => runtime.observe(r), ok, timeoutMs);
  const running = (o: Observation) => o.state === 'running' && o.ready;
  const gone = async (read: () => Promise<unknown>): Promise<boolean> =>
    read().then(
      () => false,
      (err: unknown) => {
        if ((err as { code?: number }).code === 404) return true;
        throw err;
      },
    );
  const specOf = async (r: InstanceRef, overrides: Partial<WorkloadSpec> = {}, variant: { restartGeneration?: number } = {}) =>
    makeSpec(r, await runtime.target(r, TEST_LAYOUT), variant, overrides);

  beforeAll(async () => {
    runtime = newRuntime();
    core = loadTestKubeConfig().makeApiClient(CoreV1Api);
    await runtime.ensureTenant(tenant, quota);
  });
  afterAll(async () => {
    await kubelet.clearFaults({ namespace });
    await runtime?.close();
  });

  it('creates every object with the managed labels, and a locked-down pod', async () => {
    const r = ref('objects');
    const target = await runtime.target(r, TEST_LAYOUT);
    expect(target).toEqual({
      kind: 'pod',
      port: 18789,
      bind: 'lan',
      configDir: '/home/node/.openclaw',
      dataDir: '/home/node/data',
      logFile: '/home/node/.openclaw/logs/openclaw.log',
      filesDir: POD_FILES_DIR,
    });
    const spec = makeSpec(r, target, {}, {
      // A user label may not override a managed one.
      labels: { team: 'qa', 'clusterclaw.io/tenant': 'someone-else' },
      files: { 'openclaw.json': '{"gateway":{}}', 'skills/hello/SKILL.md': '# hello' },
    });
    await runtime.apply(spec);
    const name = base(r);
    const managed = {
      'clusterclaw.io/tenant': tenant,
      'clusterclaw.io/project': 'p1',
      'clusterclaw.io/instance': 'objects',
      'clusterclaw.io/type': 'openclaw',
      'clusterclaw.io/instance-id': r.id,
      'app.kubernetes.io/name': 'openclaw',
      'app.kubernetes.io/managed-by': 'open-cluster-claw',
      team: 'qa',
    };
    const secret = await core.readNamespacedSecret({ name, namespace });
    expect(secret.type).toBe('Opaque');
    expect(secret.metadata?.labels).toMatchObject(managed);
    expect(Buffer.from(secret.data!['OPENCLAW_GATEWAY_TOKEN']!, 'base64').toString()).toBe(`${TOKEN_PREFIX}${r.id}`);
    const configMap = await core.readNamespacedConfigMap({ name, namespace });
    expect(configMap.metadata?.labels).toMatchObject(managed);
    expect(configMap.data).toEqual({ 'openclaw.json': '{"gateway":{}}', 'skills_2fhello_2fSKILL.md': '# hello' });
    for (const claim of [`${name}-config`, `${name}-data`]) {
      const pvc = await core.readNamespacedPersistentVolumeClaim({ name: claim, namespace });
      expect(pvc.metadata?.labels).toMatchObject(managed);
      expect(pvc.spec?.accessModes).toEqual(['ReadWriteOnce']);
      expect(pvc.spec?.resources?.requests?.['storage']).toBe('1Gi');
    }
    const service = await core.readNamespacedService({ name, namespace });
    expect(service.metadata?.labels).toMatchObject(managed);
    expect(service.spec?.type).toBe('ClusterIP');
    expect(service.spec?.ports).toEqual([expect.objectContaining({ name: 'gateway', port: 18789, protocol: 'TCP' })]);
    expect(service.spec?.selector).toEqual({ 'clusterclaw.io/instance-id': r.id, 'app.kubernetes.io/managed-by': 'open-cluster-claw' });

    const pod = await core.readNamespacedPod({ name, namespace });
    expect(pod.metadata?.labels).toMatchObject(managed);
    expect(pod.metadata?.annotations).toMatchObject({
      'clusterclaw.io/spec-hash': spec.specHash,
      'clusterclaw.io/restart-generation': '0',
      'clusterclaw.io/config-hash': expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const podSpec = pod.spec!;
    expect(podSpec).toMatchObject({
      restartPolicy: 'Always',
      automountServiceAccountToken: false,
      terminationGracePeriodSeconds: GRACE_SECONDS,
      securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 },
    });
    expect(podSpec.containers).toHaveLength(1);
    const c = podSpec.containers[0]!;
    expect(c).toMatchObject({
      name: 'openclaw',
      image: 'ghcr.io/openclaw/openclaw:test',
      args: ['gateway', '--port', '18789'],
      envFrom: [{ secretRef: { name } }],
      ports: [{ name: 'gateway', containerPort: 18789, protocol: 'TCP' }],
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '100m', memory: '128Mi' } },
      livenessProbe: { httpGet: { path: '/healthz', port: 18789 }, periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 2 },
      readinessProbe: { httpGet: { path: '/readyz', port: 18789 }, periodSeconds: 2 },
      startupProbe: { httpGet: { path: '/healthz', port: 18789 }, initialDelaySeconds: 1 },
      securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true, runAsUser: 1000 },
    });
    expect(c.command).toBeUndefined();
    expect(c.env).toEqual([
      { name: 'NODE_ENV', value: 'production' },
      { name: 'OPENCLAW_CONFIG_PATH', value: `${POD_FILES_DIR}/test.json` },
    ]);
    // The token only travels through the Secret, never in the pod spec.
    expect(JSON.stringify(podSpec)).not.toContain(TOKEN_PREFIX);
    expect(c.volumeMounts).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'config', mountPath: '/home/node/.openclaw' }),
        expect.objectContaining({ name: 'data', mountPath: '/home/node/data' }),
        expect.objectContaining({ name: 'files', mountPath: POD_FILES_DIR, readOnly: true }),
      ]),
    );
    const files = podSpec.volumes?.find((v) => v.name === 'files');
    expect(files?.configMap?.items).toEqual([
      { key: 'openclaw.json', path: 'openclaw.json' },
      { key: 'skills_2fhello_2fSKILL.md', path: 'skills/hello/SKILL.md' },
    ]);
    expect(podSpec.volumes?.find((v) => v.name === 'data')?.persistentVolumeClaim?.claimName).toBe(`${name}-data`);

    const observed = await until(r, 'running and ready', running);
    const podNow = await core.readNamespacedPod({ name, namespace });
    expect(observed).toMatchObject({ node: inject('kubeNodeName'), endpoint: `http://${podNow.status?.podIP}:18789`, restarts: 0 });
    expect(observed.failure).toBeUndefined();

    // Re-applying an unchanged spec writes nothing.
    const versions = async () =>
      Promise.all([
        core.readNamespacedSecret({ name, namespace }),
        core.readNamespacedConfigMap({ name, namespace }),
        core.readNamespacedService({ name, namespace }),
      ]).then((objects) => objects.map((o) => o.metadata?.resourceVersion));
    const before = await versions();
    await runtime.apply(spec);
    expect(await versions()).toEqual(before);

    // A changed file updates the ConfigMap in place (and, being part of the spec hash, replaces the pod).
    const changed = makeSpec(r, target, {}, { files: { 'openclaw.json': '{"gateway":{"port":1}}' } });
    await runtime.apply(changed);
    expect((await core.readNamespacedConfigMap({ name, namespace })).data).toEqual({ 'openclaw.json': '{"gateway":{"port":1}}' });
    await until(r, 'the pod of the changed spec', (o) => o.specHash === changed.specHash && running(o));
    await runtime.destroy(r, { keepData: false });
  });

  it('stops gracefully with the given grace or by force, keeping everything but the pod', async () => {
    const r = ref('stopper');
    const name = base(r);
    const spec = await specOf(r);
    await runtime.apply(spec);
    await until(r, 'ready', running);
    const firstUid = (await core.readNamespacedPod({ name, namespace })).metadata?.uid;
    await runtime.stop(r, { force: false, graceSeconds: GRACE_SECONDS });
    const graceful = await kubelet.waitForDeletion(namespace, name);
    expect(graceful).toMatchObject({ uid: firstUid, gracePeriodSeconds: GRACE_SECONDS, force: false });
    await until(r, 'absent', (o) => o.state === 'absent');
    await Promise.all([
      core.readNamespacedSecret({ name, namespace }),
      core.readNamespacedConfigMap({ name, namespace }),
      core.readNamespacedService({ name, namespace }),
      core.readNamespacedPersistentVolumeClaim({ name: `${name}-config`, namespace }),
      core.readNamespacedPersistentVolumeClaim({ name: `${name}-data`, namespace }),
    ]);

    await runtime.apply(spec);
    await until(r, 'ready again', running);
    const secondUid = (await core.readNamespacedPod({ name, namespace })).metadata?.uid;
    expect(secondUid).not.toBe(firstUid);
    await runtime.stop(r, { force: true, graceSeconds: GRACE_SECONDS });
    const forced = await waitFor('the forced deletion', async () => (await kubelet.deletions({ namespace, pod: name })).find((d) => d.uid === secondUid), Boolean, 10_000);
    expect(forced).toMatchObject({ gracePeriodSeconds: 0, force: true });
    await until(r, 'absent after force', (o) => o.state === 'absent' && o.dataPresent);
    await runtime.destroy(r, { keepData: false });
  });

  it('replaces the pod for a new restart generation, deleting the old one with the spec grace', async () => {
    const r = ref('restarter');
    const name = base(r);
    const target = await runtime.target(r, TEST_LAYOUT);
    await runtime.apply(makeSpec(r, target));
    await until(r, 'ready', running);
    const oldUid = (await core.readNamespacedPod({ name, namespace })).metadata?.uid;
    await runtime.apply(makeSpec(r, target, { restartGeneration: 1 }));
    await until(r, 'generation 1 ready', (o) => o.restartGeneration === 1 && running(o));
    const pod = await core.readNamespacedPod({ name, namespace });
    expect(pod.metadata?.uid).not.toBe(oldUid);
    expect(pod.metadata?.annotations?.['clusterclaw.io/restart-generation']).toBe('1');
    const deletion = (await kubelet.deletions({ namespace, pod: name })).find((d) => d.uid === oldUid);
    expect(deletion).toMatchObject({ gracePeriodSeconds: GRACE_SECONDS, force: false });
    await runtime.destroy(r, { keepData: false });
  });

  it('destroys everything, or everything but the claims, which a later apply reuses', async () => {
    const keep = ref('keeper');
    const name = base(keep);
    const spec = await specOf(keep);
    await runtime.apply(spec);
    await until(keep, 'ready', running);
    const claimUid = (await core.readNamespacedPersistentVolumeClaim({ name: `${name}-data`, namespace })).metadata?.uid;
    await runtime.destroy(keep, { keepData: true });
    await waitFor('pod gone', () => gone(() => core.readNamespacedPod({ name, namespace })), Boolean, READY_TIMEOUT_MS);
    for (const read of [
      () => core.readNamespacedSecret({ name, namespace }),
      () => core.readNamespacedConfigMap({ name, namespace }),
      () => core.readNamespacedService({ name, namespace }),
    ]) {
      expect(await gone(read)).toBe(true);
    }
    expect((await core.readNamespacedPersistentVolumeClaim({ name: `${name}-data`, namespace })).metadata?.uid).toBe(claimUid);
    await runtime.apply(spec);
    await until(keep, 'ready on the kept claims', running);
    expect((await core.readNamespacedPersistentVolumeClaim({ name: `${name}-data`, namespace })).metadata?.uid).toBe(claimUid);

    await runtime.destroy(keep, { keepData: false });
    await waitFor(
      'every object gone',
      async () =>
        Promise.all([
          gone(() => core.readNamespacedPod({ name, namespace })),
          gone(() => core.readNamespacedPersistentVolumeClaim({ name: `${name}-config`, namespace })),
          gone(() => core.readNamespacedPersistentVolumeClaim({ name: `${name}-data`, namespace })),
          gone(() => core.readNamespacedSecret({ name, namespace })),
        ]),
      (all) => all.every(Boolean),
      READY_TIMEOUT_MS,
    );
  });

  it('sets up a tenant namespace with labels and a ResourceQuota, and updates the quota', async () => {
    const t = `kq${randomBytes(3).toString('hex')}`;
    await runtime.ensureTenant(t, { instances: 3, cpu: '4', memory: '8Gi', storage: '30Gi' });
    const ns = await core.readNamespace({ name: `claw-${t}` });
    expect(ns.metadata?.labels).toMatchObject({ 'clusterclaw.io/tenant': t, 'app.kubernetes.io/managed-by': 'open-cluster-claw' });
    const q = await core.readNamespacedResourceQuota({ name: 'claw-quota', namespace: `claw-${t}` });
    expect(q.spec?.hard).toEqual({
      pods: '3',
      'requests.cpu': '4',
      'limits.cpu': '4',
      'requests.memory': '8Gi',
      'limits.memory': '8Gi',
      'requests.storage': '30Gi',
      persistentvolumeclaims: '6',
    });
    // ensureTenant waits until the quota is in force, so the very next write is judged against it.
    expect(q.status?.hard).toEqual(q.spec?.hard);
    await runtime.ensureTenant(t, { instances: 3, cpu: '4', memory: '8Gi', storage: '30Gi' });
    expect((await core.readNamespacedResourceQuota({ name: 'claw-quota', namespace: `claw-${t}` })).metadata?.resourceVersion).toBe(
      q.metadata?.resourceVersion,
    );
    await runtime.ensureTenant(t, { instances: 5, cpu: '8', memory: '16Gi', storage: '50Gi' });
    const updated = await core.readNamespacedResourceQuota({ name: 'claw-quota', namespace: `claw-${t}` });
    expect(updated.spec?.hard).toMatchObject({ pods: '5', 'limits.cpu': '8', 'requests.memory': '16Gi', 'requests.storage': '50Gi', persistentvolumeclaims: '10' });
    // Another replica (no cache) sees the quota already right and writes nothing.
    const other = newRuntime();
    await other.ensureTenant(t, { instances: 5, cpu: '8', memory: '16Gi', storage: '50Gi' });
    await other.close();
    expect((await core.readNamespacedResourceQuota({ name: 'claw-quota', namespace: `claw-${t}` })).metadata?.resourceVersion).toBe(
      updated.metadata?.resourceVersion,
    );
  });

  it('refuses an apply over the quota with kind quota and a clear message, leaving only what destroy removes', async () => {
    const t = `kq${randomBytes(3).toString('hex')}`;
    await runtime.ensureTenant(t, { instances: 1, cpu: '1', memory: '1Gi', storage: '10Gi' });
    const tref = (name: string): InstanceRef => ({ id: randomUUID(), tenant: t, project: 'p1', name });

    const big = tref('big');
    const err = await runtime.apply(await specOf(big, { resources: { cpu: '2', memory: '512Mi' } })).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RuntimeError);
    const quotaError = err as RuntimeError;
    expect(quotaError.kind).toBe('quota');
    expect(quotaError.message).toMatch(new RegExp(`^pod ${base(big)} in claw-${t}: exceeds the tenant's quota claw-quota: requested .*requests\\.cpu=2`));
    expect(quotaError.message).toMatch(/allowed .*requests\.cpu=1/);
    expect(quotaError.message).not.toContain(TOKEN_PREFIX);
    const left = await runtime.observe(big);
    expect(left).toMatchObject({ state: 'absent', resourcesPresent: true });
    await runtime.destroy(big, { keepData: false });
    await until(big, 'nothing left', (o) => !o.resourcesPresent && !o.dataPresent);

    // One instance fits; re-applying it at a full quota is fine (objects are read before anything is created)...
    const fits = tref('fits');
    const fitsSpec = await specOf(fits);
    await runtime.apply(fitsSpec);
    await until(fits, 'ready', running);
    await runtime.apply(fitsSpec);
    // ...and a second one is refused: its claims exceed persistentvolumeclaims=2 (or its pod pods=1).
    const second = tref('second');
    const refused = await runtime.apply(await specOf(second)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toMatchObject({ kind: 'quota', message: expect.stringMatching(/exceeds the tenant's quota claw-quota: requested (persistentvolumeclaims|pods)=1/) });
    await runtime.destroy(second, { keepData: false });
    await runtime.destroy(fits, { keepData: false });
    await until(second, 'second cleaned', (o) => !o.resourcesPresent);
  });

  describe('failures injected by the fake kubelet', () => {
    it('crashloop: CrashLoopBackOff with the exit code, logs of the crashed run and BackOff events', async () => {
      const r = ref('crashy');
      await kubelet.addFault({ namespace, selector: { 'clusterclaw.io/instance-id': r.id }, fault: 'crashloop' });
      await runtime.apply(await specOf(r));
      const o = await until(r, 'CrashLoopBackOff', (x) => x.failure?.reason === 'CrashLoopBackOff' && x.restarts >= 2);
      expect(o.failure?.message).toMatch(/keeps crashing \(restarts: \d+, last exit code 1 \(Error\)\)/);
      expect(o.ready).toBe(false);
      const previous = await runtime.logs(r, { previous: true });
      expect(previous.join('\n')).toContain('panic: simulated crash');
      const tail = await runtime.logs(r, { tail: 2 });
      expect(tail).toHaveLength(2);
      const events = await waitFor('BackOff event', () => runtime.events(r), (e) => e.some((x) => x.reason === 'BackOff'), READY_TIMEOUT_MS);
      expect(events.find((x) => x.reason === 'BackOff')).toMatchObject({ type: 'Warning', count: expect.any(Number) });
      const times = events.map((e) => e.at.getTime());
      expect(times).toEqual([...times].sort((a, b) => a - b));
      await runtime.destroy(r, { keepData: false });
    });

    it('oom: OOMKilled wins over the CrashLoopBackOff it causes', async () => {
      const r = ref('hungry');
      await kubelet.addFault({ namespace, selector: { 'clusterclaw.io/instance-id': r.id }, fault: 'oom' });
      await runtime.apply(await specOf(r));
      const o = await until(r, 'OOMKilled', (x) => x.failure?.reason === 'OOMKilled');
      expect(o.failure?.message).toMatch(/memory limit \(exit code 137/);
      await runtime.destroy(r, { keepData: false });
    });

    it('image-pull: ImagePullBackOff while pending', async () => {
      const r = ref('pully');
      await kubelet.addFault({ namespace, selector: { 'clusterclaw.io/instance-id': r.id }, fault: 'image-pull' });
      await runtime.apply(await specOf(r));
      const o = await until(r, 'ImagePullBackOff', (x) => x.failure?.reason === 'ImagePullBackOff');
      expect(o.state).toBe('pending');
      expect(o.progress).toBe('pulling image');
      expect(o.failure?.message).toContain('ghcr.io/openclaw/openclaw:test');
      // The container never ran: no logs, and no error either.
      expect(await runtime.logs(r, {})).toEqual([]);
      await runtime.destroy(r, { keepData: false });
    });

    it('never-ready: running, not ready, ProbeFailure with the probe message and Unhealthy events', async () => {
      const r = ref('shy');
      await kubelet.addFault({ namespace, selector: { 'clusterclaw.io/instance-id': r.id }, fault: 'never-ready' });
      await runtime.apply(await specOf(r));
      const o = await until(r, 'ProbeFailure', (x) => x.failure?.reason === 'ProbeFailure');
      expect(o).toMatchObject({ state: 'running', ready: false, progress: 'waiting for readiness' });
      expect(o.failure?.message).toContain('Readiness probe failed');
      const events = await runtime.events(r);
      expect(events.some((e) => e.reason === 'Unhealthy' && e.type === 'Warning')).toBe(true);
      await runtime.destroy(r, { keepData: false });
    });

    it('unschedulable: more cpu than the node has, reported with the scheduler message', async () => {
      const r = ref('giant');
      await runtime.apply(await specOf(r, { resources: { cpu: '100', memory: '1Gi' } }));
      const o = await until(r, 'Unschedulable', (x) => x.failure?.reason === 'Unschedulable' && /cpu/i.test(x.failure.message));
      expect(o).toMatchObject({ state: 'pending', progress: 'scheduling' });
      expect(o.failure?.message).toMatch(/Insufficient cpu/);
      expect(await runtime.logs(r, { tail: 10 })).toEqual([]);
      expect(await runtime.logs(r, { previous: true })).toEqual([]);
      await runtime.destroy(r, { keepData: false });
    });
  });

  describe('names and ownership', () => {
    const refIn = (project: string, name: string): InstanceRef => ({ id: randomUUID(), tenant, project, name });
    const claimUids = async (r: InstanceRef, names = instanceNames(r)) =>
      Promise.all([names.configPvc, names.dataPvc].map(async (name) => (await core.readNamespacedPersistentVolumeClaim({ name, namespace })).metadata?.uid));
    const tokenOf = async (name: string) =>
      Buffer.from((await core.readNamespacedSecret({ name, namespace })).data?.['OPENCLAW_GATEWAY_TOKEN'] ?? '', 'base64').toString();

    it('keeps project a instance b-c apart from project a-b instance c; destroying one leaves the other running with its data', async () => {
      const one = refIn('a', 'b-c');
      const two = refIn('a-b', 'c');
      const [oneNames, twoNames] = [instanceNames(one), instanceNames(two)];
      expect(oneNames.base).not.toBe(twoNames.base);
      await runtime.apply(await specOf(one));
      await runtime.apply(await specOf(two));
      await Promise.all([until(one, 'a/b-c ready', running), until(two, 'a-b/c ready', running)]);
      const [oneClaims, twoClaims] = await Promise.all([claimUids(one), claimUids(two)]);
      expect(new Set([...oneClaims, ...twoClaims]).size).toBe(4);
      // Each pod mounts its own claims and reads its own Secret, which holds its own token.
      for (const [r, names] of [[one, oneNames], [two, twoNames]] as const) {
        const pod = await core.readNamespacedPod({ name: names.base, namespace });
        expect(pod.metadata?.labels?.['clusterclaw.io/instance-id']).toBe(r.id);
        expect(pod.spec?.volumes?.find((v) => v.name === 'data')?.persistentVolumeClaim?.claimName).toBe(names.dataPvc);
        expect(pod.spec?.volumes?.find((v) => v.name === 'config')?.persistentVolumeClaim?.claimName).toBe(names.configPvc);
        expect(pod.spec?.containers[0]?.envFrom).toEqual([{ secretRef: { name: names.base } }]);
        expect(await tokenOf(names.base)).toBe(`${TOKEN_PREFIX}${r.id}`);
      }
      const twoPod = (await core.readNamespacedPod({ name: twoNames.base, namespace })).metadata?.uid;

      await runtime.destroy(one, { keepData: false });
      await until(one, 'a/b-c gone with its volumes', (o) => o.state === 'absent' && !o.resourcesPresent && !o.dataPresent);
      expect(await runtime.observe(two)).toMatchObject({ state: 'running', ready: true, resourcesPresent: true, dataPresent: true });
      expect(await claimUids(two)).toEqual(twoClaims);
      expect((await core.readNamespacedPod({ name: twoNames.base, namespace })).metadata?.uid).toBe(twoPod);
      expect(await tokenOf(twoNames.base)).toBe(`${TOKEN_PREFIX}${two.id}`);
      await runtime.destroy(two, { keepData: false });
    });

    it('refuses to update, replace or delete objects under its name that another instance owns, saying whose', async () => {
      const mine = refIn('p1', 'squatted');
      const names = instanceNames(mine);
      const other = randomUUID();
      const labels = { 'clusterclaw.io/instance-id': other, 'app.kubernetes.io/managed-by': 'open-cluster-claw' };
      const resources = { limits: { cpu: '100m', memory: '64Mi' }, requests: { cpu: '100m', memory: '64Mi' } };
      const pod = await core.createNamespacedPod({ namespace, body: { metadata: { name: names.base, labels }, spec: { containers: [{ name: 'c', image: 'theirs:1', resources }] } } });
      const refusal = (kind: string) => `${kind} ${names.base} in ${namespace} belongs to another instance (clusterclaw.io/instance-id=${other}); refusing to touch it`;
      const podErr = await runtime.apply(await specOf(mine)).then(() => undefined, (e: unknown) => e);
      expect(podErr).toBeInstanceOf(RuntimeError);
      expect(podErr).toMatchObject({ kind: 'foreign', message: refusal('pod') });
      // A Secret under its name that another instance's label claims: neither overwritten nor mounted.
      const created = await core.readNamespacedSecret({ name: names.base, namespace });
      await core.replaceNamespacedSecret({
        name: names.base, namespace,
        body: { ...created, metadata: { ...created.metadata, labels }, data: { OPENCLAW_GATEWAY_TOKEN: Buffer.from('theirs').toString('base64') } },
      });
      const err = await runtime.apply(await specOf(mine)).then(() => undefined, (e: unknown) => e);
      expect(err).toMatchObject({ kind: 'foreign', message: refusal('secret') });
      // Not this instance's: observe does not count them, and stop and destroy leave them alone.
      expect(await runtime.observe(mine)).toMatchObject({ state: 'absent' });
      await runtime.stop(mine, { force: true, graceSeconds: 0 });
      await runtime.destroy(mine, { keepData: false });
      await until(mine, "only the other instance's objects left", (o) => !o.resourcesPresent && !o.dataPresent);
      const podNow = await core.readNamespacedPod({ name: names.base, namespace });
      expect(podNow.metadata?.uid).toBe(pod.metadata?.uid);
      expect(podNow.metadata?.deletionTimestamp).toBeUndefined();
      expect(podNow.spec?.volumes ?? []).not.toContainEqual(expect.objectContaining({ persistentVolumeClaim: expect.anything() }));
      const kept = await core.readNamespacedSecret({ name: names.base, namespace });
      expect(kept.metadata?.uid).toBe(created.metadata?.uid);
      expect(kept.metadata?.labels?.['clusterclaw.io/instance-id']).toBe(other);
      expect(Buffer.from(kept.data?.['OPENCLAW_GATEWAY_TOKEN'] ?? '', 'base64').toString()).toBe('theirs');
      await Promise.all([
        core.deleteNamespacedSecret({ name: names.base, namespace }),
        core.deleteNamespacedPod({ name: names.base, namespace, gracePeriodSeconds: 0 }),
      ]);
    });

    it('adopts an instance created with the old names after an upgrade, on the API and through the watch cache', async () => {
      const old = refIn('p1', 'veteran');
      const legacy = legacyInstanceNames(old);
      expect(legacy.base).toBe('claw-p1-veteran');
      const spec = await specOf(old);
      // What the previous release created: the same objects under `claw-<project>-<name>`.
      await Promise.all([
        core.createNamespacedSecret({ namespace, body: secretManifest(spec, legacy) }),
        core.createNamespacedConfigMap({ namespace, body: configMapManifest(spec, legacy) }),
        core.createNamespacedPersistentVolumeClaim({ namespace, body: pvcManifest(spec, legacy.configPvc, {}, legacy) }),
        core.createNamespacedPersistentVolumeClaim({ namespace, body: pvcManifest(spec, legacy.dataPvc, {}, legacy) }),
        core.createNamespacedService({ namespace, body: serviceManifest(spec, legacy) }),
      ]);
      await core.createNamespacedPod({ namespace, body: podManifest(spec, legacy) });
      // Uids of all six, and versions of those only we write (the kubelet and the volume binder update the others).
      const uidsOf = async () =>
        Promise.all([
          core.readNamespacedSecret({ name: legacy.base, namespace }),
          core.readNamespacedConfigMap({ name: legacy.base, namespace }),
          core.readNamespacedService({ name: legacy.base, namespace }),
          core.readNamespacedPod({ name: legacy.base, namespace }),
          core.readNamespacedPersistentVolumeClaim({ name: legacy.configPvc, namespace }),
          core.readNamespacedPersistentVolumeClaim({ name: legacy.dataPvc, namespace }),
        ]).then((objects) => objects.map((o, i) => `${o.metadata?.uid}${i < 3 ? `@${o.metadata?.resourceVersion}` : ''}`));
      const fresh = instanceNames(old);
      const noneUnderNewNames = async () =>
        (await Promise.all([
          gone(() => core.readNamespacedPod({ name: fresh.base, namespace })),
          gone(() => core.readNamespacedSecret({ name: fresh.base, namespace })),
          gone(() => core.readNamespacedPersistentVolumeClaim({ name: fresh.dataPvc, namespace })),
        ])).every(Boolean);

      // A fresh process of the new release (nothing remembered, no cache): it finds and keeps the old objects.
      const upgraded = newRuntime();
      const watching = newRuntime();
      const stopWatching = new AbortController();
      try {
        await waitFor('the old pod running', () => upgraded.observe(old), running, READY_TIMEOUT_MS);
        const before = await uidsOf();
        await upgraded.apply(spec);
        expect(await uidsOf()).toEqual(before);
        expect(await noneUnderNewNames()).toBe(true);

        // The leader's path: the watch cache answers, with the same names.
        watching.watch(() => undefined, stopWatching.signal);
        await waitFor('the cache filled', async () => watching.cachedObjects(), (n) => n >= 6, READY_TIMEOUT_MS);
        expect(await watching.observe(old)).toMatchObject({ state: 'running', ready: true, resourcesPresent: true, dataPresent: true });
        await watching.apply(spec);
        expect(await uidsOf()).toEqual(before);
        expect(await noneUnderNewNames()).toBe(true);

        // Stop and destroy act on the old objects, and on nothing else.
        await upgraded.stop(old, { force: true, graceSeconds: 0 });
        await waitFor('old pod gone', () => gone(() => core.readNamespacedPod({ name: legacy.base, namespace })), Boolean, READY_TIMEOUT_MS);
        await upgraded.destroy(old, { keepData: false });
        await waitFor('old objects gone', () => upgraded.observe(old), (o) => !o.resourcesPresent && !o.dataPresent, READY_TIMEOUT_MS);
        expect(await gone(() => core.readNamespacedSecret({ name: legacy.base, namespace }))).toBe(true);
        expect(await noneUnderNewNames()).toBe(true);
      } finally {
        stopWatching.abort();
        await Promise.all([upgraded.close(), watching.close()]);
      }
    });
  });

  it('gives each tenant namespace a NetworkPolicy: only the control plane in; only DNS, the control plane and model endpoints out', async () => {
    const writes: string[] = [];
    const meter = { write: (kind: string, outcome: string) => writes.push(`${kind} ${outcome}`), notification: () => undefined, read: () => undefined };
    const network = { controlPlaneNamespace: 'ops', controlPlaneSelector: { app: 'claw-control-plane' }, modelNamespaces: ['llm', 'vllm'] };
    const isolated = newRuntime({ network, meter });
    const t = `kn${randomBytes(3).toString('hex')}`;
    const ns = `claw-${t}`;
    try {
      await isolated.ensureTenant(t, quota);
      expect(writes).toContain('networkpolicy created');
      const r: InstanceRef = { id: randomUUID(), tenant: t, project: 'p1', name: 'fenced' };
      await isolated.apply(await specOf(r));
      const policies = await loadTestKubeConfig().makeApiClient(NetworkingV1Api).listNamespacedNetworkPolicy({ namespace: ns });
      expect(policies.items.map((p) => p.metadata?.name)).toEqual(['claw-isolation']);
      const policy = policies.items[0]!;
      const spec = policy.spec!;
      expect(spec.policyTypes).toEqual(['Ingress', 'Egress']);
      // It selects every pod of the tenant's namespace, this claw's included, and (being namespaced) no other tenant's.
      const selected = await core.listNamespacedPod({ namespace: ns, labelSelector: selectorText(spec.podSelector) });
      expect(selected.items.map((p) => p.metadata?.name)).toContain(instanceNames(r).base);
      expect(spec.podSelector).toEqual({});
      // In: the control plane's pods only.
      const controlPlane = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ops' } }, podSelector: { matchLabels: { app: 'claw-control-plane' } } };
      expect(spec.ingress).toEqual([{ _from: [controlPlane] }]);
      // Out: DNS in kube-system, the control plane, the model namespaces, public addresses; no tenant namespace.
      const egress = spec.egress!;
      expect(egress[0]).toEqual({
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }],
        ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
      });
      expect(egress[1]).toEqual({ to: [controlPlane] });
      expect(egress[2]).toEqual({ to: ['llm', 'vllm'].map((name) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } } })) });
      const publicOnly = egress[3]!.to!;
      expect(publicOnly.map((p) => p.ipBlock?.cidr)).toEqual(['0.0.0.0/0', '::/0']);
      expect(publicOnly[0]!.ipBlock!.except).toEqual(expect.arrayContaining(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16']));
      expect(egress).toHaveLength(4);
      for (const peer of egress.flatMap((rule) => rule.to ?? [])) {
        // No peer may select every namespace, or a tenant's.
        if (peer.namespaceSelector) expect(peer.namespaceSelector.matchLabels?.['kubernetes.io/metadata.name']).toMatch(/^(?!claw-)/);
      }
      // Written only when it differs: another replica finds it right; an edit behind its back is put back.
      const version = policy.metadata?.resourceVersion;
      const networking = loadTestKubeConfig().makeApiClient(NetworkingV1Api);
      const other = newRuntime({ network });
      await other.ensureTenant(t, quota);
      expect((await networking.readNamespacedNetworkPolicy({ name: 'claw-isolation', namespace: ns })).metadata?.resourceVersion).toBe(version);
      await networking.replaceNamespacedNetworkPolicy({ name: 'claw-isolation', namespace: ns, body: { ...policy, spec: { ...spec, egress: [{}] } } });
      const healer = newRuntime({ network });
      await healer.ensureTenant(t, quota);
      expect((await networking.readNamespacedNetworkPolicy({ name: 'claw-isolation', namespace: ns })).spec?.egress).toEqual(egress);
      await Promise.all([other.close(), healer.close()]);
      await isolated.destroy(r, { keepData: false });
    } finally {
      await isolated.close();
    }
  });

  it('returns no logs and no events for an instance that does not exist', async () => {
    const r = ref('nothing');
    expect(await runtime.logs(r, {})).toEqual([]);
    expect(await runtime.events(r)).toEqual([]);
    expect(await runtime.observe(r)).toEqual({ state: 'absent', ready: false, restarts: 0, resourcesPresent: false, dataPresent: false });
  });

  it('notifies watchers until aborted, and the runtime closes without leaking the watch', async () => {
    const watching = newRuntime();
    const seen = new Set<string>();
    const controller = new AbortController();
    watching.watch((id) => seen.add(id), controller.signal);
    const a = ref('watched');
    await runtime.apply(await specOf(a));
    await waitFor('notification', async () => seen.has(a.id), Boolean, READY_TIMEOUT_MS);
    controller.abort();
    const b = ref('unwatched');
    await runtime.apply(await specOf(b));
    await until(b, 'ready', running);
    expect(seen.has(b.id)).toBe(false);
    // A watch stopped by close() rather than by its signal.
    const closed = new Set<string>();
    watching.watch((id) => closed.add(id), new AbortController().signal);
    await watching.close();
    await runtime.stop(b, { force: true, graceSeconds: 0 });
    await until(b, 'stopped', (o) => o.state === 'absent');
    expect(closed.has(b.id)).toBe(false);
    await Promise.all([runtime.destroy(a, { keepData: false }), runtime.destroy(b, { keepData: false })]);
  });

  it('resumes the watch when the apiserver ends it', async () => {
    const seen = new Set<string>();
    const controller = new AbortController();
    // The server closes each watch after a second: notifications keep coming from the resumed ones.
    const watching = newRuntime({ watchTimeoutSeconds: 1 });
    watching.watch((id) => seen.add(id), controller.signal);
    try {
      await new Promise((r) => setTimeout(r, 2500));
      const r = ref('late');
      await runtime.apply(await specOf(r));
      await waitFor('a notification after the first watch ended', async () => seen.has(r.id), Boolean, READY_TIMEOUT_MS);
      await runtime.destroy(r, { keepData: false });
    } finally {
      controller.abort();
      await watching.close();
    }
  });

  it('elects one leader through a Lease; the other replica takes over when it leaves', async () => {
    const leaseNs = await createTestNamespace(loadTestKubeConfig(), 'lease');
    leaseNamespaces.push(leaseNs);
    const one = newRuntime({ leaseNamespace: leaseNs.name });
    const two = newRuntime({ leaseNamespace: leaseNs.name });
    // Renewals must hold the lease past its duration; a release-based takeover must come well before the lease would
    // expire. 5 s apart leaves both a wide margin on a busy machine.
    const timing = { durationMs: 5000, renewMs: 300 };
    const a = one.leaderElector('replica-a', timing);
    const b = two.leaderElector('replica-b', timing);
    const changes: Array<[string, boolean]> = [];
    a.onChange((l) => changes.push(['a', l]));
    b.onChange((l) => changes.push(['b', l]));
    const stopA = new AbortController();
    const stopB = new AbortController();
    a.start(stopA.signal);
    b.start(stopB.signal);
    try {
      await waitFor('one leader', async () => [a.isLeader(), b.isLeader()], (l) => l.filter(Boolean).length === 1, 10_000);
      const [first, second, stopFirst, firstName, secondName] = a.isLeader() ? [a, b, stopA, 'replica-a', 'replica-b'] : [b, a, stopB, 'replica-b', 'replica-a'];
      const coordination = loadTestKubeConfig().makeApiClient(CoordinationV1Api);
      const lease = await coordination.readNamespacedLease({ name: 'open-cluster-claw-reconciler', namespace: leaseNs.name });
      expect(lease.spec).toMatchObject({ holderIdentity: firstName, leaseDurationSeconds: 5 });
      // Renewals keep it: still exactly one leader well past the lease duration (a lapse would let the other take it).
      await new Promise((r) => setTimeout(r, 6000));
      expect([first.isLeader(), second.isLeader()]).toEqual([true, false]);
      expect(second.holder()).toBe(firstName);
      const transitions = lease.spec?.leaseTransitions ?? 0;
      stopFirst.abort();
      expect(first.isLeader()).toBe(false);
      // Released, not expired: the lease was renewed within 300 ms of the stop, so expiry could not free it for 4.7 s.
      const t0 = Date.now();
      await waitFor('takeover', async () => second.isLeader(), Boolean, 4000);
      expect(Date.now() - t0).toBeLessThan(4500);
      const taken = await coordination.readNamespacedLease({ name: 'open-cluster-claw-reconciler', namespace: leaseNs.name });
      expect(taken.spec?.holderIdentity).toBe(secondName);
      expect(taken.spec?.leaseTransitions).toBe(transitions + 1);
      expect(changes).toContainEqual([firstName === 'replica-a' ? 'a' : 'b', false]);
    } finally {
      stopA.abort();
      stopB.abort();
      await Promise.all([one.close(), two.close()]);
    }
    // Closing released the lease: nobody holds it.
    const released = await loadTestKubeConfig()
      .makeApiClient(CoordinationV1Api)
      .readNamespacedLease({ name: 'open-cluster-claw-reconciler', namespace: leaseNs.name });
    expect(released.spec?.holderIdentity).toBeUndefined();
  });
});

describe('kubernetes runtime without a reachable apiserver', () => {
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  });

  function kubeConfigFor(server: string): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'nowhere', server, skipTLSVerify: true }],
      users: [{ name: 'nobody', token: 'not-a-real-token' }],
      contexts: [{ name: 'nowhere', cluster: 'nowhere', user: 'nobody' }],
      currentContext: 'nowhere',
    });
    return kc;
  }

  async function listen(onConnection: (socket: Socket) => void): Promise<number> {
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      onConnection(socket);
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    return (server.address() as AddressInfo).port;
  }

  it('fails fast with kind unavailable when the port is closed', async () => {
    const port = await listen(() => undefined);
    await new Promise<void>((resolve) => servers.pop()!.close(() => resolve()));
    const runtime = createKubernetesRuntime({ kubeConfig: kubeConfigFor(`https://127.0.0.1:${port}`), requestTimeoutMs: 1000 });
    const r: InstanceRef = { id: randomUUID(), tenant: 'x', project: 'p', name: 'n' };
    const t0 = Date.now();
    const err = await runtime.observe(r).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RuntimeError);
    expect(err).toMatchObject({ kind: 'unavailable', message: expect.stringContaining('ECONNREFUSED') });
    expect((err as RuntimeError).message).not.toContain('not-a-real-token');
    await expect(runtime.ensureTenant('x', { instances: 1, cpu: '1', memory: '1Gi', storage: '1Gi' })).rejects.toMatchObject({ kind: 'unavailable' });
    expect(Date.now() - t0).toBeLessThan(3000);
    // Background parts keep retrying quietly and stop on close.
    const warnings: string[] = [];
    const noisy = createKubernetesRuntime({
      kubeConfig: kubeConfigFor(`https://127.0.0.1:${port}`),
      requestTimeoutMs: 1000,
      logger: { ...silentLogger, warn: (_o, msg) => warnings.push(msg ?? ''), error: (_o, msg) => warnings.push(msg ?? '') },
    });
    const elector = noisy.leaderElector('lonely', { durationMs: 2000, renewMs: 100 });
    elector.start(new AbortController().signal);
    noisy.watch(() => undefined, new AbortController().signal);
    // The background parts have run and failed quietly (a warning, no throw), and no leadership came of it.
    await waitFor('a warning from the background parts', async () => warnings.length, (n) => n > 0, 10_000);
    expect(elector.isLeader()).toBe(false);
    await noisy.close();
    await runtime.close();
  });

  it('times out against an apiserver that accepts connections but never answers', async () => {
    const port = await listen(() => undefined);
    const runtime = createKubernetesRuntime({ kubeConfig: kubeConfigFor(`https://127.0.0.1:${port}`), requestTimeoutMs: 500 });
    const t0 = Date.now();
    const err = await runtime.observe({ id: randomUUID(), tenant: 'x', project: 'p', name: 'n' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ kind: 'unavailable', message: expect.stringMatching(/timed out|unreachable|hang up/) });
    expect(Date.now() - t0).toBeLessThan(2500);
    await runtime.close();
  });

  it('refuses to start without any cluster configuration', () => {
    const saved = process.env['KUBERNETES_SERVICE_HOST'];
    delete process.env['KUBERNETES_SERVICE_HOST'];
    try {
      expect(() => createKubernetesRuntime({})).toThrow(/no cluster configured/);
    } finally {
      if (saved !== undefined) process.env['KUBERNETES_SERVICE_HOST'] = saved;
    }
  });
});
