// Smoke tests proving the harness: real apiserver/scheduler/controller-manager plus the fake kubelet.
import { PassThrough } from 'node:stream';
import {
  ApiException,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  Exec,
  Metrics,
  type CoreV1Event,
  type V1ContainerStatus,
  type V1Pod,
  type V1Status,
} from '@kubernetes/client-node';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { KubeletControl } from './kubelet-control.js';
import { createTestNamespace, useTestNamespace } from './test-namespace.js';

const ns = useTestNamespace('smoke');
const control = new KubeletControl(inject('kubeletControlUrl'));
const NODE = inject('kubeNodeName');
let core: CoreV1Api;

beforeAll(() => {
  core = ns.kc.makeApiClient(CoreV1Api);
});

interface PodOpts {
  labels?: Record<string, string>;
  cpu?: string;
  readinessProbe?: boolean;
  grace?: number;
}

function podManifest(name: string, opts: PodOpts = {}): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'claw-smoke', ...opts.labels } },
    spec: {
      terminationGracePeriodSeconds: opts.grace ?? 30,
      containers: [
        {
          name: 'main',
          image: 'registry.example.invalid/claw/assistant:1.0',
          ...(opts.cpu ? { resources: { requests: { cpu: opts.cpu, memory: '64Mi' }, limits: { cpu: opts.cpu, memory: '64Mi' } } } : {}),
          ...(opts.readinessProbe ? { readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1 } } : {}),
        },
      ],
    },
  };
}

async function createPod(name: string, opts?: PodOpts): Promise<V1Pod> {
  return core.createNamespacedPod({ namespace: ns.name, body: podManifest(name, opts) });
}

