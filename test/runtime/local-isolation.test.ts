// Local claws against the control plane's keys and each other (issue 9 §2): a hostile claw (test/fixtures/probe-claw.mjs)
// tries to read the admin token, the secret key, the database, another tenant's claw's files and the control plane's
// environment, as a uid of its own (the control plane as root, as CI runs) and inside bubblewrap.
import { createHash, randomUUID } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalRuntime, type LocalRuntime } from '../../src/runtime/local/index.js';
import { instanceDirs, listInstanceDirs } from '../../src/runtime/local/instance-dirs.js';
import { detectIsolation, findOnPath, type LocalIsolation } from '../../src/runtime/local/isolation.js';
import { isSameProcess } from '../../src/runtime/local/process-identity.js';
import { readRuntimeRecord } from '../../src/runtime/local/runtime-file.js';
import type { RuntimeTarget } from '../../src/runtime/runtime.js';
import type { InstanceRef, WorkloadSpec } from '../../src/runtime/workload.js';
import { LocalClawUserEntity } from '../../src/store/entities/local-claw-user.js';
import { openStore, type Store } from '../../src/store/data-source.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { stubOpenClawAdapter } from '../support/stub-openclaw-adapter.js';
import { startTestControlPlane, type TestControlPlane } from '../support/test-control-plane.js';
import { waitFor } from './runtime-contract.js';
import { TEST_LAYOUT } from '../support/test-layout.js';

const PROBE_CLAW = fileURLToPath(new URL('../fixtures/probe-claw.mjs', import.meta.url));
const isRoot = process.getuid?.() === 0;
const BWRAP = findOnPath('bwrap');

function probeSpec(ref: InstanceRef, target: RuntimeTarget, probe: { read?: string[]; write?: string[] }, restartGeneration = 0): WorkloadSpec {
  const env = { PROBE_READ: JSON.stringify(probe.read ?? []), PROBE_WRITE: JSON.stringify(probe.write ?? []) };
  const files = { 'config.json': '{"from":"the control plane"}' };
  const process = { packages: [], entry: { script: PROBE_CLAW }, args: ['--port', String(target.port)] };
  const specHash = createHash('sha256').update(JSON.stringify({ env, files, process })).digest('hex');
  return {
    ref, type: 'probe', version: '1', labels: {}, image: 'unused', command: [], args: [], env, secretEnv: { GATEWAY_TOKEN: 'token-of-this-claw' }, files,
    port: target.port, probes: { readiness: { path: '/readyz', periodSeconds: 1, failureThreshold: 1, timeoutSeconds: 1 } },
    resources: { cpu: '100m', memory: '64Mi' }, storage: '1Gi', paths: { configDir: target.configDir, dataDir: target.dataDir },
    user: 1000, group: 1000, terminationGraceSeconds: 5, specHash, restartGeneration, process,
  };
}

/** A data dir laid out as the control plane's (keys and database 0600), an instances root in it, and a database. */
async function controlPlaneDir() {
  const base = mkdtempSync(join(tmpdir(), 'claw-isolation-'));
  chmodSync(base, 0o755);
  const dataDir = join(base, 'data');
  mkdirSync(dataDir, { mode: 0o700 });
  const keys = { adminToken: join(dataDir, 'admin-token'), secretKey: join(dataDir, 'secret-key'), database: join(dataDir, 'claw.db') };
  for (const file of Object.values(keys)) writeFileSync(file, `secret of ${file}`, { mode: 0o600 });
  const database: TestDatabase = await createTestDatabase('sqlite');
  const store: Store = await openStore(database.settings);
  const runtimes: LocalRuntime[] = [];
  return {
    base, dataDir, keys, store, rootDir: join(dataDir, 'instances'), cacheDir: join(base, 'cache'),
    make(isolation: LocalIsolation | 'auto') {
      const runtime = createLocalRuntime({ rootDir: join(dataDir, 'instances'), cacheDir: join(base, 'cache'), db: store.dataSource, healthIntervalMs: 100, isolation });
      runtimes.push(runtime);
      return runtime;
    },
    async close() {
      for (const runtime of runtimes) await runtime.close();
      for (const location of await listInstanceDirs(join(dataDir, 'instances'))) {
        const record = await readRuntimeRecord(instanceDirs(join(dataDir, 'instances'), location).runtimeFile);
        if (record?.process && (await isSameProcess(record.process))) process.kill(-record.process.pid, 'SIGKILL');
      }
      await store.close();
      await database.drop();
      rmSync(base, { recursive: true, force: true });
    },
  };
}

