// Instances on the real test cluster through commands: create to Running with every object, stop, kill, restart,
// destroy, quota, injected faults, a control plane killed mid-create, and two replicas with one reconciler.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KubeletControl } from '../../cluster/kubelet-control.js';
import { startTestControlPlane, type CommandAnswer, type TestControlPlane } from '../../support/test-control-plane.js';
import { randomToken } from '../../../src/util/ids.js';

const kubeconfig = inject('kubeconfigPath');
const kubelet = new KubeletControl(inject('kubeletControlUrl'));
const kc = new KubeConfig();
kc.loadFromFile(kubeconfig);
const core = kc.makeApiClient(CoreV1Api);

/** Settings every control plane here uses: the test cluster, and deadlines short enough for tests. */
const k8sSettings = (kubeconfigPath: string) => ({
  runtime: 'kubernetes' as const,
  // Test files run in parallel against one cluster: each control plane elects its own leader.
  kubernetes: { kubeconfig: kubeconfigPath, context: undefined, storageClass: undefined, leaseNamespace: 'default', leaseName: `claw-test-${randomToken(8).toLowerCase()}` },
  unschedulableTimeoutMs: 4000,
  readyTimeoutMs: 5000,
});

let t: TestControlPlane;
const tenant = `lk${randomToken(6).toLowerCase()}`;
const ns = `claw-${tenant}`;
const run = async (text: string): Promise<CommandAnswer> => (await t.command(t.adminToken, text)).body;
const must = async (text: string): Promise<CommandAnswer> => {
  const r = await run(text);
  if (!r.ok) throw new Error(`${text}: ${r.text}`);
  return r;
};
const exists = async (read: () => Promise<unknown>) => read().then(() => true, () => false);

beforeAll(async () => {
  t = await startTestControlPlane({ settings: k8sSettings(kubeconfig) });
  await must(`claw tenant create ${tenant}`);
  await must(`claw project create p --tenant ${tenant}`);
});
afterAll(async () => t?.close());

