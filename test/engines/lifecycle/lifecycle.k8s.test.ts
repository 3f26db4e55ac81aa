// Instances on the real test cluster through commands: create to Running with every object, stop, kill, restart,
// destroy, quota, injected faults, a control plane killed mid-create, and two replicas with one reconciler.
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KubeletControl } from '../../cluster/kubelet-control.js';
import { waitFor } from '../../runtime/runtime-contract.js';
import { k8sSettings } from '../../support/k8s-settings.js';
import { startTestControlPlane, type CommandAnswer, type TestControlPlane } from '../../support/test-control-plane.js';
import { randomToken } from '../../../src/util/ids.js';
import { instanceNames, type InstanceNames } from '../../../src/runtime/kubernetes/names.js';
import { podUsage } from '../../../src/runtime/kubernetes/pod-metrics.js';

const kubeconfig = inject('kubeconfigPath');
const kubelet = new KubeletControl(inject('kubeletControlUrl'));
const kc = new KubeConfig();
kc.loadFromFile(kubeconfig);
const core = kc.makeApiClient(CoreV1Api);


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
/** The names of an instance's objects, derived from its id as the runtime derives them. */
const namesOf = async (name: string, project = 'p'): Promise<InstanceNames> => {
  const status = await must(`claw status ${name} --tenant ${tenant} --project ${project}`);
  return instanceNames({ id: (status.result as { instance: { id: string } }).instance.id, tenant, project, name });
};