/** Starts the probe claw and returns what it logged about each attempt, once it is done probing. */
async function runProbe(runtime: LocalRuntime, ref: InstanceRef, probe: { read?: string[]; write?: string[] }, restartGeneration = 0) {
  const target = await runtime.target(ref, TEST_LAYOUT);
  await runtime.apply(probeSpec(ref, target, probe, restartGeneration));
  await waitFor(`${ref.name} ready`, () => runtime.observe(ref), (o) => o.state === 'running' && o.ready, 20_000);
  const lines = await waitFor(`${ref.name} probed`, () => runtime.logs(ref, { tail: 200 }), (l) => l.some((line) => line.includes('PROBE done')), 10_000);
  const result = new Map<string, string>();
  for (const line of lines) {
    const match = /PROBE (read|write) (\S+) (\S+)$/.exec(line);
    if (match) result.set(`${match[1]} ${match[2]}`, match[3]!);
  }
  const ids = /PROBE ids uid=(\d+) gid=(\d+) groups=(\S*)/.exec(lines.join('\n'));
  return { result, uid: Number(ids?.[1]), gid: Number(ids?.[2]), groups: ids?.[3] ?? '' };
}

/** The uid /proc says the process runs as (real uid): what the kernel checks, whatever the claw prints. */
function procUid(pid: number): number {
  return Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
}

describe.runIf(isRoot)('local claws as users of their own (the control plane runs as root)', () => {
  let cp: Awaited<ReturnType<typeof controlPlaneDir>>;
  let runtime: LocalRuntime;
  const a: InstanceRef = { id: randomUUID(), tenant: 'tenant-a', project: 'p', name: 'alpha' };
  const b: InstanceRef = { id: randomUUID(), tenant: 'tenant-b', project: 'p', name: 'beta' };

  beforeAll(async () => {
    cp = await controlPlaneDir();
    runtime = cp.make('auto');
  });
  afterAll(async () => cp?.close());

  it('runs each claw as a uid of its own that cannot read the keys, the database, another claw\'s files or our environment', async () => {
    expect(runtime.isolation()).toEqual({ mode: 'users' });
    const bDirs = instanceDirs(cp.rootDir, b);
    const beta = await runProbe(runtime, b, {});
    const betaSecret = join(bDirs.data, 'secret.txt');
    writeFileSync(betaSecret, 'beta data', { mode: 0o600 });
    chownSync(betaSecret, beta.uid, beta.gid);

    const aDirs = instanceDirs(cp.rootDir, a);
    const environ = `/proc/${process.pid}/environ`;
    const alpha = await runProbe(runtime, a, {
      read: [cp.keys.adminToken, cp.keys.secretKey, cp.keys.database, cp.dataDir, cp.rootDir, betaSecret, bDirs.config, bDirs.generated, environ, join(aDirs.generated, 'config.json')],
      write: [join(aDirs.data, 'mine.txt'), join(bDirs.data, 'planted.txt'), join(aDirs.generated, 'config.json'), join(aDirs.logs, 'claw.log.1')],
    });

    // Neither root nor the other claw's, as the kernel sees it; no supplementary groups (root's included).
    const pidA = (await readRuntimeRecord(aDirs.runtimeFile))!.process!.pid;
    const pidB = (await readRuntimeRecord(bDirs.runtimeFile))!.process!.pid;
    expect(procUid(pidA)).toBe(alpha.uid);
    expect(alpha.uid).not.toBe(0);
    expect(alpha.uid).not.toBe(beta.uid);
    expect(procUid(pidB)).toBe(beta.uid);
    expect(alpha.gid).toBe(alpha.uid);
    expect(alpha.groups.split(',').filter(Boolean).map(Number).filter((g) => g !== alpha.gid)).toEqual([]);

    for (const denied of [cp.keys.adminToken, cp.keys.secretKey, cp.keys.database, cp.dataDir, cp.rootDir, betaSecret, bDirs.config, bDirs.generated, environ]) {
      expect(alpha.result.get(`read ${denied}`), denied).toBe('EACCES');
    }
    // Its own generated files it reads but cannot change; its own data it writes; nothing of another claw or of ours.
    expect(alpha.result.get(`read ${join(aDirs.generated, 'config.json')}`)).toBe('ok');
    expect(alpha.result.get(`write ${join(aDirs.data, 'mine.txt')}`)).toBe('ok');
    expect(alpha.result.get(`write ${join(bDirs.data, 'planted.txt')}`)).toBe('EACCES');
    expect(alpha.result.get(`write ${join(aDirs.generated, 'config.json')}`)).toBe('EACCES');
    expect(alpha.result.get(`write ${join(aDirs.logs, 'claw.log.1')}`)).toBe('EACCES');

    // The layout behind those answers.
    const mode = (path: string) => statSync(path).mode & 0o7777;
    for (const dir of [aDirs.config, aDirs.data, aDirs.home, aDirs.appLogs]) {
      expect([statSync(dir).uid, mode(dir)], dir).toEqual([alpha.uid, 0o700]);
    }
    expect([statSync(aDirs.generated).uid, statSync(aDirs.generated).gid, mode(aDirs.generated)]).toEqual([0, alpha.gid, 0o2750]);
    expect([statSync(aDirs.logs).uid, mode(aDirs.logs)]).toEqual([0, 0o700]);
    expect([statSync(cp.dataDir).uid, mode(cp.dataDir), mode(cp.keys.secretKey)]).toEqual([0, 0o711, 0o600]);
  });

  it('gives a claw the same uid after a restart of the control plane and of the claw, and frees it with the data', async () => {
    const before = await runProbe(runtime, a, {});
    await runtime.close();
    runtime = cp.make('auto');
    // Adopted, not restarted: the same process; then a new generation starts a new one under the same uid.
    const pidBefore = (await readRuntimeRecord(instanceDirs(cp.rootDir, a).runtimeFile))!.process!.pid;
    await waitFor('adopted', () => runtime.observe(a), (o) => o.state === 'running', 10_000);
    expect((await readRuntimeRecord(instanceDirs(cp.rootDir, a).runtimeFile))!.process!.pid).toBe(pidBefore);
    const after = await runProbe(runtime, a, {}, 1);
    expect(after.uid).toBe(before.uid);
    const rows = await cp.store.dataSource.getRepository(LocalClawUserEntity).find({ order: { uid: 'ASC' } });
    expect(rows.map((r) => r.location).sort()).toEqual(['tenant-a/p/alpha', 'tenant-b/p/beta']);

    await runtime.destroy(a, { keepData: true });
    await waitFor('destroyed keeping data', () => runtime.observe(a), (o) => o.state === 'absent' && !o.resourcesPresent, 15_000);
    expect(await cp.store.dataSource.getRepository(LocalClawUserEntity).countBy({ location: 'tenant-a/p/alpha' })).toBe(1);
    await runtime.destroy(a, { keepData: false });
    await waitFor('destroyed', () => runtime.observe(a), (o) => o.state === 'absent' && !o.dataPresent, 15_000);
    expect(await cp.store.dataSource.getRepository(LocalClawUserEntity).countBy({ location: 'tenant-a/p/alpha' })).toBe(0);
  });
});