describe('lifecycle on Kubernetes', () => {
  it('creates an instance that reaches Running with every object present, labelled and without leaked secrets', async () => {
    const r = await must(`claw create demo --tenant ${tenant} --project p --label team=sales --set model.apiKey=sk-top-secret --wait --timeout 60s`);
    expect(r.text).toBe('demo: Running (ready)');
    const namespace = await core.readNamespace({ name: ns });
    expect(namespace.metadata?.labels).toMatchObject({ 'clusterclaw.io/tenant': tenant, 'app.kubernetes.io/managed-by': 'open-cluster-claw' });
    const quota = await core.readNamespacedResourceQuota({ name: 'claw-quota', namespace: ns });
    expect(quota.spec?.hard).toMatchObject({ pods: '20', 'requests.memory': '32Gi', 'requests.storage': '100Gi' });
    const labels = { 'clusterclaw.io/tenant': tenant, 'clusterclaw.io/project': 'p', 'clusterclaw.io/instance': 'demo', 'clusterclaw.io/type': 'openclaw' };
    const objects = await Promise.all([
      core.readNamespacedSecret({ name: 'claw-p-demo', namespace: ns }),
      core.readNamespacedConfigMap({ name: 'claw-p-demo', namespace: ns }),
      core.readNamespacedPersistentVolumeClaim({ name: 'claw-p-demo-config', namespace: ns }),
      core.readNamespacedPersistentVolumeClaim({ name: 'claw-p-demo-data', namespace: ns }),
      core.readNamespacedService({ name: 'claw-p-demo', namespace: ns }),
      core.readNamespacedPod({ name: 'claw-p-demo', namespace: ns }),
    ]);
    for (const o of objects) expect(o.metadata?.labels, o.metadata?.name).toMatchObject(labels);
    const pod = objects[5] as Awaited<ReturnType<CoreV1Api['readNamespacedPod']>>;
    expect(pod.metadata?.labels?.team).toBe('sales');
    expect(pod.spec?.securityContext).toMatchObject({ runAsUser: 1000, runAsNonRoot: true });
    expect(pod.spec?.terminationGracePeriodSeconds).toBe(330);
    const container = pod.spec!.containers[0]!;
    expect(container.image).toBe('ghcr.io/openclaw/openclaw:2026.9.6');
    expect(container.readinessProbe?.httpGet?.path).toBe('/readyz');
    expect(container.resources?.requests).toMatchObject({ cpu: '500m', memory: '2Gi' });
    const config = (objects[1] as Awaited<ReturnType<CoreV1Api['readNamespacedConfigMap']>>).data?.['openclaw.json'] ?? '';
    expect(JSON.parse(config).gateway).toMatchObject({ bind: 'lan', port: 18789, auth: { mode: 'token' } });
    // The API key reaches the Secret only: not the ConfigMap, the pod spec, a reply or the audit trail.
    const secret = objects[0] as Awaited<ReturnType<CoreV1Api['readNamespacedSecret']>>;
    expect(Buffer.from(secret.data?.CLAW_MODEL_API_KEY ?? '', 'base64').toString()).toBe('sk-top-secret');
    expect(config + JSON.stringify(pod.spec) + JSON.stringify(r)).not.toContain('sk-top-secret');
    expect(JSON.stringify(await run('claw audit --limit 100'))).not.toContain('sk-top-secret');
    const status = await must(`claw status demo --tenant ${tenant}`);
    expect(status.result).toMatchObject({ instance: { phase: 'Running', ready: true, node: 'claw-fake-node' } });
  });

  it('stops gracefully keeping volumes, secret and config, and starts again', async () => {
    expect((await must(`claw stop demo --tenant ${tenant} --wait`)).text).toBe('demo: Stopped');
    expect(await exists(() => core.readNamespacedPod({ name: 'claw-p-demo', namespace: ns }))).toBe(false);
    for (const read of [
      () => core.readNamespacedPersistentVolumeClaim({ name: 'claw-p-demo-data', namespace: ns }),
      () => core.readNamespacedPersistentVolumeClaim({ name: 'claw-p-demo-config', namespace: ns }),
      () => core.readNamespacedSecret({ name: 'claw-p-demo', namespace: ns }),
      () => core.readNamespacedConfigMap({ name: 'claw-p-demo', namespace: ns }),
    ]) expect(await exists(read)).toBe(true);
    const graceful = (await kubelet.deletions({ namespace: ns, pod: 'claw-p-demo' })).at(-1)!;
    expect(graceful.gracePeriodSeconds).toBe(330);
    expect((await must(`claw start demo --tenant ${tenant} --wait`)).text).toBe('demo: Running (ready)');
  });

  it('kills with grace period 0 on stop --force', async () => {
    const before = (await kubelet.deletions({ namespace: ns, pod: 'claw-p-demo' })).length;
    await must(`claw stop demo --tenant ${tenant} --force --wait`);
    const deletions = await kubelet.deletions({ namespace: ns, pod: 'claw-p-demo' });
    expect(deletions.length).toBe(before + 1);
    expect(deletions.at(-1)).toMatchObject({ gracePeriodSeconds: 0, force: true });
    await must(`claw start demo --tenant ${tenant} --wait`);
  });

  it('gives a new pod on restart', async () => {
    const before = await core.readNamespacedPod({ name: 'claw-p-demo', namespace: ns });
    expect((await must(`claw restart demo --tenant ${tenant} --wait`)).text).toBe('demo: Running (ready)');
    const after = await core.readNamespacedPod({ name: 'claw-p-demo', namespace: ns });
    expect(after.metadata?.uid).not.toBe(before.metadata?.uid);
    expect(after.metadata?.annotations?.['clusterclaw.io/restart-generation']).toBe('1');
  });

  it('destroys everything, or keeps the volumes, and frees the name', async () => {
    await must(`claw destroy demo --tenant ${tenant} --keep-data --wait`);
    expect(await exists(() => core.readNamespacedSecret({ name: 'claw-p-demo', namespace: ns }))).toBe(false);
    expect(await exists(() => core.readNamespacedPersistentVolumeClaim({ name: 'claw-p-demo-data', namespace: ns }))).toBe(true);
    expect((await run(`claw status demo --tenant ${tenant}`)).error?.code).toBe('not_found');
    // The name is free again, and the kept volumes (same deterministic names) serve the new instance.
    await must(`claw create demo --tenant ${tenant} --project p --wait --timeout 60s`);
    await must(`claw destroy demo --tenant ${tenant} --wait`);
    for (const read of [
      () => core.readNamespacedPod({ name: 'claw-p-demo', namespace: ns }),
      () => core.readNamespacedService({ name: 'claw-p-demo', namespace: ns }),
      () => core.readNamespacedSecret({ name: 'claw-p-demo', namespace: ns }),
      () => core.readNamespacedConfigMap({ name: 'claw-p-demo', namespace: ns }),
    ]) expect(await exists(read)).toBe(false);
    const pvcs = await core.listNamespacedPersistentVolumeClaim({ namespace: ns, labelSelector: 'clusterclaw.io/instance=demo' });
    expect(pvcs.items.filter((p) => !p.metadata?.deletionTimestamp)).toEqual([]);
  });

  it('refuses a create over the quota with what is used, asked and allowed, and creates nothing', async () => {
    await must(`claw tenant quota ${tenant} --memory 3Gi`);
    await must(`claw create small --tenant ${tenant} --project p --memory 2Gi --wait --timeout 60s`);
    const refused = await t.command(t.adminToken, `claw create big --tenant ${tenant} --project p --memory 2Gi`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'quota_exceeded', message: `Quota of tenant ${tenant} exceeded: memory in use 2Gi, asked 2Gi, allowed 3Gi.` });
    expect((await run(`claw status big --tenant ${tenant}`)).error?.code).toBe('not_found');
    expect(await exists(() => core.readNamespacedSecret({ name: 'claw-p-big', namespace: ns }))).toBe(false);
    // A stopped instance frees its cpu and memory; starting it again is checked against the quota too.
    await must(`claw stop small --tenant ${tenant} --wait`);
    await must(`claw create big --tenant ${tenant} --project p --memory 2Gi --wait --timeout 60s`);
    const start = await t.command(t.adminToken, `claw start small --tenant ${tenant}`);
    expect(start.body.text).toBe(`small: Quota of tenant ${tenant} exceeded: memory in use 2Gi, asked 2Gi, allowed 3Gi.`);
    await must(`claw destroy big --tenant ${tenant} --wait`);
    await must(`claw destroy small --tenant ${tenant} --wait`);
    await must(`claw tenant quota ${tenant} --reset`);
  });

  it.each([
    ['crashloop', 'CrashLoopBackOff', 'keeps crashing'],
    ['oom', 'OOMKilled', 'OOM'],
    ['image-pull', 'ImagePullBackOff', ''],
    ['never-ready', 'ProbeFailure', ''],
  ] as const)('shows an injected %s as Failed with reason %s in claw status', async (fault, reason, words) => {
    const name = `f-${fault}`;
    await kubelet.addFault({ namespace: ns, selector: { 'clusterclaw.io/instance': name }, fault });
    const created = await t.command(t.adminToken, `claw create ${name} --tenant ${tenant} --project p --wait --timeout 60s`);
    expect(created.body.error).toMatchObject({ code: 'instance_failed' });
    const status = await must(`claw status ${name} --tenant ${tenant}`);
    expect(status.result).toMatchObject({ instance: { phase: 'Failed', reason } });
    expect(status.text).toContain(`Failed (${reason})`);
    if (words) expect(status.text).toContain(words);
    await kubelet.clearFaults({ namespace: ns });
    await must(`claw destroy ${name} --tenant ${tenant} --wait`);
  });

  it('shows an instance no node can take as Failed (Unschedulable) after the deadline', async () => {
    // The quota allows it; the fake node has 64 cores.
    await must(`claw tenant quota ${tenant} --cpu 200`);
    const unschedulable = await t.command(t.adminToken, `claw create giant --tenant ${tenant} --project p --cpu 100 --wait --timeout 60s`);
    expect(unschedulable.body.error?.code).toBe('instance_failed');
    const status = await must(`claw status giant --tenant ${tenant}`);
    expect(status.result).toMatchObject({ instance: { phase: 'Failed', reason: 'Unschedulable' } });
    expect(status.text).toMatch(/Insufficient cpu/);
    await must(`claw destroy giant --tenant ${tenant} --wait`);
    await must(`claw tenant quota ${tenant} --reset`);
  });
});
