// Rollouts on the real test cluster (kube-apiserver, scheduler, controllers; the fake kubelet runs the pods): 20 claws,
// a canary of 2. A config that makes claws fail readiness stops at the canary, whose pods go back to the config they
// ran; the other 18 are never touched. A good config then completes, canary first and the rest in waves, although the
// control plane is closed in the middle and a new one on the same database takes over: no claw is moved twice.
import { randomBytes } from 'node:crypto';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { openclawAdapter } from '../../adapters/openclaw/index.js';
import type { ClawAdapter } from '../../src/engines/adapters/claw-adapter.js';
import type { Principal } from '../../src/model/principal.js';
import type { RolloutCardData } from '../../src/engines/rollouts/rollout-engine.js';
import { InstanceEventEntity } from '../../src/store/entities/instance-event.js';
import { InstanceEntity, type Instance } from '../../src/store/entities/instance.js';
import { randomToken } from '../../src/util/ids.js';
import { KubeletControl } from '../cluster/kubelet-control.js';
import { k8sSettings } from '../support/k8s-settings.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { startTestControlPlane, type TestControlPlane } from '../support/test-control-plane.js';
import { waitFor } from '../runtime/runtime-contract.js';

/** The sidecar a bad config adds; the fake kubelet keeps it (so its pod) unready. */
const UNREADY = 'never-ready';
const COUNT = 20;

const { restartProjection: _r, comparableConfig: _c, readRunningConfig: _rc, ...restarting } = openclawAdapter;

/**
 * OpenClaw's adapter, where every change of config replaces the pod, and a claw whose agent.name starts with `broken`
 * gets a sidecar the fake kubelet never lets become ready: a config that fails readiness.
 */
const adapter: ClawAdapter = {
  ...restarting,
  workload(config, runtime, token) {
    const parts = openclawAdapter.workload(config, runtime, token);
    if (!String(config.values['agent.name'] ?? '').startsWith('broken')) return parts;
    return {
      ...parts,
      sidecars: [...(parts.sidecars ?? []), {
        name: UNREADY, image: 'busybox:1.36', command: ['sleep', 'infinity'], args: [], env: {}, privileged: false,
        resources: { cpu: '10m', memory: '16Mi' }, sharesClawVolumes: false, scratchDirs: [], sharedDirs: [],
      }],
    };
  },
};

const kubelet = new KubeletControl(inject('kubeletControlUrl'));
const tenant = `rk${randomToken(6).toLowerCase()}`;
const namespace = `claw-${tenant}`;
const names = Array.from({ length: COUNT }, (_, i) => `r${String(i + 1).padStart(2, '0')}`);
let t: TestControlPlane;
let admin: Principal;
let db: TestDatabase;
/** One lease for both control planes (the second leads once the first has let go), and one key for the secrets. */
const settings = { ...k8sSettings(inject('kubeconfigPath')), secretKey: randomBytes(32).toString('hex') };

async function start(adminToken?: string): Promise<void> {
  t = await startTestControlPlane({ adapters: [adapter], database: db, settings, ...(adminToken ? { adminToken } : {}) });
  admin = await t.principal(t.adminToken);
}

async function must(text: string): Promise<Record<string, any>> {
  const r = await t.run(admin, text);
  if (!r.ok) throw new Error(`${text}: ${r.error.message}`);
  return r.result as Record<string, any>;
}
async function instances(): Promise<Map<string, Instance>> {
  const tenantId = (await t.plane.engines.tenancy.getTenant(tenant)).id;
  const rows = await t.plane.store.dataSource.getRepository(InstanceEntity).findBy({ tenantId });
  return new Map(rows.filter((r) => r.nameKey).map((r) => [r.name, r]));
}
const allReady = () => waitFor('every claw running and ready', async () => [...(await instances()).values()].filter((i) => i.phase === 'Running' && i.ready).length, (n) => n === COUNT, 180_000);
const ended = (id: number) => waitFor(`rollout ${id} to end`, () => t.plane.engines.rollouts.card(id), (c: RolloutCardData) => !['Progressing', 'RollingBack'].includes(c.rollout.state), 240_000);