describe('local claws in bubblewrap (a control plane that does not run as root)', () => {
  let cp: Awaited<ReturnType<typeof controlPlaneDir>>;
  let runtime: LocalRuntime;
  const a: InstanceRef = { id: randomUUID(), tenant: 'tenant-a', project: 'p', name: 'alpha' };
  const b: InstanceRef = { id: randomUUID(), tenant: 'tenant-b', project: 'p', name: 'beta' };

  beforeAll(async () => {
    // npm test's pretest installs it (test/support/ensure-debian-packages.sh): missing, this fails rather than skips.
    if (!BWRAP) throw new Error('bubblewrap (bwrap) is not installed');
    cp = await controlPlaneDir();
    runtime = cp.make({ mode: 'sandbox', bwrap: BWRAP });
  });
  afterAll(async () => cp?.close());

  it('shows a claw only its own directories: the keys, the database, other claws and our /proc are out of sight', async () => {
    await runProbe(runtime, b, {});
    const bDirs = instanceDirs(cp.rootDir, b);
    const aDirs = instanceDirs(cp.rootDir, a);
    const environ = `/proc/${process.pid}/environ`;
    const alpha = await runProbe(runtime, a, {
      read: [cp.keys.adminToken, cp.keys.secretKey, cp.keys.database, bDirs.data, environ, join(aDirs.generated, 'config.json')],
      write: [join(aDirs.data, 'mine.txt'), join(bDirs.data, 'planted.txt'), join(aDirs.generated, 'config.json'), '/usr/planted.txt'],
    });
    for (const hidden of [cp.keys.adminToken, cp.keys.secretKey, cp.keys.database, bDirs.data, environ]) {
      expect(alpha.result.get(`read ${hidden}`), hidden).toBe('ENOENT');
    }
    expect(alpha.result.get(`read ${join(aDirs.generated, 'config.json')}`)).toBe('ok');
    expect(alpha.result.get(`write ${join(aDirs.data, 'mine.txt')}`)).toBe('ok');
    expect(readFileSync(join(aDirs.data, 'mine.txt'), 'utf8')).toBe('written by a claw');
    expect(alpha.result.get(`write ${join(bDirs.data, 'planted.txt')}`)).toBe('ENOENT');
    expect(alpha.result.get(`write ${join(aDirs.generated, 'config.json')}`)).toBe('EROFS');
    expect(alpha.result.get('write /usr/planted.txt')).toBe('EROFS');
  });

  it('stops a sandboxed claw with SIGTERM to the claw itself, so it shuts down gracefully', async () => {
    await runtime.stop(a, { force: false, graceSeconds: 10 });
    const stopped = await waitFor('stopped', () => runtime.events(a), (events) => events.some((e) => e.reason === 'Stopped' || e.reason === 'Killed'), 15_000);
    expect(stopped.map((e) => e.reason)).toContain('Stopped');
    // A SIGTERM to bubblewrap would have ended bwrap at once and the claw by the SIGKILL to what was left of it.
    expect(await runtime.logs(a, { tail: 50 })).toContainEqual(expect.stringContaining('PROBE got SIGTERM'));
  });
});

