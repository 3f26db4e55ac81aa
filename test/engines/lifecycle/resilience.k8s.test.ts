// Crash safety and high availability on the real cluster: a control plane killed (SIGKILL) in the middle of an
// operation converges after a restart with nothing duplicated or orphaned, and of two replicas exactly one reconciles.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { randomToken } from '../../../src/util/ids.js';
import { createTestDatabase } from '../../support/databases.js';
import { startTestControlPlane, type CommandAnswer, type TestControlPlane } from '../../support/test-control-plane.js';
import { waitFor } from '../../runtime/runtime-contract.js';
import { NETWORK_DEFAULTS } from '../../support/k8s-settings.js';
import { instanceNames } from '../../../src/runtime/kubernetes/names.js';

const kubeconfig = inject('kubeconfigPath');
const kc = new KubeConfig();
kc.loadFromFile(kubeconfig);
const core = kc.makeApiClient(CoreV1Api);

async function post(url: string, token: string, text: string): Promise<CommandAnswer> {
  const response = await fetch(`${url}/api/v1/commands`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ text }) });
  return (await response.json()) as CommandAnswer;
}

/** `npm start` as a real process, so it can be killed without any chance to clean up. */
class ControlPlaneProcess {
  private child: ChildProcess | undefined;
  url = '';

  constructor(private readonly env: Record<string, string>) {}

  async start(): Promise<void> {
    // One process, not the tsx CLI: that one runs the server in a child of its own, which a SIGKILL of it leaves alive.
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env: { ...process.env, ...this.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let out = '';
    this.url = await new Promise<string>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      child.on('exit', (code) => reject(new Error(`control plane exited with ${code}: ${out}`)));
    });
  }

  kill(): Promise<void> {
    const child = this.child!;
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }
}

describe('a control plane killed at any moment', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'claw-kill-'));
  const token = `claw_kill_${randomToken(24)}`;
  const tenant = `kl${randomToken(6).toLowerCase()}`;
  const ns = `claw-${tenant}`;
  const env = {
    CLAW_DATA_DIR: dataDir, CLAW_PORT: '0', CLAW_RUNTIME: 'kubernetes', CLAW_KUBECONFIG: kubeconfig, CLAW_ADMIN_TOKEN: token, CLAW_LOG_LEVEL: 'silent',
    CLAW_LEASE_NAME: `claw-kill-${randomToken(6).toLowerCase()}`, NO_PROXY: '127.0.0.1,localhost',
  };
  let plane: ControlPlaneProcess | undefined;
  afterAll(async () => {
    await plane?.kill().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Sends a command, kills the control plane `afterMs` later, starts a fresh one and waits for the instance to settle. */
  async function killDuring(text: string, afterMs: number, settled: (phase: string | undefined) => boolean): Promise<void> {
    const answer = await post(plane!.url, token, text);
    expect(answer.ok, answer.text).toBe(true);
    await new Promise((r) => setTimeout(r, afterMs));
    await plane!.kill();
    plane = new ControlPlaneProcess(env);
    await plane.start();
    await waitFor(`"${text}" to settle after a restart`, async () => {
      const status = await post(plane!.url, token, `claw status k1 --tenant ${tenant}`);
      return status.ok ? (status.result as { instance: { phase: string; ready: boolean } }).instance.phase : status.error?.code;
    }, settled, 90_000);
  }

  async function objectsOf(kind: 'pods' | 'secrets' | 'configmaps' | 'services' | 'pvcs'): Promise<string[]> {
    const opts = { namespace: ns, labelSelector: 'clusterclaw.io/instance=k1' };
    const items = kind === 'pods' ? (await core.listNamespacedPod(opts)).items
      : kind === 'secrets' ? (await core.listNamespacedSecret(opts)).items
        : kind === 'configmaps' ? (await core.listNamespacedConfigMap(opts)).items
          : kind === 'services' ? (await core.listNamespacedService(opts)).items
            : (await core.listNamespacedPersistentVolumeClaim(opts)).items;
    return items.filter((i) => !i.metadata?.deletionTimestamp).map((i) => i.metadata!.name!).sort();
  }

  it('converges after being killed mid-create, mid-stop, mid-start and mid-destroy, with nothing duplicated or orphaned', async () => {
    plane = new ControlPlaneProcess(env);
    await plane.start();
    for (const text of [`claw tenant create ${tenant}`, `claw project create p --tenant ${tenant}`, `claw tenant policy ${tenant} --approvals 0`]) expect((await post(plane.url, token, text)).ok).toBe(true);

    await killDuring(`claw create k1 --tenant ${tenant} --project p`, 0, (phase) => phase === 'Running');
    const status = await post(plane.url, token, `claw status k1 --tenant ${tenant}`);
    const { base, configPvc, dataPvc } = instanceNames({ id: (status.result as { instance: { id: string } }).instance.id, tenant, project: 'p', name: 'k1' });
    expect(await objectsOf('pods')).toEqual([base]);
    expect(await objectsOf('secrets')).toEqual([base]);
    expect(await objectsOf('configmaps')).toEqual([base]);
    expect(await objectsOf('services')).toEqual([base]);
    expect(await objectsOf('pvcs')).toEqual([configPvc, dataPvc]);

    await killDuring(`claw stop k1 --tenant ${tenant}`, 150, (phase) => phase === 'Stopped');
    expect(await objectsOf('pods')).toEqual([]);
    await killDuring(`claw start k1 --tenant ${tenant}`, 300, (phase) => phase === 'Running');
    expect(await objectsOf('pods')).toEqual([base]);

    await killDuring(`claw destroy k1 --tenant ${tenant}`, 100, (phase) => phase === 'not_found');
    for (const kind of ['pods', 'secrets', 'configmaps', 'services', 'pvcs'] as const) expect(await objectsOf(kind), kind).toEqual([]);
    // Each fresh process waits for the killed one's leader lease to expire (15 s) before it reconciles.
  }, 300_000);
});

