// Starts a real, throwaway Kubernetes control plane (etcd, kube-apiserver, controller-manager, scheduler) on 127.0.0.1.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, closeSync, constants as fsConstants, openSync, statfsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile, appendFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createCa, createServiceAccountKeys, issueCert } from './pki.js';

export const KUBE_VERSION = 'v1.20.2';
export const CONTEXT_NAME = 'claw-test';
const COMPONENTS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const;

export interface TestClusterOptions {
  /** Directory holding kube-apiserver, kube-controller-manager, kube-scheduler. Default: the build-kube.sh cache. */
  binDir?: string;
  /** etcd binary. Default: `etcd` on PATH, else /usr/bin/etcd. */
  etcdBin?: string;
  /** Deadline for the whole start (all components ready). Default 120 s. */
  startTimeoutMs?: number;
  /** klog verbosity for the Kubernetes components. Default 1. */
  verbosity?: number;
  /** Keep the temp dir (logs, certs) after stop(); also enabled by CLAW_TEST_KEEP_TMP=1. */
  keepTmpDir?: boolean;
  extraApiserverArgs?: string[];
  extraControllerManagerArgs?: string[];
  extraSchedulerArgs?: string[];
}

export interface TestCluster {
  /** Kubeconfig with a single context named `claw-test` (admin token, group system:masters). */
  kubeconfigPath: string;
  /** https://127.0.0.1:<port> */
  server: string;
  /** Bearer token of the admin user. */
  token: string;
  binDir: string;
  /** Temp dir holding certs, kubeconfig, etcd data and logs/ (removed by stop()). */
  tmpDir: string;
  /** Component logs: etcd.log, kube-apiserver.log, kube-controller-manager.log, kube-scheduler.log. */
  logDir: string;
  /**
   * The apiserver's audit log (JSON lines, level Metadata): every read and write of instance objects, namespaces and
   * quotas, so a test can count the requests a control plane made in its own namespace.
   */
  auditLogPath: string;
  /** CA that signed the apiserver serving certificate (also in the kubeconfig). */
  caCertPath: string;
  contextName: string;
  stop(): Promise<void>;
}

/** Metadata of reads and writes of what the control plane manages; status updates (the kubelet's) and the rest not at all. */
const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: None
    resources: [{ group: "", resources: [pods/status, resourcequotas/status, events] }]
  - level: Metadata
    verbs: [get, list, watch, create, update, patch, delete, deletecollection]
    resources:
      - group: ""
        resources: [pods, secrets, configmaps, services, persistentvolumeclaims, namespaces, resourcequotas]
  - level: None