beforeAll(async () => {
  db = await createTestDatabase('sqlite');
  await start();
  await must(`claw tenant create ${tenant}`);
  await must(`claw project create p --tenant ${tenant}`);
  await must(`claw tenant policy ${tenant} --approvals 0`);
  await must(`claw tenant quota ${tenant} --instances 30 --cpu 32 --memory 64Gi --storage 200Gi`);
  // Any pod of the tenant with the unready sidecar: registered before such a pod exists.
  await kubelet.addFault({ namespace, fault: 'never-ready', container: UNREADY });
  for (const name of names) await must(`claw create ${name} --tenant ${tenant} --project p --cpu 100m --memory 128Mi --storage 64Mi`);
  await allReady();
}, 300_000);
afterAll(async () => {
  await kubelet.clearFaults({ namespace }).catch(() => undefined);
  await t?.run(admin, `claw destroy --all --tenant ${tenant} --wait`).catch(() => undefined);
  await t?.close();
  await db?.drop();
}, 180_000);

it('stops a config that fails readiness at the canary of 2 and moves it back; a good one then completes in waves across a control-plane restart', async () => {
  const before = await instances();
  const bad = (await must(`claw config set agent.name=broken-config --tenant ${tenant}`)).version as number;
  const first = (await must(`claw config publish --all --tenant ${tenant} --canary 2 --max-unavailable 25% --auto-promote 1s --health-timeout 60s`)).rollout.id as number;
  const stopped = await ended(first);
  expect(stopped.rollout.state).toBe('RolledBack');
  const canary = stopped.targets.filter((x) => x.wave === 0);
  expect(canary.map((x) => x.state)).toEqual(['failed', 'failed']);
  expect(stopped.rollout.detail!.en).toMatch(/^canary failed: /);
  expect(stopped.targets.filter((x) => x.wave > 0).every((x) => x.state === 'pending')).toBe(true);
  const moved = new Set(canary.map((x) => x.instanceName));
  await allReady();
  const after = await instances();
  for (const name of names) {
    expect(after.get(name), name).toMatchObject({ configVersion: before.get(name)!.configVersion, phase: 'Running', ready: true });
    expect(after.get(name)!.generation, name).toBe(before.get(name)!.generation + (moved.has(name) ? 2 : 0));
  }
  // The canary's pods run without the unready sidecar again.
  const kc = new KubeConfig();
  kc.loadFromFile(inject('kubeconfigPath'));
  const pods = (await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace })).items.filter((p) => !p.metadata?.deletionTimestamp);
  expect(pods.filter((p) => p.spec!.containers.some((c) => c.name === UNREADY))).toEqual([]);
  expect(bad).toBeGreaterThan(0);

  const good = (await must(`claw config set agent.name=Fixed --tenant ${tenant}`)).version as number;
  const second = (await must(`claw config publish --all --tenant ${tenant} --canary 2 --max-unavailable 25% --auto-promote 1s --health-timeout 60s`)).rollout.id as number;
  // Closed in the middle: a new control plane on the same database goes on where it was.
  await waitFor('the canary and a wave to pass', () => t.plane.engines.rollouts.card(second), (c) => c.targets.filter((x) => x.state === 'healthy').length >= 4, 120_000);
  await t.close();
  await start(t.adminToken);
  const midway = await t.plane.engines.rollouts.card(second);
  const movedBefore = midway.targets.filter((x) => x.state !== 'pending');
  expect(movedBefore.length).toBeLessThan(COUNT);
  const done = await ended(second);
  expect(done.rollout.state).toBe('Completed');
  expect(done.targets.map((x) => x.wave).sort((a, b) => a - b)).toEqual([0, 0, ...Array.from({ length: 18 }, (_, i) => 1 + Math.floor(i / 5))]);
  expect(done.targets.every((x) => x.state === 'healthy' && x.effect === 'restarted')).toBe(true);
  for (const later of done.targets) {
    for (const earlier of done.targets.filter((x) => x.wave < later.wave)) expect(later.appliedAt!.getTime()).toBeGreaterThanOrEqual(earlier.finishedAt!.getTime());
  }
  for (const i of (await instances()).values()) expect(i).toMatchObject({ configVersion: good, valuesVersion: good, phase: 'Running', ready: true });
  for (const x of movedBefore) expect(done.targets.find((y) => y.id === x.id)!.generation).toBe(x.generation);
  const byId = new Map([...(await instances()).values()].map((i) => [i.id, i.name]));
  const moves = (await t.plane.store.dataSource.getRepository(InstanceEventEntity).findBy({ reason: 'ConfigVersion' }))
    .filter((e) => byId.has(e.instanceId) && e.message.startsWith(`config v${good} `)).map((e) => byId.get(e.instanceId)!).sort();
  expect(moves).toEqual(names);
}, 600_000);