describe('two replicas on one database and cluster', () => {
  const leaseName = `claw-ha-${randomToken(6).toLowerCase()}`;
  const tenant = `ha${randomToken(6).toLowerCase()}`;
  const secretKey = Buffer.from(randomToken(32)).toString('base64');
  const replicas: TestControlPlane[] = [];
  afterAll(async () => {
    for (const r of replicas) await r.close().catch(() => undefined);
  });

  const metric = async (url: string, name: string): Promise<number> => {
    const text = await (await fetch(`${url}/metrics`)).text();
    return [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))].reduce((sum, m) => sum + Number(m[1]), 0);
  };

  it('runs exactly one reconciler, serves commands on both, and fails over when the leader leaves', async () => {
    const db = await createTestDatabase('sqlite');
    const settings = {
      runtime: 'kubernetes' as const, secretKey,
      kubernetes: { kubeconfig, context: undefined, storageClass: undefined, leaseNamespace: 'default', leaseName, ...NETWORK_DEFAULTS },
    };
    const a = await startTestControlPlane({ database: db, settings });
    replicas.push(a);
    const b = await startTestControlPlane({ database: db, adminToken: a.adminToken, settings });
    replicas.push(b);
    await waitFor('one leader', async () => [a.plane.controller.isLeader(), b.plane.controller.isLeader()], (l) => l.filter(Boolean).length === 1, 30_000);
    const [leader, follower] = a.plane.controller.isLeader() ? [a, b] : [b, a];

    // A command served by the follower is reconciled by the leader.
    for (const text of [`claw tenant create ${tenant}`, `claw project create p --tenant ${tenant}`, `claw tenant policy ${tenant} --approvals 0`, `claw create ha1 --tenant ${tenant} --project p --wait --timeout 60s`]) {
      const r = await follower.command(follower.adminToken, text);
      expect(r.body.ok, r.body.text).toBe(true);
    }
    // A quota change served by the follower reaches the cluster through the leader's change poll, not the 30 s resync.
    const quota = await follower.command(follower.adminToken, `claw tenant quota ${tenant} --memory 7Gi`);
    expect(quota.body.ok, quota.body.text).toBe(true);
    const quotaMemory = async () => (await core.readNamespacedResourceQuota({ name: 'claw-quota', namespace: `claw-${tenant}` })).spec?.hard?.['limits.memory'];
    await waitFor('the new quota in the cluster', quotaMemory, (memory) => memory === '7Gi', 10_000);
    expect(await metric(follower.url, 'claw_reconcile_total')).toBe(0);
    expect(await metric(leader.url, 'claw_reconcile_total')).toBeGreaterThan(0);
    await waitFor('the leader gauge', async () => [await metric(leader.url, 'claw_reconciler_leader'), await metric(follower.url, 'claw_reconciler_leader')], (g) => g[0] === 1 && g[1] === 0, 5000);

    // The leader leaves; the follower takes over and reconciles new work.
    await leader.close();
    replicas.splice(replicas.indexOf(leader), 1);
    await waitFor('the follower to lead', async () => follower.plane.controller.isLeader(), Boolean, 20_000);
    const r = await follower.command(follower.adminToken, `claw create ha2 --tenant ${tenant} --project p --wait --timeout 60s`);
    expect(r.body.text).toBe('ha2: Running (ready)');
    expect(await metric(follower.url, 'claw_reconcile_total')).toBeGreaterThan(0);
    await follower.command(follower.adminToken, `claw destroy --all --tenant ${tenant} --wait`);
    await db.drop();
  });
});