`;

export function defaultKubeCacheDir(): string {
  return process.env['CLAW_KUBE_CACHE'] ?? join(homedir(), '.cache', 'open-cluster-claw', `kube-${KUBE_VERSION}`);
}

export function defaultBinDir(): string {
  return join(defaultKubeCacheDir(), 'bin');
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findEtcd(explicit?: string): string {
  const candidates = explicit
    ? [explicit]
    : [...(process.env['PATH'] ?? '').split(delimiter).filter(Boolean).map((d) => join(d, 'etcd')), '/usr/bin/etcd'];
  const found = candidates.find(isExecutable);
  if (!found) {
    throw new Error(
      `etcd binary not found (${explicit ?? 'PATH, /usr/bin/etcd'}). Run test/cluster/build-kube.sh (installs etcd-server).`,
    );
  }
  return found;
}

/** Throws a clear error when the cached Kubernetes binaries are missing. */
export function resolveBinaries(opts: Pick<TestClusterOptions, 'binDir' | 'etcdBin'> = {}): { binDir: string; etcd: string } {
  const binDir = opts.binDir ?? defaultBinDir();
  const missing = COMPONENTS.filter((c) => !isExecutable(join(binDir, c)));
  if (missing.length > 0) {
    throw new Error(
      `Kubernetes ${KUBE_VERSION} binaries missing in ${binDir}: ${missing.join(', ')}. ` +
        'Build them once with test/cluster/build-kube.sh (about 5 minutes; set CLAW_KUBE_CACHE to use another cache dir).',
    );
  }
  return { binDir, etcd: findEtcd(opts.etcdBin) };
}

/**
 * Asks the kernel for n distinct free loopback ports. All probes stay bound until every port is
 * known so no two are the same; a small race with other processes remains, which start retries cover.
 */
export async function freePorts(n: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < n; i++) {
      const srv = createServer();
      srv.unref();
      servers.push(srv);
      ports.push(
        await new Promise<number>((resolve, reject) => {
          srv.once('error', reject);
          srv.listen(0, '127.0.0.1', () => resolve((srv.address() as AddressInfo).port));
        }),
      );
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

// ---------------------------------------------------------------------------------------------
// Child process bookkeeping. Children must never outlive the test run, even when the runner is
// interrupted, so every live child is tracked here and killed synchronously on exit/signals.
// ---------------------------------------------------------------------------------------------

const liveChildren = new Set<ChildProcess>();
let exitHooksInstalled = false;

function killAllChildrenSync(): void {
  for (const child of liveChildren) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  liveChildren.clear();
}

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.once('exit', killAllChildrenSync);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      killAllChildrenSync();
      // If nobody else handles the signal, restore the default behaviour (terminate) after cleanup.
      if (process.listenerCount(sig) === 1) {
        process.removeListener(sig, onSignal);
        process.kill(process.pid, sig);
      }
    };
    process.on(sig, onSignal);
  }
}

const childEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  NO_PROXY: '127.0.0.1,localhost',
  no_proxy: '127.0.0.1,localhost',
});

class ManagedProcess {
  readonly exited: Promise<number | null>;
  exitCode: number | null | undefined = undefined;
  private readonly child: ChildProcess;

  constructor(
    readonly name: string,
    bin: string,
    args: string[],
    readonly logPath: string,
    pidFile: string,
  ) {
    const fd = openSync(logPath, 'a');
    try {
      this.child = spawn(bin, args, { stdio: ['ignore', fd, fd], env: childEnv() });
    } finally {
      closeSync(fd);
    }
    liveChildren.add(this.child);
    // Unref so a forgotten stop() cannot hang the runner; the exit hook still kills the child.
    this.child.unref();
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        liveChildren.delete(this.child);
        this.exitCode = code ?? (signal ? -1 : null);
        resolve(this.exitCode);
      });
      this.child.once('error', (err) => {
        liveChildren.delete(this.child);
        this.exitCode = -1;
        void appendFile(logPath, `\n[harness] spawn error: ${err.message}\n`).catch(() => undefined);
        resolve(-1);
      });
    });
    if (this.child.pid !== undefined) {
      void appendFile(pidFile, `${this.child.pid}\n`).catch(() => undefined);
    }
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  async stop(graceMs = 5_000): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = sleep(graceMs).then(() => 'timeout' as const);
    if ((await Promise.race([this.exited, timer])) === 'timeout') {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }

  async logTail(lines = 40): Promise<string> {
    try {
      const text = await readFile(this.logPath, 'utf8');
      return text.split('\n').slice(-lines - 1).join('\n');
    } catch {
      return '(no log)';
    }
  }
}

class StartupError extends Error {
  /** Temp dir of the failed attempt (kept for its logs unless the attempt is retried). */
  tmpDir?: string;
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

interface HttpResult {
  status: number;
  body: string;
}

function httpGet(url: string, opts: { ca?: string; token?: string; insecure?: boolean } = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const headers: Record<string, string> = opts.token ? { Authorization: `Bearer ${opts.token}` } : {};
    const common = { method: 'GET', headers, timeout: 3_000 };
    const req =
      u.protocol === 'https:'
        ? httpsRequest(u, { ...common, ca: opts.ca, rejectUnauthorized: !opts.insecure })
        : httpRequest(u, common);
    req.once('timeout', () => req.destroy(new Error(`timeout GET ${url}`)));
    req.once('error', reject);
    req.once('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.once('error', reject);
    });
    req.end();
  });
}

/** Polls until check() succeeds, the process dies, or the deadline passes. */
async function waitUntil(
  proc: ManagedProcess,
  what: string,
  deadline: number,
  check: () => Promise<boolean>,
): Promise<void> {
  let lastError = '';
  while (Date.now() < deadline) {
    if (!proc.running) {
      const tail = await proc.logTail();
      throw new StartupError(
        `${proc.name} exited (code ${String(proc.exitCode)}) before ${what}. Last log lines (${proc.logPath}):\n${tail}`,
        /address already in use/i.test(tail),
      );
    }
    try {
      if (await check()) return;
      lastError = '';
    } catch (err) {
      lastError = (err as Error).message;
    }
    await sleep(150);
  }
  throw new StartupError(
    `timed out waiting for ${what}${lastError ? ` (last error: ${lastError})` : ''}. ` +
      `Last log lines (${proc.logPath}):\n${await proc.logTail()}`,
    false,
  );
}

function kubeconfigYaml(server: string, caPem: string, token: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${CONTEXT_NAME}`,
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority-data: ${Buffer.from(caPem).toString('base64')}`,
    'users:',
    `- name: ${CONTEXT_NAME}-admin`,
    '  user:',
    `    token: ${token}`,
    'contexts:',
    `- name: ${CONTEXT_NAME}`,
    '  context:',
    `    cluster: ${CONTEXT_NAME}`,
    `    user: ${CONTEXT_NAME}-admin`,
    '    namespace: default',
    `current-context: ${CONTEXT_NAME}`,
    'preferences: {}',
    '',
  ].join('\n');
}

// etcd preallocates 64 MB WAL segments and fsyncs a lot; tmpfs makes it much faster when there is room.
function etcdDataParent(fallback: string): string {
  try {
    const st = statfsSync('/dev/shm');
    if (st.bavail * st.bsize >= 1024 ** 3) return '/dev/shm';
  } catch {
    // no /dev/shm
  }
  return fallback;
}

// A detached shell that outlives a SIGKILLed runner and then kills the components and removes temp dirs.
function startWatchdog(pidFile: string, dirs: string[]): ChildProcess {
  const quoted = dirs.map((d) => `'${d.replace(/'/g, `'\\''`)}'`).join(' ');
  const script = [
    `while kill -0 ${process.pid} 2>/dev/null && [ -f '${pidFile}' ]; do sleep 1; done`,
    `if [ -f '${pidFile}' ]; then kill -KILL $(cat '${pidFile}') 2>/dev/null; sleep 0.5; rm -rf ${quoted}; fi`,
  ].join('\n');
  const wd = spawn('/bin/sh', ['-c', script], { detached: true, stdio: 'ignore' });
  wd.unref();
  return wd;
}

