// The local runtime with real processes (test/fixtures/fake-claw.mjs): the shared contract, then what only a local runtime does.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Observation, RuntimeTarget } from '../../src/runtime/runtime.js';
import type { InstanceRef, WorkloadSpec } from '../../src/runtime/workload.js';
import { createLocalRuntime, type LocalRuntime } from '../../src/runtime/local/index.js';
import { instanceDirs, listInstanceDirs } from '../../src/runtime/local/instance-dirs.js';
import { filterSince } from '../../src/runtime/local/log-files.js';
import { readRuntimeRecord } from '../../src/runtime/local/runtime-file.js';
import { isSameProcess, readProcStat } from '../../src/runtime/local/process-identity.js';
import { openStore, type Store } from '../../src/store/data-source.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { describeRuntimeContract, waitFor } from './runtime-contract.js';
import { TEST_LAYOUT } from '../support/test-layout.js';

const FAKE_CLAW = fileURLToPath(new URL('../fixtures/fake-claw.mjs', import.meta.url));

interface FakeOptions {
  restartGeneration?: number;
  configText?: string;
  env?: Record<string, string>;
  secretEnv?: Record<string, string>;
  graceSeconds?: number;
  process?: Partial<WorkloadSpec['process']>;
  liveness?: boolean;
}

/** A spec running the fake claw with the control plane's own Node (no node package, no packages). */
function fakeSpec(ref: InstanceRef, target: RuntimeTarget, o: FakeOptions = {}): WorkloadSpec {
  const files = { 'test.json': o.configText ?? 'v1' };
  const env = { READY_DELAY_MS: '200', GRACE_MS: '50', CONFIG_PATH: join(target.filesDir, 'test.json'), ...o.env };
  const secretEnv = o.secretEnv ?? {};
  const process = { packages: [], entry: { script: FAKE_CLAW }, args: ['--port', String(target.port)], ...o.process };
  const graceSeconds = o.graceSeconds ?? 5;
  const specHash = createHash('sha256').update(JSON.stringify({ files, env, secretEnv, process, port: target.port, graceSeconds })).digest('hex');
  return {
    ref,
    type: 'fake',
    version: '1',
    labels: {},
    image: 'unused',
    command: [],
    args: [],
    env,
    secretEnv,
    files,
    port: target.port,
    probes: {
      readiness: { path: '/readyz', periodSeconds: 1, failureThreshold: 1, timeoutSeconds: 1 },
      ...(o.liveness === false ? {} : { liveness: { path: '/healthz', periodSeconds: 1, failureThreshold: 2, timeoutSeconds: 1 } }),
    },
    resources: { cpu: '100m', memory: '64Mi' },
    storage: '1Gi',
    paths: { configDir: target.configDir, dataDir: target.dataDir },
    user: 1000,
    group: 1000,
    terminationGraceSeconds: graceSeconds,
    specHash,
    restartGeneration: o.restartGeneration ?? 0,
    process,
  };
}

/** A temp rootDir and cache, a SQLite database, and every LocalRuntime made on them (closed, and their processes killed, at the end). */
async function localBackend() {
  const base = mkdtempSync(join(tmpdir(), 'claw-local-'));
  const rootDir = join(base, 'instances');
  const cacheDir = join(base, 'cache');
  const database: TestDatabase = await createTestDatabase('sqlite');
  const store: Store = await openStore(database.settings);
  const made: LocalRuntime[] = [];
  const make = () => {
    const runtime = createLocalRuntime({
      rootDir,
      cacheDir,
      db: store.dataSource,
      healthIntervalMs: 100,
      crashBackoff: { initialMs: 100, maxMs: 1000 },
      installBackoff: { initialMs: 100, maxMs: 1000 },
    });
    made.push(runtime);
    return runtime;
  };
  return {
    base,
    rootDir,
    cacheDir,
    make,
    async close() {
      for (const runtime of made) await runtime.close();
      // close() leaves claws running on purpose; a test run must not.
      for (const location of await listInstanceDirs(rootDir)) {
        const record = await readRuntimeRecord(instanceDirs(rootDir, location).runtimeFile);
        if (record?.process && (await isSameProcess(record.process))) process.kill(record.process.pid, 'SIGKILL');
      }
      await store.close();
      await database.drop();
      rmSync(base, { recursive: true, force: true });
    },
  };
}