describe('choosing the isolation of local claws', () => {
  it('uses bubblewrap when not root and it is installed, and otherwise runs only the default tenant\'s claws, saying why', () => {
    const base = mkdtempSync(join(tmpdir(), 'claw-choose-'));
    chmodSync(base, 0o755);
    try {
      const dirs = { rootDir: join(base, 'data', 'instances'), cacheDir: join(base, 'cache'), ownDir: join(base, 'data') };
      const path = process.env.PATH;
      if (BWRAP) expect(detectIsolation('auto', dirs, 1000)).toMatchObject({ mode: 'sandbox', bwrap: BWRAP });
      process.env.PATH = '/nonexistent';
      try {
        const none = detectIsolation('auto', dirs, 1000);
        expect(none).toMatchObject({ mode: 'none', tenants: ['default'] });
        expect(none.reason?.en).toContain('apt install bubblewrap');
        expect(none.reason?.zh).toContain('bubblewrap');
        expect(detectIsolation('users', dirs, 1000)).toMatchObject({ mode: 'none', tenants: ['default'] });
      } finally {
        process.env.PATH = path;
      }
      expect(detectIsolation('off', dirs, 1000)).toMatchObject({ mode: 'off' });
      expect(detectIsolation('off', dirs, 1000).tenants).toBeUndefined();
      // As root, claws of other uids must be able to pass through every directory above the data dir and the cache.
      expect(detectIsolation('auto', dirs, 0)).toEqual({ mode: 'users' });
      const locked = join(base, 'locked');
      mkdirSync(locked, { mode: 0o700 });
      chmodSync(locked, 0o700);
      const blocked = detectIsolation('auto', { ...dirs, cacheDir: join(locked, 'cache') }, 0);
      expect(blocked).toMatchObject({ mode: 'none', tenants: ['default'] });
      expect(blocked.reason?.en).toContain(`chmod o+x ${locked}`);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});

describe('a control plane whose local claws cannot be isolated', () => {
  let t: TestControlPlane;
  let locked: string;

  beforeAll(async () => {
    // As root: the cache sits below a directory other users cannot pass through. Not as root: `users` needs root.
    locked = mkdtempSync(join(tmpdir(), 'claw-locked-'));
    t = await startTestControlPlane({
      adapters: [stubOpenClawAdapter],
      settings: { cacheDir: join(locked, 'cache'), local: { isolation: 'users', uidRange: { first: 1_900_000_000, last: 1_900_000_099 } } },
    });
    await t.command(t.adminToken, 'claw tenant policy default --approvals 0');
  }, 60_000);
  afterAll(async () => {
    await t?.command(t.adminToken, 'claw destroy --all --wait').catch(() => undefined);
    await t?.close();
    rmSync(locked, { recursive: true, force: true });
  });

  it('runs only the default tenant\'s claws, and says why in the refusal, `claw status` and /readyz', async () => {
    const ready = (await (await fetch(`${t.url}/readyz`)).json()) as { runtime: { kind: string; isolation: string; tenants: string[]; detail: string } };
    expect(ready.runtime).toMatchObject({ kind: 'local', isolation: 'none', tenants: ['default'] });
    expect(ready.runtime.detail).toContain('apt install bubblewrap');

    for (const text of ['claw tenant create acme', 'claw project create web --tenant acme']) expect((await t.command(t.adminToken, text)).body.ok).toBe(true);
    const refused = await t.command(t.adminToken, 'claw create bot --tenant acme --project web', 'zh');
    expect(refused.status).toBe(409);
    expect(refused.body.error?.code).toBe('conflict');
    expect(refused.body.text).toContain('租户 acme 的实例无法在此运行');
    expect(refused.body.text).toContain('bubblewrap');
    // Nothing was recorded: the refusal came before the database.
    expect((await t.command(t.adminToken, 'claw status --tenant acme')).body.result).toMatchObject({ total: 0 });

    const created = await t.command(t.adminToken, 'claw create bot --wait --timeout 60s');
    expect(created.body.ok, created.body.text).toBe(true);
    const status = await t.command(t.adminToken, 'claw status');
    expect(status.body.text).toMatch(/bot\s+default\s+openclaw\s+\S+\s+Running/);
    expect(status.body.text).toContain('only the default tenant\'s claws run on this machine');
    expect(status.body.result).toMatchObject({ isolation: { mode: 'none' } });
  }, 90_000);
});