/** Polls the pod until predicate holds; the failure message shows the last status seen. */
async function waitForPod(name: string, what: string, predicate: (p: V1Pod) => boolean, timeoutMs = 20_000): Promise<V1Pod> {
  const deadline = Date.now() + timeoutMs;
  let last: V1Pod | undefined;
  for (;;) {
    last = await core.readNamespacedPod({ name, namespace: ns.name });
    if (predicate(last)) return last;
    if (Date.now() > deadline) {
      throw new Error(`pod ${ns.name}/${name} never became ${what}; last status: ${JSON.stringify(last.status)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const isReady = (p: V1Pod): boolean =>
  p.status?.phase === 'Running' && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
const main = (p: V1Pod): V1ContainerStatus | undefined => p.status?.containerStatuses?.find((c) => c.name === 'main');

async function podEvents(pod: string): Promise<CoreV1Event[]> {
  const list = await core.listNamespacedEvent({ namespace: ns.name, fieldSelector: `involvedObject.name=${pod}` });
  return list.items;
}

async function waitForEvent(pod: string, reason: string): Promise<CoreV1Event> {
  return waitFor(`event ${reason} on ${pod}`, async () => (await podEvents(pod)).find((e) => e.reason === reason));
}

describe('test cluster', () => {
  it('creates a namespace per test', async () => {
    const got = await core.readNamespace({ name: ns.name });
    expect(got.status?.phase).toBe('Active');
    expect(got.metadata?.labels?.['clusterclaw.io/test']).toBe('true');
  });

  it('registers a Ready, untainted fake node with a renewed lease', async () => {
    const node = await core.readNode({ name: NODE });
    expect(node.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(node.spec?.taints ?? []).toEqual([]);
    expect(node.status?.allocatable).toMatchObject({ cpu: '64', memory: '256Gi', pods: '1k', 'ephemeral-storage': '1Ti' }); // 1000 pods, canonicalised by the apiserver
    expect(node.status?.addresses).toContainEqual({ type: 'InternalIP', address: '127.0.0.1' });
    const lease = await ns.kc.makeApiClient(CoordinationV1Api).readNamespacedLease({ name: NODE, namespace: 'kube-node-lease' });
    expect(lease.spec?.holderIdentity).toBe(NODE);
    expect(lease.spec?.renewTime).toBeDefined();
  });

  it('schedules a pod with the real scheduler and runs it on the fake kubelet', async () => {
    await createPod('web', { readinessProbe: true, cpu: '100m' });
    const pod = await waitForPod('web', 'Running/Ready', isReady);
    expect(pod.spec?.nodeName).toBe(NODE);
    expect(pod.status?.podIP).toMatch(/^10\.244\./);
    expect(pod.status?.startTime).toBeInstanceOf(Date);
    const types = Object.fromEntries((pod.status?.conditions ?? []).map((c) => [c.type, c.status]));
    expect(types).toMatchObject({ PodScheduled: 'True', Initialized: 'True', ContainersReady: 'True', Ready: 'True' });
    const cs = main(pod)!;
    expect(cs.ready).toBe(true);
    expect(cs.restartCount).toBe(0);
    expect(cs.state?.running?.startedAt).toBeDefined();
    expect(cs.containerID).toMatch(/^containerd:\/\//);
    expect(cs.imageID).toContain('sha256:');
    const events = await waitForEvent('web', 'Started');
    expect(events.source?.component).toBe('kubelet');
  });

  it('serves pod logs through the apiserver (tail, timestamps)', async () => {
    await createPod('talker');
    await waitForPod('talker', 'Ready', isReady);
    await control.appendLogs(ns.name, 'talker', ['hello from the test', 'second line']);
    const all = await core.readNamespacedPodLog({ name: 'talker', namespace: ns.name, container: 'main' });
    expect(all).toContain('log line 1 of 5');
    expect(all.trimEnd().split('\n').at(-1)).toBe('second line');
    const tail = await core.readNamespacedPodLog({ name: 'talker', namespace: ns.name, container: 'main', tailLines: 2 });
    expect(tail).toBe('hello from the test\nsecond line\n');
    const stamped = await core.readNamespacedPodLog({ name: 'talker', namespace: ns.name, tailLines: 1, timestamps: true });
    expect(stamped).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z second line\n$/);
    // sinceSeconds drops the start-up lines written more than a second ago.
    await new Promise((r) => setTimeout(r, 1_200));
    await control.appendLogs(ns.name, 'talker', ['fresh line']);
    const recent = await core.readNamespacedPodLog({ name: 'talker', namespace: ns.name, sinceSeconds: 1 });
    expect(recent).toBe('fresh line\n');
    // No crashed run yet: the kubelet's 400 surfaces as an ApiException.
    await expect(core.readNamespacedPodLog({ name: 'talker', namespace: ns.name, previous: true })).rejects.toBeInstanceOf(ApiException);
  });

  it('observes a graceful delete and a force delete with their grace periods', async () => {
    await Promise.all([createPod('graceful', { grace: 45 }), createPod('forced')]);
    await Promise.all([waitForPod('graceful', 'Ready', isReady), waitForPod('forced', 'Ready', isReady)]);

    const t0 = Date.now();
    await core.deleteNamespacedPod({ name: 'graceful', namespace: ns.name });
    const graceful = await control.waitForDeletion(ns.name, 'graceful');
    expect(graceful.gracePeriodSeconds).toBe(45);
    expect(graceful.force).toBe(false);
    expect(Date.now() - t0).toBeLessThan(10_000); // capped, not 45 s

    await core.deleteNamespacedPod({ name: 'forced', namespace: ns.name, gracePeriodSeconds: 0 });
    const forced = await control.waitForDeletion(ns.name, 'forced');
    expect(forced.gracePeriodSeconds).toBe(0);
    expect(forced.force).toBe(true);

    await expect(core.readNamespacedPod({ name: 'graceful', namespace: ns.name })).rejects.toMatchObject({ code: 404 });
    await expect(core.readNamespacedPod({ name: 'forced', namespace: ns.name })).rejects.toMatchObject({ code: 404 });
  });

  it('crashloop (rule registered before the pod): CrashLoopBackOff with growing restarts', async () => {
    await control.addFault({ namespace: ns.name, selector: { 'clusterclaw.io/instance': 'crashy' }, fault: 'crashloop' });
    await createPod('crashy', { labels: { 'clusterclaw.io/instance': 'crashy' } });
    const first = await waitForPod('crashy', 'CrashLoopBackOff', (p) => main(p)?.state?.waiting?.reason === 'CrashLoopBackOff');
    const r0 = main(first)!.restartCount;
    expect(r0).toBeGreaterThanOrEqual(1);
    expect(main(first)!.lastState?.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
    expect(first.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
    await waitForPod('crashy', 'restarting more', (p) => (main(p)?.restartCount ?? 0) >= r0 + 2);
    const backoff = await waitForEvent('crashy', 'BackOff');
    expect(backoff.type).toBe('Warning');
    expect(backoff.involvedObject.uid).toBe(first.metadata?.uid);
    const previous = await core.readNamespacedPodLog({ name: 'crashy', namespace: ns.name, previous: true });
    expect(previous).toContain('panic: simulated crash');

    await control.clearFaults({ namespace: ns.name });
    const healed = await waitForPod('crashy', 'Ready after clear', isReady);
    expect(main(healed)!.restartCount).toBeGreaterThanOrEqual(r0 + 2);
  });

  it('oom (rule registered after the pod runs): OOMKilled then CrashLoopBackOff', async () => {
    await createPod('hungry', { labels: { 'clusterclaw.io/instance': 'hungry' } });
    await waitForPod('hungry', 'Ready', isReady);
    const res = await control.addFault({ namespace: ns.name, selector: 'clusterclaw.io/instance=hungry', fault: 'oom' });
    expect(res.affectedPods).toEqual([`${ns.name}/hungry`]);
    const pod = await waitForPod('hungry', 'OOMKilled', (p) => main(p)?.lastState?.terminated?.reason === 'OOMKilled');
    expect(main(pod)!.lastState?.terminated?.exitCode).toBe(137);
    expect(main(pod)!.state?.waiting?.reason).toBe('CrashLoopBackOff');
    await waitForEvent('hungry', 'OOMKilling');
  });

  it('image-pull: Pending with ImagePullBackOff, healed by clear', async () => {
    await control.addFault({ namespace: ns.name, selector: { 'clusterclaw.io/instance': 'pully' }, fault: 'image-pull' });
    await createPod('pully', { labels: { 'clusterclaw.io/instance': 'pully' } });
    const pod = await waitForPod('pully', 'ImagePullBackOff', (p) => main(p)?.state?.waiting?.reason === 'ImagePullBackOff');
    expect(pod.status?.phase).toBe('Pending');
    expect(main(pod)!.ready).toBe(false);
    const failed = await waitForEvent('pully', 'Failed');
    expect(failed.type).toBe('Warning');
    await control.addFault({ namespace: ns.name, selector: { 'clusterclaw.io/instance': 'pully' }, fault: 'clear' });
    await waitForPod('pully', 'Ready after clear', isReady);
  });

  it('never-ready: running but never Ready, with Unhealthy events', async () => {
    await control.addFault({ namespace: ns.name, selector: 'clusterclaw.io/instance in (shy)', fault: 'never-ready' });
    await createPod('shy', { labels: { 'clusterclaw.io/instance': 'shy' }, readinessProbe: true });
    await waitForPod('shy', 'Running', (p) => p.status?.phase === 'Running' && main(p)?.state?.running !== undefined);
    const unhealthy = await waitForEvent('shy', 'Unhealthy');
    expect(unhealthy.message).toContain('Readiness probe failed');
    // Probed again since, and failed again (the event's count): still not Ready after more than one probe.
    const again = await waitFor('a second failed readiness probe', async () =>
      (await podEvents('shy')).find((e) => e.reason === 'Unhealthy' && (e.count ?? 1) >= 2));
    expect(again.message).toContain('Readiness probe failed');
    const pod = await core.readNamespacedPod({ name: 'shy', namespace: ns.name });
    expect(main(pod)!.ready).toBe(false);
    expect(pod.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
  });

  it('enforces a ResourceQuota computed by the controller-manager', async () => {
    await core.createNamespacedResourceQuota({
      namespace: ns.name,
      body: { metadata: { name: 'claw-quota' }, spec: { hard: { pods: '3', 'requests.cpu': '1', 'limits.cpu': '1' } } },
    });
    await waitFor('quota status.used', async () => {
      const q = await core.readNamespacedResourceQuota({ name: 'claw-quota', namespace: ns.name });
      return q.status?.used?.['pods'] === '0' ? q : undefined;
    });
    await createPod('fits', { cpu: '600m' });
    const err = await createPod('too-big', { cpu: '600m' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApiException);
    expect((err as ApiException<string>).code).toBe(403);
    expect(String((err as ApiException<string>).body)).toMatch(/exceeded quota: claw-quota/);
    await waitFor('quota usage of the admitted pod', async () => {
      const q = await core.readNamespacedResourceQuota({ name: 'claw-quota', namespace: ns.name });
      return q.status?.used?.['pods'] === '1' && q.status.used['requests.cpu'] === '600m' ? q : undefined;
    });
  });

  it('completes namespace deletion (pods terminated by the fake kubelet)', async () => {
    const other = await createTestNamespace(ns.kc, 'doomed');
    await core.createNamespacedPod({ namespace: other.name, body: podManifest('victim') });
    await waitFor('victim running', async () => {
      const p = await core.readNamespacedPod({ name: 'victim', namespace: other.name });
      return isReady(p) ? p : undefined;
    });
    await other.delete({ wait: true, timeoutMs: 45_000 });
    const rec = await control.waitForDeletion(other.name, 'victim');
    expect(rec.gracePeriodSeconds).toBe(30);
  });

  it('leaves a pod that requests more cpu than the node has Pending/Unschedulable', async () => {
    await createPod('giant', { cpu: '128' });
    const pod = await waitForPod('giant', 'Unschedulable', (p) =>
      p.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable') === true,
    );
    expect(pod.status?.phase).toBe('Pending');
    expect(pod.spec?.nodeName).toBeUndefined();
  });

  it('publishes PodMetrics (metrics.k8s.io/v1beta1) with settable usage', async () => {
    await createPod('measured', { cpu: '200m' });
    await waitForPod('measured', 'Ready', isReady);
    await control.setMetrics({ namespace: ns.name, pod: 'measured', cpu: '250m', memory: '96Mi' });
    const custom = ns.kc.makeApiClient(CustomObjectsApi);
    const item = await waitFor('PodMetrics with usage', async () => {
      const list = (await custom.listNamespacedCustomObject({
        group: 'metrics.k8s.io',
        version: 'v1beta1',
        namespace: ns.name,
        plural: 'pods',
      })) as { items: Array<{ metadata: { name: string }; containers: Array<{ name: string; usage: Record<string, string> }> }> };
      return list.items.find((i) => i.metadata.name === 'measured' && i.containers[0]?.usage['cpu'] === '250m');
    });
    expect(item.containers[0]).toEqual({ name: 'main', usage: { cpu: '250m', memory: '96Mi' } });
    // The client's own metrics helper reads the same API path a metrics-server would serve.
    const viaHelper = await new Metrics(ns.kc).getPodMetrics(ns.name);
    expect(viaHelper.items.map((i) => i.metadata.name)).toContain('measured');
  });

  it('binds a PVC through the fake provisioner, runs a pod on it, and deletes the released volume', async () => {
    await core.createNamespacedPersistentVolumeClaim({
      namespace: ns.name,
      body: { metadata: { name: 'claim' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } } } },
    });
    const bound = await waitFor('PVC Bound', async () => {
      const c = await core.readNamespacedPersistentVolumeClaim({ name: 'claim', namespace: ns.name });
      return c.status?.phase === 'Bound' ? c : undefined;
    });
    const pvName = bound.spec!.volumeName!;
    const pv = await core.readPersistentVolume({ name: pvName });
    expect(pv.spec).toMatchObject({
      capacity: { storage: '2Gi' },
      accessModes: ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: 'Delete',
      claimRef: { namespace: ns.name, name: 'claim', uid: bound.metadata!.uid },
    });
    expect(pv.spec?.hostPath?.path).toBeDefined();
    expect(pv.metadata?.labels?.['clusterclaw.io/fake-provisioner']).toBe('true');

    const body = podManifest('mounted', { grace: 0 });
    body.spec!.volumes = [{ name: 'data', persistentVolumeClaim: { claimName: 'claim' } }];
    body.spec!.containers[0]!.volumeMounts = [{ name: 'data', mountPath: '/data' }];
    await core.createNamespacedPod({ namespace: ns.name, body });
    await waitForPod('mounted', 'Ready', isReady);

    await core.deleteNamespacedPod({ name: 'mounted', namespace: ns.name, gracePeriodSeconds: 0 });
    await core.deleteNamespacedPersistentVolumeClaim({ name: 'claim', namespace: ns.name });
    await waitFor('the released PV to be deleted', async () => {
      try {
        await core.readPersistentVolume({ name: pvName });
        return undefined;
      } catch (err) {
        return (err as { code?: number }).code === 404 ? true : undefined;
      }
    });
  });

  it('runs exec through the apiserver against the fake shell', async () => {
    await createPod('shell');
    await waitForPod('shell', 'Ready', isReady);
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (d: Buffer) => (out += d.toString()));
    const status = await new Promise<V1Status>((resolve, reject) => {
      new Exec(ns.kc)
        .exec(ns.name, 'shell', 'main', ['echo', 'hello', 'claw'], stdout, null, null, false, resolve)
        .catch(reject);
    });
    expect(status.status).toBe('Success');
    await waitFor('exec output', async () => (out.includes('hello claw') ? out : undefined), 5_000);
    const execs = await control.execs();
    expect(execs.some((e) => e.pod === 'shell' && e.command.join(' ') === 'echo hello claw')).toBe(true);
  });
});