describeRuntimeContract('local', async () => {
  const backend = await localBackend();
  return {
    runtime: backend.make(),
    replica: async () => backend.make(),
    specFor: (ref, target, variant) => fakeSpec(ref, target, variant),
    readyTimeoutMs: 15_000,
    close: () => backend.close(),
  };
});

describe('local runtime', () => {
  let backend: Awaited<ReturnType<typeof localBackend>>;
  let runtime: LocalRuntime;
  const tenant = `lt${randomUUID().slice(0, 6)}`;
  const ref = (name: string): InstanceRef => ({ id: randomUUID(), tenant, project: 'p1', name });
  const until = (rt: LocalRuntime, r: InstanceRef, what: string, ok: (o: Observation) => boolean, timeoutMs = 15_000) =>
    waitFor(what, () => rt.observe(r), ok, timeoutMs);
  const runningReady = (o: Observation) => o.state === 'running' && o.ready;
  const pidOf = async (r: InstanceRef) => (await readRuntimeRecord(instanceDirs(backend.rootDir, r).runtimeFile))?.process?.pid;
  const alive = (pid: number) => readProcStat(pid).then((s) => s !== undefined && s.state !== 'Z');
  /** Asks the running fake claw to start a helper now (and optionally to exit right after, orphaning it). */
  const startHelper = async (r: InstanceRef, o: { exit?: boolean } = {}) => {
    const { port } = await runtime.target(r, TEST_LAYOUT);
    const response = await fetch(`http://127.0.0.1:${port}/helper${o.exit ? '?exit=1' : ''}`, { method: 'POST' });
    expect(response.status).toBe(200);
    return (await response.json()) as { pid: number; parent: number };
  };

  beforeAll(async () => {
    backend = await localBackend();
    runtime = backend.make();
  });
  afterAll(async () => backend?.close());

  it('keeps an instance port and directories across a new runtime on the same rootDir', async () => {
    const r = ref('stable');
    const first = await runtime.target(r, TEST_LAYOUT);
    expect(first).toMatchObject({ kind: 'process', bind: 'loopback' });
    expect(first.filesDir).toBe(join(backend.rootDir, tenant, 'p1', 'stable', 'generated'));
    for (const dir of [first.configDir, first.dataDir, first.filesDir]) expect(statSync(dir).isDirectory()).toBe(true);
    const other = backend.make();
    expect(await other.target(r, TEST_LAYOUT)).toEqual(first);
    await other.close();
    // Another instance never gets the same port.
    expect((await runtime.target(ref('stable2'), TEST_LAYOUT)).port).not.toBe(first.port);
  });

  it('measures what each running claw uses: a busy one\'s CPU, every one\'s memory, nothing for a stopped one', async () => {
    const busy = ref('busy');
    const idle = ref('idle');
    const stopped = ref('stopped');
    for (const [r, env] of [[busy, { FAKE_CLAW_BUSY: '1' }], [idle, {}]] as const) {
      await runtime.apply(fakeSpec(r, await runtime.target(r, TEST_LAYOUT), { env }));
      await until(runtime, r, `${r.name} ready`, runningReady);
    }
    await runtime.target(stopped, TEST_LAYOUT);
    const report = await runtime.usage([busy, idle, stopped]);
    if (!report.available) throw new Error('the local runtime always measures');
    const [b, i] = [report.byInstance.get(busy.id), report.byInstance.get(idle.id)];
    // About half a core against next to nothing; wide margins for a loaded machine.
    expect(b!.cpuMillicores).toBeGreaterThan(150);
    expect(i!.cpuMillicores).toBeLessThan(b!.cpuMillicores);
    for (const u of [b!, i!]) expect(u.memoryBytes).toBeGreaterThan(10 * 1024 ** 2);
    expect(report.byInstance.has(stopped.id)).toBe(false);
    // A second look within the minute measures against the first.
    const again = await runtime.usage([busy]);
    expect(again.available && again.byInstance.get(busy.id)!.cpuMillicores).toBeGreaterThan(150);
    for (const r of [busy, idle]) await runtime.stop(r, { force: true, graceSeconds: 0 });
  });

  it('restarts a crashing process with back-off and reports CrashLoopBackOff', async () => {
    const r = ref('crashy');
    await runtime.apply(fakeSpec(r, await runtime.target(r, TEST_LAYOUT), { env: { FAKE_CLAW_CRASH: '1' } }));
    const seen: number[] = [];
    const looping = await until(runtime, r, 'a crash loop', (o) => {
      seen.push(o.restarts);
      return o.failure?.reason === 'CrashLoopBackOff';
    });
    expect(looping.restarts).toBeGreaterThanOrEqual(5);
    expect(new Set(seen).size).toBeGreaterThan(2);
    expect(looping.failure?.message).toMatch(/^exited with code 1: .*boom/);
    expect(['pending', 'running']).toContain(looping.state);
    const events = await runtime.events(r);
    expect(events.filter((e) => e.reason === 'Crashed').length).toBeGreaterThanOrEqual(4);
    expect(events.some((e) => e.reason === 'Restarting' && e.type === 'Warning')).toBe(true);
    expect(await runtime.logs(r, { previous: true })).toEqual(expect.arrayContaining([expect.stringMatching(/boom$/)]));
    await runtime.destroy(r, { keepData: false });
    await until(runtime, r, 'gone', (o) => o.state === 'absent' && !o.resourcesPresent);
  });

  it('adopts a running process after a control-plane restart, without restarting it, and can stop it', async () => {
    const r = ref('adopt');
    const before = backend.make();
    await before.apply(fakeSpec(r, await before.target(r, TEST_LAYOUT), {}));
    const running = await until(before, r, 'ready', runningReady);
    const pid = await pidOf(r);
    await before.close();
    expect(await alive(pid!)).toBe(true);

    const after = backend.make();
    const adopted = await until(after, r, 'ready after adoption', runningReady);
    expect(adopted.startedAt?.getTime()).toBe(running.startedAt?.getTime());
    expect(adopted.specHash).toBe(running.specHash);
    expect(await pidOf(r)).toBe(pid);
    expect((await after.events(r)).map((e) => e.reason)).toContain('Adopted');
    // The reconciler's next apply with the same spec keeps the process.
    await after.apply(fakeSpec(r, await after.target(r, TEST_LAYOUT), {}));
    expect((await after.observe(r)).startedAt?.getTime()).toBe(running.startedAt?.getTime());
    expect(await pidOf(r)).toBe(pid);

    await after.stop(r, { force: false, graceSeconds: 5 });
    await until(after, r, 'stopped', (o) => o.state === 'absent');
    expect(await alive(pid!)).toBe(false);
    // runtime.json is cleared just after the exit is reported (the supervisor writes it in the background).
    await waitFor('the process record cleared', () => pidOf(r), (p) => p === undefined, 5000);
    await after.destroy(r, { keepData: false });
    await after.close();
  });

  it('stops with SIGTERM and waits for the grace, then SIGKILLs what outlives it', async () => {
    const r = ref('grace');
    const target = await runtime.target(r, TEST_LAYOUT);
    await runtime.apply(fakeSpec(r, target, { env: { GRACE_MS: '1500' } }));
    await until(runtime, r, 'ready', runningReady);
    const pid = await pidOf(r);
    const t0 = Date.now();
    await runtime.stop(r, { force: false, graceSeconds: 5 });
    expect((await runtime.observe(r)).state).toBe('terminating');
    await until(runtime, r, 'stopped', (o) => o.state === 'absent');
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(1400);
    expect(took).toBeLessThan(8000);
    expect(await alive(pid!)).toBe(false);
    const log = await runtime.logs(r, {});
    expect(log.some((l) => l.includes('SIGTERM received'))).toBe(true);
    expect(log.at(-1)).toMatch(/bye$/);
    expect((await runtime.events(r)).at(-1)).toMatchObject({ reason: 'Stopped', type: 'Normal' });

    // A grace shorter than the claw's drain: SIGKILL at the deadline.
    await runtime.apply(fakeSpec(r, target, { env: { GRACE_MS: '20000' } }));
    await until(runtime, r, 'ready again', runningReady);
    const t1 = Date.now();
    await runtime.stop(r, { force: false, graceSeconds: 1 });
    await until(runtime, r, 'killed after the grace', (o) => o.state === 'absent');
    expect(Date.now() - t1).toBeGreaterThanOrEqual(900);
    expect((await runtime.events(r)).at(-1)).toMatchObject({ reason: 'Killed', type: 'Warning' });
    expect((await runtime.logs(r, {})).some((l) => l.endsWith('bye'))).toBe(false);
    await runtime.destroy(r, { keepData: false });
  });

  it('kills at once with force', async () => {
    const r = ref('force');
    await runtime.apply(fakeSpec(r, await runtime.target(r, TEST_LAYOUT), { env: { GRACE_MS: '20000' } }));
    await until(runtime, r, 'ready', runningReady);
    const t0 = Date.now();
    await runtime.stop(r, { force: true, graceSeconds: 30 });
    await until(runtime, r, 'killed', (o) => o.state === 'absent');
    // Far below the 20 s the claw would take to drain.
    expect(Date.now() - t0).toBeLessThan(3000);
    expect((await runtime.logs(r, {})).some((l) => l.includes('SIGTERM received'))).toBe(false);
    expect((await runtime.events(r)).at(-1)).toMatchObject({ reason: 'Killed' });
    await runtime.destroy(r, { keepData: false });
  });

  it('kills helper processes a claw started in their own process group', async () => {
    const r = ref('helpers');
    // GRACE_MS 0: the claw exits the moment it gets SIGTERM, orphaning its helpers before any later listing could find them.
    await runtime.apply(fakeSpec(r, await runtime.target(r, TEST_LAYOUT), { env: { FAKE_CLAW_HELPER: '1', GRACE_MS: '0' } }));
    await until(runtime, r, 'ready', runningReady);
    const line = await waitFor('the boot helper pid', () => runtime.logs(r, {}), (l) => l.some((x) => /helper pid=\d+/.test(x)), 5000);
    const bootHelper = Number(/helper pid=(\d+)/.exec(line.find((x) => /helper pid=/.test(x))!)![1]);
    // A helper started just before the stop, long after the supervisor's last periodic listing.
    const late = await startHelper(r);
    await waitFor('the helpers to be children of the claw', () => Promise.all([readProcStat(bootHelper), readProcStat(late.pid)]), (s) => s.every((x) => x?.ppid === late.parent), 5000);
    await runtime.stop(r, { force: false, graceSeconds: 5 });
    await until(runtime, r, 'stopped', (o) => o.state === 'absent');
    // Both ignore SIGTERM; the stop is reported done only once they are gone.
    expect(await alive(bootHelper)).toBe(false);
    expect(await alive(late.pid)).toBe(false);
    await runtime.destroy(r, { keepData: false });
  });

  it('kills the helpers of a claw that exits on its own', async () => {
    const r = ref('orphans');
    await runtime.apply(fakeSpec(r, await runtime.target(r, TEST_LAYOUT)));
    await until(runtime, r, 'ready', runningReady);
    const helper = await startHelper(r, { exit: true });
    // The restart is counted when the exit is handled, which is after the orphaned helper was killed.
    await until(runtime, r, 'the exit to be handled', (o) => o.restarts >= 1);
    expect(await alive(helper.pid)).toBe(false);
    await waitFor('the crash event', () => runtime.events(r), (ev) => ev.some((e) => e.reason === 'Crashed' && /exited with code 3/.test(e.message)), 5000);
    await runtime.destroy(r, { keepData: false });
  });

  it('kills the helpers of an adopted claw that exits, though they were started after the adoption', async () => {
    const r = ref('adopted-orphans');
    const before = backend.make();
    await before.apply(fakeSpec(r, await before.target(r, TEST_LAYOUT), { graceSeconds: 1 }));
    await until(before, r, 'ready', runningReady);
    await before.close();
    const after = backend.make();
    await until(after, r, 'ready after adoption', runningReady);
    // Not our child: its exit is seen by polling /proc, and its orphan is found by the launch marker read at adoption.
    const helper = await startHelper(r, { exit: true });
    await until(after, r, 'the exit to be handled', (o) => o.state === 'failed');
    expect(await alive(helper.pid)).toBe(false);
    await after.destroy(r, { keepData: false });
    await after.close();
  });

  it('restarts a process whose liveness probe keeps failing', async () => {
    const r = ref('sick');
    await runtime.apply(fakeSpec(r, await runtime.target(r, TEST_LAYOUT), { env: { FAKE_CLAW_UNHEALTHY: '1' }, graceSeconds: 1 }));
    const restarted = await until(runtime, r, 'a liveness restart', (o) => o.restarts >= 1);
    expect(restarted.failure).toBeUndefined();
    expect((await runtime.events(r)).some((e) => e.reason === 'Unhealthy' && /liveness probe \/healthz failed 2 times/.test(e.message))).toBe(true);
    await runtime.destroy(r, { keepData: false });
  });

  it('keeps secret env values in memory only: the process gets them, no file under rootDir holds them', async () => {
    const r = ref('secret');
    const secret = `sekrit-${randomUUID()}`;
    await runtime.apply(fakeSpec(r, await runtime.target(r, TEST_LAYOUT), { secretEnv: { CLAW_TEST_SECRET: secret } }));
    await until(runtime, r, 'ready', runningReady);
    const pid = await pidOf(r);
    expect(readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')).toContain(`CLAW_TEST_SECRET=${secret}`);
    // Stop and start again too, so runtime.json, events and both log generations exist.
    await runtime.stop(r, { force: false, graceSeconds: 5 });
    await until(runtime, r, 'stopped', (o) => o.state === 'absent');
    await runtime.apply(fakeSpec(r, await runtime.target(r, TEST_LAYOUT), { secretEnv: { CLAW_TEST_SECRET: secret } }));
    await until(runtime, r, 'ready again', runningReady);
    const offenders = filesUnder(backend.base).filter((file) => readFileSync(file).includes(secret));
    expect(offenders).toEqual([]);
    await runtime.destroy(r, { keepData: false });
  });

  it('serves the previous run, a tail and a time window of the log', async () => {
    const r = ref('logs');
    const target = await runtime.target(r, TEST_LAYOUT);
    await runtime.apply(fakeSpec(r, target, {}));
    await until(runtime, r, 'ready', runningReady);
    await runtime.apply(fakeSpec(r, target, { restartGeneration: 1 }));
    await until(runtime, r, 'restarted', (o) => o.restartGeneration === 1 && runningReady(o));
    const previous = await runtime.logs(r, { previous: true, tail: 10_000 });
    expect(previous.at(-1)).toMatch(/bye$/);
    expect((await runtime.logs(r, { tail: 3 })).length).toBe(3);
    expect((await runtime.logs(r, { tail: 1_000_000 })).length).toBeLessThanOrEqual(10_000);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const recent = await runtime.logs(r, { sinceSeconds: 1 });
    expect(recent.length).toBeGreaterThan(0);
    for (const line of recent) expect(Date.parse(line.slice(0, 24))).toBeGreaterThanOrEqual(Date.now() - 3000);
    expect((await runtime.logs(r, { sinceSeconds: 1, previous: true })).length).toBe(0);
    await runtime.destroy(r, { keepData: false });
  });

  it('reports an install that fails as InstallFailed with npm\'s message, and keeps working', async () => {
    const r = ref('noinstall');
    const spec = fakeSpec(r, await runtime.target(r, TEST_LAYOUT), {
      process: { packages: [{ name: 'no-such-package-clusterclaw', version: '0.0.0' }], entry: { bin: 'no-such-package-clusterclaw' } },
    });
    await runtime.apply(spec);
    const failed = await until(runtime, r, 'an install failure', (o) => o.state === 'failed', 120_000);
    expect(failed.failure?.reason).toBe('InstallFailed');
    expect(failed.failure?.message).toMatch(/no-such-package-clusterclaw/);
    expect(failed.failure?.message).toMatch(/E404|404|not found/i);
    const events = await runtime.events(r);
    expect(events.map((e) => e.reason)).toEqual(expect.arrayContaining(['InstallStarted', 'InstallFailed']));
    // No marker: the next apply after the back-off tries again (and fails the same way).
    expect(existsSync(join(backend.cacheDir, 'pkg', 'no-such-package-clusterclaw@0.0.0', '.clusterclaw-installed.json'))).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await runtime.apply(spec);
    await until(runtime, r, 'failing again', (o) => o.state === 'failed', 120_000);
    await runtime.destroy(r, { keepData: false });
    // Other instances are unaffected.
    const ok = ref('afterinstall');
    await runtime.apply(fakeSpec(ok, await runtime.target(ok, TEST_LAYOUT), {}));
    await until(runtime, ok, 'ready', runningReady);
    await runtime.destroy(ok, { keepData: false });
  }, 300_000);
});

describe('local runtime log time windows', () => {
  it('keeps unstamped lines with the stamped line above them, and uses the mtime when nothing is stamped', () => {
    const now = Date.parse('2026-01-01T00:10:00Z');
    const lines = ['2026-01-01T00:00:00Z old', '  at old stack', '2026-01-01T00:09:30Z new', '  at new stack', '{"time":"2026-01-01T00:09:50Z","msg":"json"}'];
    expect(filterSince(lines, now - 60_000, 0)).toEqual(lines.slice(2));
    expect(filterSince(['plain', 'text'], now - 60_000, now)).toEqual(['plain', 'text']);
    expect(filterSince(['plain', 'text'], now - 60_000, now - 120_000)).toEqual([]);
  });
});

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}