async function startOnce(opts: TestClusterOptions, binDir: string, etcdBin: string): Promise<TestCluster> {
  const started = Date.now();
  const deadline = started + (opts.startTimeoutMs ?? 120_000);
  const v = String(opts.verbosity ?? 1);
  const tmpDir = await mkdtemp(join(tmpdir(), 'claw-kube-'));
  const logDir = join(tmpDir, 'logs');
  const pkiDir = join(tmpDir, 'pki');
  const etcdDir = await mkdtemp(join(etcdDataParent(tmpDir), 'claw-etcd-'));
  const pidFile = join(tmpDir, 'pids');
  await Promise.all([mkdir(logDir), mkdir(pkiDir)]);
  await writeFile(pidFile, '');
  installExitHooks();
  const watchdog = startWatchdog(pidFile, [tmpDir, etcdDir]);
  const procs: ManagedProcess[] = [];
  const keep = opts.keepTmpDir ?? process.env['CLAW_TEST_KEEP_TMP'] === '1';

  let stopped = false;
  const stopAll = async (removeTmp: boolean): Promise<void> => {
    // Reverse order: clients first, etcd last, so nothing logs spurious storage errors.
    for (const p of [...procs].reverse()) await p.stop();
    if (watchdog.pid !== undefined) {
      try {
        // Negative pid: the watchdog is a group leader (detached); this also reaps its `sleep`.
        process.kill(-watchdog.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await rm(etcdDir, { recursive: true, force: true });
    if (removeTmp) await rm(tmpDir, { recursive: true, force: true });
    else await rm(pidFile, { force: true });
  };

  try {
    const token = randomBytes(24).toString('hex');
    const [etcdClientPort, etcdPeerPort, apiPort, cmPort, schedPort] = (await freePorts(5)) as [number, number, number, number, number];
    const server = `https://127.0.0.1:${apiPort}`;

    const ca = await createCa(pkiDir);
    const [apiCert, componentCert, sa] = await Promise.all([
      issueCert(pkiDir, 'apiserver', ca, {
        commonName: 'kube-apiserver',
        ips: ['127.0.0.1', '10.96.0.1'],
        dnsNames: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'],
      }),
      issueCert(pkiDir, 'components', ca, { commonName: 'claw-test-components', ips: ['127.0.0.1'], dnsNames: ['localhost'] }),
      createServiceAccountKeys(pkiDir),
    ]);
    const auditLogPath = join(logDir, 'audit.jsonl');
    const auditPolicyPath = join(pkiDir, 'audit-policy.yaml');
    await writeFile(auditPolicyPath, AUDIT_POLICY);
    const tokenFile = join(pkiDir, 'tokens.csv');
    await writeFile(tokenFile, `${token},${CONTEXT_NAME}-admin,${CONTEXT_NAME}-admin,"system:masters"\n`, { mode: 0o600 });
    const kubeconfigPath = join(tmpDir, 'kubeconfig.yaml');
    await writeFile(kubeconfigPath, kubeconfigYaml(server, ca.certPem, token), { mode: 0o600 });

    const spawnProc = (name: string, bin: string, args: string[]): ManagedProcess => {
      const p = new ManagedProcess(name, bin, args, join(logDir, `${name}.log`), pidFile);
      procs.push(p);
      return p;
    };

    // --- etcd ---
    const etcdUrl = `http://127.0.0.1:${etcdClientPort}`;
    const peerUrl = `http://127.0.0.1:${etcdPeerPort}`;
    const etcd = spawnProc('etcd', etcdBin, [
      '--name=claw-test',
      `--data-dir=${join(etcdDir, 'data')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=claw-test=${peerUrl}`,
      '--initial-cluster-state=new',
      '--logger=zap',
      '--log-outputs=stderr',
    ]);
    await waitUntil(etcd, 'etcd /health', deadline, async () => {
      const r = await httpGet(`${etcdUrl}/health`);
      return r.status === 200 && r.body.includes('"true"');
    });

    // --- kube-apiserver ---
    const apiserver = spawnProc('kube-apiserver', join(binDir, 'kube-apiserver'), [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      // v1.20 still opens an insecure port 8080 by default; 0 disables it so parallel clusters don't clash.
      '--insecure-port=0',
      `--tls-cert-file=${apiCert.certPath}`,
      `--tls-private-key-file=${apiCert.keyPath}`,
      `--client-ca-file=${ca.certPath}`,
      `--token-auth-file=${tokenFile}`,
      '--authorization-mode=Node,RBAC',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${sa.publicKeyPath}`,
      `--service-account-signing-key-file=${sa.privateKeyPath}`,
      '--service-cluster-ip-range=10.96.0.0/12',
      // No token controller mounts for pods: pods would otherwise wait for their service account to appear.
      '--disable-admission-plugins=ServiceAccount',
      // The master-count reconciler would publish 127.0.0.1 endpoints for the kubernetes service and fight nothing useful.
      '--endpoint-reconciler-type=none',
      // The fake kubelet publishes 127.0.0.1 as InternalIP; no kubelet CA means its self-signed cert is accepted.
      '--kubelet-preferred-address-types=InternalIP',
      '--allow-privileged=true',
      '--profiling=false',
      `--audit-policy-file=${auditPolicyPath}`,
      `--audit-log-path=${auditLogPath}`,
      // Written before the request returns, so a test reads every request it caused; one file, large enough for a run.
      '--audit-log-mode=blocking',
      '--audit-log-maxsize=1024',
      `--v=${v}`,
      ...(opts.extraApiserverArgs ?? []),
    ]);
    const caPem = ca.certPem;
    await waitUntil(apiserver, 'kube-apiserver /readyz', deadline, async () => {
      const r = await httpGet(`${server}/readyz`, { ca: caPem, token });
      return r.status === 200;
    });

    // --- controller-manager and scheduler (in parallel) ---
    const common = (port: number): string[] => [
      `--kubeconfig=${kubeconfigPath}`,
      `--authentication-kubeconfig=${kubeconfigPath}`,
      `--authorization-kubeconfig=${kubeconfigPath}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${port}`,
      // Insecure ports default to 10251/10252 in v1.20; disable them for parallel runs.
      '--port=0',
      `--tls-cert-file=${componentCert.certPath}`,
      `--tls-private-key-file=${componentCert.keyPath}`,
      // Without this they poll kube-system/extension-apiserver-authentication for a requestheader CA we never
      // configure, logging an error every few seconds.
      '--authentication-skip-lookup=true',
      `--client-ca-file=${ca.certPath}`,
      '--leader-elect=false',
      `--v=${v}`,
    ];
    const cm = spawnProc('kube-controller-manager', join(binDir, 'kube-controller-manager'), [
      ...common(cmPort),
      // nodelifecycle would taint/evict the fake node whenever its heartbeats lag behind a slow CI machine.
      '--controllers=*,-nodelifecycle',
      `--service-account-private-key-file=${sa.privateKeyPath}`,
      `--root-ca-file=${ca.certPath}`,
      '--use-service-account-credentials=false',
      `--cluster-signing-cert-file=${ca.certPath}`,
      `--cluster-signing-key-file=${ca.keyPath}`,
      ...(opts.extraControllerManagerArgs ?? []),
    ]);
    const sched = spawnProc('kube-scheduler', join(binDir, 'kube-scheduler'), [
      ...common(schedPort),
      ...(opts.extraSchedulerArgs ?? []),
    ]);
    await Promise.all([
      waitUntil(cm, 'kube-controller-manager /healthz', deadline, async () => {
        const r = await httpGet(`https://127.0.0.1:${cmPort}/healthz`, { insecure: true });
        return r.status === 200;
      }),
      waitUntil(sched, 'kube-scheduler /healthz', deadline, async () => {
        const r = await httpGet(`https://127.0.0.1:${schedPort}/healthz`, { insecure: true });
        return r.status === 200;
      }),
    ]);

    return {
      kubeconfigPath,
      server,
      token,
      binDir,
      tmpDir,
      logDir,
      auditLogPath,
      caCertPath: ca.certPath,
      contextName: CONTEXT_NAME,
      stop: async () => {
        if (stopped) return;
        stopped = true;
        await stopAll(!keep);
      },
    };
  } catch (err) {
    stopped = true;
    // Logs stay on disk after a failed start so the cause can be inspected.
    await stopAll(false).catch(() => undefined);
    const failure = err instanceof StartupError ? err : new StartupError((err as Error).message, false);
    failure.message += `\n(component logs kept in ${logDir})`;
    failure.tmpDir = tmpDir;
    throw failure;
  }
}

/**
 * Starts etcd, kube-apiserver, kube-controller-manager and kube-scheduler on loopback ports and waits
 * until all are healthy. Throws (never skips) when binaries are missing or a component fails.
 */
export async function startTestCluster(opts: TestClusterOptions = {}): Promise<TestCluster> {
  const { binDir, etcd } = resolveBinaries(opts);
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts, binDir, etcd);
    } catch (err) {
      // Free ports are probed then released, so another process may grab one in between: retry those.
      if (err instanceof StartupError && err.retryable && attempt < 3) {
        if (err.tmpDir) await rm(err.tmpDir, { recursive: true, force: true });
        continue;
      }
      throw err;
    }
  }
}