beforeAll(async () => {
  t = await startTestControlPlane({ settings: k8sSettings(kubeconfig) });
  await must(`claw tenant create ${tenant}`);
  await must(`claw project create p --tenant ${tenant}`);
  // Lifecycle without approvals here; test/engines/approvals covers stop --force and destroy waiting for someone else.
  await must(`claw tenant policy ${tenant} --approvals 0`);
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
    const demo = await namesOf('demo');
    const objects = await Promise.all([
      core.readNamespacedSecret({ name: demo.base, namespace: ns }),
      core.readNamespacedConfigMap({ name: demo.base, namespace: ns }),
      core.readNamespacedPersistentVolumeClaim({ name: demo.configPvc, namespace: ns }),
      core.readNamespacedPersistentVolumeClaim({ name: demo.dataPvc, namespace: ns }),
      core.readNamespacedService({ name: demo.base, namespace: ns }),
      core.readNamespacedPod({ name: demo.base, namespace: ns }),
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

  it('shows the CPU and memory a claw\'s pod uses, from metrics.k8s.io, against its limits', async () => {
    const demo = await namesOf('demo');
    await kubelet.setMetrics({ namespace: ns, pod: demo.base, cpu: '250m', memory: '96Mi' });
    const top = await waitFor('the metrics in claw top', () => must(`claw top --tenant ${tenant}`),
      (r) => (r.result as { instances: Array<{ cpuMillicores: number }> }).instances[0]?.cpuMillicores === 250, 15_000);
    expect(top.result).toMatchObject({ available: true, running: 1, instances: [{ name: 'demo', cpuMillicores: 250, memoryBytes: 96 * 1024 ** 2 }] });
    expect(top.text).toMatch(/demo\s+p\s+250m \/ 500m \(50%\)\s+96Mi \/ 2Gi \(5%\)/);
    expect((await must(`claw status demo --tenant ${tenant}`)).text).toContain('In use:    cpu 250m / 500m (50%), memory 96Mi / 2Gi (5%)');
  });

  it('says plainly that usage is unknown where the cluster does not serve the metrics API, rather than showing zeros', async () => {
    // This cluster serves metrics.k8s.io; a group it does not serve answers as a cluster without metrics-server does.
    const demo = (await must(`claw status demo --tenant ${tenant}`)).result as { instance: { id: string } };
    const report = await podUsage(kc.makeApiClient(CustomObjectsApi), [ns], new Set([demo.instance.id]), { group: 'metrics.example.com', version: 'v1beta1' });
    expect(report).toEqual({ available: false, reason: expect.objectContaining({ en: expect.stringContaining('does not serve metrics.k8s.io') }) });
    expect(report.available === false && report.reason.en).toContain('install metrics-server');
  });

  it('stops gracefully keeping volumes, secret and config, and starts again', async () => {
    const demo = await namesOf('demo');
    expect((await must(`claw stop demo --tenant ${tenant} --wait`)).text).toBe('demo: Stopped');
    expect(await exists(() => core.readNamespacedPod({ name: demo.base, namespace: ns }))).toBe(false);
    for (const read of [
      () => core.readNamespacedPersistentVolumeClaim({ name: demo.dataPvc, namespace: ns }),
      () => core.readNamespacedPersistentVolumeClaim({ name: demo.configPvc, namespace: ns }),
      () => core.readNamespacedSecret({ name: demo.base, namespace: ns }),
      () => core.readNamespacedConfigMap({ name: demo.base, namespace: ns }),
    ]) expect(await exists(read)).toBe(true);
    const graceful = (await kubelet.deletions({ namespace: ns, pod: demo.base })).at(-1)!;
    expect(graceful.gracePeriodSeconds).toBe(330);
    expect((await must(`claw start demo --tenant ${tenant} --wait`)).text).toBe('demo: Running (ready)');
  });

  it('kills with grace period 0 on stop --force', async () => {
    const demo = await namesOf('demo');
    const before = (await kubelet.deletions({ namespace: ns, pod: demo.base })).length;
    await must(`claw stop demo --tenant ${tenant} --force --wait`);
    const deletions = await kubelet.deletions({ namespace: ns, pod: demo.base });
    expect(deletions.length).toBe(before + 1);
    expect(deletions.at(-1)).toMatchObject({ gracePeriodSeconds: 0, force: true });
    await must(`claw start demo --tenant ${tenant} --wait`);
  });

  it('gives a new pod on restart', async () => {
    const demo = await namesOf('demo');
    const before = await core.readNamespacedPod({ name: demo.base, namespace: ns });
    expect((await must(`claw restart demo --tenant ${tenant} --wait`)).text).toBe('demo: Running (ready)');
    const after = await core.readNamespacedPod({ name: demo.base, namespace: ns });
    expect(after.metadata?.uid).not.toBe(before.metadata?.uid);
    expect(after.metadata?.annotations?.['clusterclaw.io/restart-generation']).toBe('1');
  });

  it('destroys everything, or keeps the volumes, and frees the name', async () => {
    const kept = await namesOf('demo');
    await must(`claw destroy demo --tenant ${tenant} --keep-data --wait`);
    expect(await exists(() => core.readNamespacedSecret({ name: kept.base, namespace: ns }))).toBe(false);
    expect(await exists(() => core.readNamespacedPersistentVolumeClaim({ name: kept.dataPvc, namespace: ns }))).toBe(true);
    expect((await run(`claw status demo --tenant ${tenant}`)).error?.code).toBe('not_found');
    // The name is free again; the new instance gets volumes of its own, and the kept ones stay with the destroyed
    // instance (its id is their label), untouched by the new one.
    await must(`claw create demo --tenant ${tenant} --project p --wait --timeout 60s`);
    const fresh = await namesOf('demo');
    expect(fresh.dataPvc).not.toBe(kept.dataPvc);
    await must(`claw destroy demo --tenant ${tenant} --wait`);
    for (const read of [
      () => core.readNamespacedPod({ name: fresh.base, namespace: ns }),
      () => core.readNamespacedService({ name: fresh.base, namespace: ns }),
      () => core.readNamespacedSecret({ name: fresh.base, namespace: ns }),
      () => core.readNamespacedConfigMap({ name: fresh.base, namespace: ns }),
    ]) expect(await exists(read)).toBe(false);
    const pvcs = await core.listNamespacedPersistentVolumeClaim({ namespace: ns, labelSelector: 'clusterclaw.io/instance=demo' });
    expect(pvcs.items.filter((p) => !p.metadata?.deletionTimestamp).map((p) => p.metadata?.name).sort()).toEqual([kept.configPvc, kept.dataPvc]);
    await Promise.all([kept.configPvc, kept.dataPvc].map((name) => core.deleteNamespacedPersistentVolumeClaim({ name, namespace: ns })));
  });

  it('refuses a create over the quota with what is used, asked and allowed, and creates nothing', async () => {
    await must(`claw tenant quota ${tenant} --memory 3Gi`);
    await must(`claw create small --tenant ${tenant} --project p --memory 2Gi --wait --timeout 60s`);
    const refused = await t.command(t.adminToken, `claw create big --tenant ${tenant} --project p --memory 2Gi`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'quota_exceeded', message: `Quota of tenant ${tenant} exceeded: memory in use 2Gi, asked 2Gi, allowed 3Gi.` });
    expect((await run(`claw status big --tenant ${tenant}`)).error?.code).toBe('not_found');
    const bigSecrets = await core.listNamespacedSecret({ namespace: ns, labelSelector: 'clusterclaw.io/instance=big' });
    expect(bigSecrets.items).toEqual([]);
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

describe('instance commands on Kubernetes, beyond the happy path', () => {
  it('recreates a pod deleted behind its back while the instance should run', async () => {
    await must(`claw create self-heal --tenant ${tenant} --project p --wait --timeout 60s`);
    const { base } = await namesOf('self-heal');
    const before = await core.readNamespacedPod({ name: base, namespace: ns });
    await core.deleteNamespacedPod({ name: base, namespace: ns, gracePeriodSeconds: 0 });
    const after = await waitForPod(base, (uid) => uid !== before.metadata?.uid);
    expect(after).toBeDefined();
    await must(`claw destroy self-heal --tenant ${tenant} --wait`);
  });

  it('shows an object under its name that another instance owns as Failed (NameConflict), and never takes it over', async () => {
    await must(`claw create squat --tenant ${tenant} --project p --wait --timeout 60s`);
    await must(`claw stop squat --tenant ${tenant} --wait`);
    const { base } = await namesOf('squat');
    const other = 'another-instance-id';
    const secret = await core.readNamespacedSecret({ name: base, namespace: ns });
    await core.replaceNamespacedSecret({
      name: base, namespace: ns, body: { ...secret, metadata: { ...secret.metadata, labels: { ...secret.metadata?.labels, 'clusterclaw.io/instance-id': other } } },
    });
    const started = await t.command(t.adminToken, `claw start squat --tenant ${tenant} --wait --timeout 60s`);
    expect(started.body.error?.code).toBe('instance_failed');
    const status = await must(`claw status squat --tenant ${tenant}`);
    const message = `secret ${base} in ${ns} belongs to another instance (clusterclaw.io/instance-id=${other}); refusing to touch it`;
    expect(status.result).toMatchObject({ instance: { phase: 'Failed', reason: 'NameConflict', message } });
    expect((status.result as { events: Array<{ type: string; reason: string }> }).events).toContainEqual(expect.objectContaining({ type: 'Warning', reason: 'NameConflict' }));
    expect(status.text).toContain('Failed (NameConflict)');
    // Neither overwritten nor mounted: no pod started on it, and it still carries the other instance's label.
    expect(await exists(() => core.readNamespacedPod({ name: base, namespace: ns }))).toBe(false);
    expect((await core.readNamespacedSecret({ name: base, namespace: ns })).metadata?.labels?.['clusterclaw.io/instance-id']).toBe(other);
    // Destroying the instance leaves the other's Secret where it is.
    await must(`claw destroy squat --tenant ${tenant} --wait`);
    expect((await core.readNamespacedSecret({ name: base, namespace: ns })).metadata?.uid).toBe(secret.metadata?.uid);
    await core.deleteNamespacedSecret({ name: base, namespace: ns });
  });

  it('acts on a batch by selector or --all with a line per instance, and refuses an unclear target', async () => {
    await must(`claw create b1 --tenant ${tenant} --project p --label team=ops --wait --timeout 60s`);
    await must(`claw create b2 --tenant ${tenant} --project p --label team=ops --wait --timeout 60s`);
    await must(`claw create b3 --tenant ${tenant} --project p --label team=web --wait --timeout 60s`);
    const stopped = await must(`claw stop --selector team=ops --tenant ${tenant} --wait`);
    expect(stopped.text).toMatch(/b1\s+p\s+Stopped/);
    expect(stopped.text).toMatch(/b2\s+p\s+Stopped/);
    expect(stopped.text).not.toContain('b3');
    const status = await must(`claw status --tenant ${tenant} --selector team=ops --phase stopped`);
    expect((status.result as { instances: Array<{ name: string }> }).instances.map((i) => i.name)).toEqual(['b1', 'b2']);
    expect((await run(`claw stop --tenant ${tenant}`)).error).toMatchObject({ code: 'invalid_argument', message: 'Missing a target: one instance NAME, --selector or --all.' });
    expect((await run(`claw stop b1 --all --tenant ${tenant}`)).error?.code).toBe('invalid_argument');
    const all = await must(`claw destroy --all --tenant ${tenant} --wait`);
    expect(all.text).toMatch(/Destroying 3 instances/);
    expect((await must(`claw status --tenant ${tenant}`)).text).toBe('No instances. Create one with `claw create NAME`.');
  });

  it('asks which project when a name exists in two, and refuses bad input without changing anything', async () => {
    await must(`claw project create q --tenant ${tenant}`);
    await must(`claw create twin --tenant ${tenant} --project p`);
    await must(`claw create twin --tenant ${tenant} --project q`);
    const ambiguous = await run(`claw stop twin --tenant ${tenant}`);
    expect(ambiguous.error).toMatchObject({ code: 'invalid_argument', message: 'Instance `twin` exists in several projects: p, q.', hint: 'Add --project NAME.' });
    for (const [text, message] of [
      [`claw create x1 --tenant ${tenant} --project p --set model.nmae=y`, 'template default has no variable model.nmae'],
      [`claw create x1 --tenant ${tenant} --project p --label clusterclaw.io/x=y`, 'is reserved for the control plane'],
      [`claw create x1 --tenant ${tenant} --project p --memory 2GB`, 'write 2Gi'],
      [`claw create x1 --tenant ${tenant} --project p --type zeroclaw`, '"zeroclaw" is not supported; supported types: openclaw, nanoclaw'],
      [`claw create x1 --tenant ${tenant} --project p --type nanoclaw --template default`, 'template default is for openclaw, not nanoclaw'],
      [`claw create x1 --tenant ${tenant} --project p --template nope`, 'Template `nope` not found.'],
      [`claw create twin --tenant ${tenant} --project p`, 'Instance `p/twin` already exists.'],
      [`claw restart twin --tenant ${tenant} --project nope`, 'Project `'],
    ] as const) {
      const r = await run(text);
      expect(r.ok, text).toBe(false);
      expect(r.error?.message, text).toContain(message);
    }
    expect((await run(`claw status x1 --tenant ${tenant}`)).error?.code).toBe('not_found');
    await must(`claw destroy --all --tenant ${tenant} --wait`);
  });

  it('updates the spec and replaces the pod with the new config', async () => {
    await must(`claw create up --tenant ${tenant} --project p --wait --timeout 60s`);
    const { base } = await namesOf('up');
    const before = await core.readNamespacedPod({ name: base, namespace: ns });
    const r = await must(`claw update up --tenant ${tenant} --set model.id=qwen3-72b --memory 3Gi --wait --timeout 60s`);
    expect(r.text).toBe('up: Running (ready)');
    const after = await core.readNamespacedPod({ name: base, namespace: ns });
    expect(after.metadata?.uid).not.toBe(before.metadata?.uid);
    expect(after.spec?.containers[0]?.resources?.requests?.memory).toBe('3Gi');
    const config = await core.readNamespacedConfigMap({ name: base, namespace: ns });
    expect(JSON.parse(config.data?.['openclaw.json'] ?? '{}').agents.defaults.model.primary).toBe('corp-llm/qwen3-72b');
    await must(`claw destroy up --tenant ${tenant} --wait`);
  });

  it('serves the same lifecycle through REST by instance id', async () => {
    const api = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${t.url}${path}`, {
        method, headers: { authorization: `Bearer ${t.adminToken}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined,
      });
      return { status: response.status, body: (await response.json()) as CommandAnswer };
    };
    const created = await api('POST', '/api/v1/instances', { name: 'rest', tenant, project: 'p', labels: { via: 'rest' }, set: { 'agent.name': 'REST bot' }, wait: true });
    expect(created.status).toBe(201);
    const id = (created.body.result as { instance: { id: string } }).instance.id;
    expect((await api('GET', `/api/v1/instances/${id}`)).body.result).toMatchObject({ instance: { name: 'rest', phase: 'Running', labels: { via: 'rest' } } });
    expect((await api('GET', `/api/v1/instances?tenant=${tenant}&selector=via%3Drest`)).body.result).toMatchObject({ instances: [{ id }] });
    expect((await api('POST', `/api/v1/instances/${id}/stop`, { force: true, wait: true })).body.text).toBe('rest: Stopped');
    expect((await api('POST', `/api/v1/instances/${id}/start`, { wait: true })).body.text).toBe('rest: Running (ready)');
    expect((await api('POST', `/api/v1/instances/${id}/restart`, { wait: true })).body.text).toBe('rest: Running (ready)');
    expect((await api('PUT', `/api/v1/instances/${id}`, { labels: { tier: 'gold' } })).status).toBe(200);
    expect((await api('GET', `/api/v1/instances/${id}/logs?tail=2`)).body.result).toMatchObject({ lines: expect.any(Array) });
    expect(((await api('GET', `/api/v1/instances/${id}/events`)).body.result as { events: unknown[] }).events.length).toBeGreaterThan(3);
    expect((await api('DELETE', `/api/v1/instances/${id}`)).status).toBe(200);
    expect((await api('GET', '/api/v1/instances/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });
});

async function waitForPod(name: string, ok: (uid: string | undefined) => boolean): Promise<string | undefined> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const pod = await core.readNamespacedPod({ name, namespace: ns }).catch(() => undefined);
    if (pod && ok(pod.metadata?.uid) && pod.status?.phase === 'Running') return pod.metadata?.uid;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`pod ${name} was not recreated`);
}
