// The local runtime: each instance a supervised process on this machine, with its own directories and loopback port.
import { EventEmitter } from 'node:events';
import { chmod, mkdir } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { dirname, join } from 'node:path';
import type { LeaderElector, LeaseTiming } from '../leader-elector.js';
import type { Text } from '../../i18n/locale.js';
import type { ClawLayout } from '../claw-layout.js';
import { RuntimeError, type LogOptions, type Observation, type Runtime, type RuntimeEvent, type RuntimeIsolation, type RuntimeTarget, type TenantQuota, type UsageReport } from '../runtime.js';
import type { InstanceRef, WorkloadSpec } from '../workload.js';
import { writeFileAtomic } from './atomic-file.js';
import { readGeneratedFiles } from './generated-files.js';
import { ClawUsers } from './claw-users.js';
import { DEFAULT_CRASH_BACKOFF } from './crash-history.js';
import { detectIsolation, type LocalIsolation } from './isolation.js';
import { assertLabel, instanceDirs, listInstanceDirs } from './instance-dirs.js';
import { DEFAULT_HEALTH_INTERVAL_MS, type LocalRuntimeOptions } from './local-runtime-options.js';
import { silentLogger, type Logger } from '../../util/logger.js';
import { readLog } from './log-files.js';
import { NpmInstaller } from './npm-installer.js';
import { PortAllocator } from './port-allocator.js';
import { ProcessSupervisor } from './process-supervisor.js';
import { readRuntimeRecord } from './runtime-file.js';
import { ResourceSampler } from './resource-sampler.js';
import { DbLeaseElector } from '../db-lease-elector.js';
import { NO_METER } from '../runtime-meter.js';

/** The lease every replica's reconciler campaigns for. */
const LEASE_NAME = 'reconciler';

export class LocalRuntime implements Runtime {
  readonly kind = 'local' as const;
  private readonly supervisors = new Map<string, ProcessSupervisor>();
  private readonly changes = new EventEmitter();
  /** The tenant.json each tenant was given by this process, so reconcile passes do not rewrite it. */
  private readonly tenantFiles = new Map<string, string>();
  private readonly installer: NpmInstaller;
  private readonly ports: PortAllocator;
  private readonly logger: Logger;
  private readonly host: string;
  private readonly localIsolation: LocalIsolation;
  private readonly users?: ClawUsers;
  private readonly sampler = new ResourceSampler();
  /** Adoption of processes left running by an earlier control plane; every operation waits for it. */
  private readonly adopted: Promise<void>;
  private closed = false;

  constructor(private readonly options: LocalRuntimeOptions) {
    this.logger = options.logger ?? silentLogger;
    this.host = options.host ?? '127.0.0.1';
    this.ports = new PortAllocator(this.host, options.portRange);
    this.installer = new NpmInstaller({
      cacheDir: options.cacheDir,
      ...(options.npmCommand ? { npmCommand: options.npmCommand } : {}),
      ...(options.installTimeoutMs ? { timeoutMs: options.installTimeoutMs } : {}),
      ...(options.installBackoff ? { failureBackoff: options.installBackoff } : {}),
    });
    const setting = options.isolation ?? 'auto';
    this.localIsolation = typeof setting === 'object'
      ? setting
      : detectIsolation(setting, { rootDir: options.rootDir, cacheDir: options.cacheDir, ownDir: dirname(options.rootDir) });
    if (this.localIsolation.mode === 'users') this.users = new ClawUsers(options.db, options.uidRange);
    if (this.localIsolation.reason) this.logger.warn({ isolation: this.localIsolation.mode }, this.localIsolation.reason.en);
    // Watchers are the reconciler and the API's status streams: more than EventEmitter's default 10 is normal.
    this.changes.setMaxListeners(0);
    this.adopted = this.prepareDirs().then(() => this.adoptAll()).catch((error: unknown) => this.logger.error({ err: error }, 'adopting running claw processes failed'));
  }

  isolation(): RuntimeIsolation {
    const { mode, tenants, reason } = this.localIsolation;
    return { mode, ...(tenants ? { tenants } : {}), ...(reason ? { reason } : {}) };
  }

  async usage(refs: readonly InstanceRef[]): Promise<UsageReport> {
    await this.adopted;
    const pids = new Map<string, number>();
    for (const ref of refs) {
      const pid = this.supervisors.get(supervisorKey(ref))?.runningPid;
      if (pid !== undefined) pids.set(ref.id, pid);
    }
    return { available: true, byInstance: await this.sampler.usage(pids, (ms) => sleep(ms)) };
  }

  /** Only claw types that declare a local process run here (ClawLayout.local); the others say why not. */
  unsupported(layout: ClawLayout): Text | undefined {
    return layout.local.runs ? undefined : layout.local.reason;
  }

  /** The instance's own port and directories; the claw type's layout decides only whether it can run here at all. */
  async target(ref: InstanceRef, layout: ClawLayout): Promise<RuntimeTarget> {
    const refusal = this.unsupported(layout);
    if (refusal) throw new RuntimeError('invalid', refusal.en);
    return (await this.supervisor(ref)).target(ref);
  }

  /** Locally a tenant is a directory; the quota is recorded for reference, not enforced. */
  async ensureTenant(tenant: string, quota: TenantQuota): Promise<void> {
    assertLabel('tenant', tenant);
    const content = `${JSON.stringify({ tenant, quota }, null, 2)}\n`;
    // Every reconcile pass comes here: write (and fsync) only what this process has not written already.
    if (this.tenantFiles.get(tenant) === content) return;
    const dir = join(this.options.rootDir, tenant);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    if (this.users) await chmod(dir, 0o711);
    await writeFileAtomic(join(dir, 'tenant.json'), content);
    (this.options.meter ?? NO_METER).write('file', 'updated');
    this.tenantFiles.set(tenant, content);
  }

  async apply(spec: WorkloadSpec): Promise<void> {
    await (await this.supervisor(spec.ref)).apply(spec);
  }

  async stop(ref: InstanceRef, options: { force: boolean; graceSeconds: number }): Promise<void> {
    (await this.supervisor(ref)).stop(options);
  }

  async destroy(ref: InstanceRef, options: { keepData: boolean }): Promise<void> {
    await (await this.supervisor(ref)).destroy(options);
  }

  async observe(ref: InstanceRef): Promise<Observation> {
    return (await this.supervisor(ref)).observe();
  }

  async files(ref: InstanceRef): Promise<Record<string, string> | undefined> {
    return readGeneratedFiles(instanceDirs(this.options.rootDir, ref).generated);
  }

  async logs(ref: InstanceRef, options: LogOptions): Promise<string[]> {
    const dirs = instanceDirs(this.options.rootDir, ref);
    return readLog(dirs.logFile, dirs.previousLogFile, options);
  }

  async events(ref: InstanceRef): Promise<RuntimeEvent[]> {
    return (await this.supervisor(ref)).events.read();
  }

  watch(onChange: (instanceId: string) => void, signal: AbortSignal): void {
    if (signal.aborted) return;
    const listener = (id: string) => {
      try {
        onChange(id);
      } catch (error) {
        this.logger.warn({ err: error, instance: id }, 'runtime watcher threw');
      }
    };
    this.changes.on('change', listener);
    signal.addEventListener('abort', () => this.changes.off('change', listener), { once: true });
  }

  leaderElector(identity: string, timing?: LeaseTiming): LeaderElector {
    return new DbLeaseElector(this.options.db, LEASE_NAME, identity, timing, (error, what) =>
      this.logger.warn({ err: error }, what),
    );
  }

  /** Stops timers and installs, and leaves every claw process running for the next control plane to adopt. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.adopted;
    this.installer.close();
    for (const supervisor of this.supervisors.values()) supervisor.detach();
    await Promise.all([...this.supervisors.values()].map((s) => s.flush()));
    this.changes.removeAllListeners();
  }

  private async supervisor(ref: Pick<InstanceRef, 'id' | 'tenant' | 'project' | 'name'>): Promise<ProcessSupervisor> {
    await this.adopted;
    return this.supervisorNow(ref);
  }

  private supervisorNow(ref: Pick<InstanceRef, 'id' | 'tenant' | 'project' | 'name'>): ProcessSupervisor {
    const key = supervisorKey(ref);
    let supervisor = this.supervisors.get(key);
    if (!supervisor) {
      if (this.closed) throw new Error('the local runtime is closed');
      supervisor = new ProcessSupervisor(ref, {
        rootDir: this.options.rootDir,
        host: this.host,
        healthIntervalMs: this.options.healthIntervalMs ?? DEFAULT_HEALTH_INTERVAL_MS,
        crashBackoff: this.options.crashBackoff ?? DEFAULT_CRASH_BACKOFF,
        installer: this.installer,
        ports: this.ports,
        logger: this.logger,
        meter: this.options.meter ?? NO_METER,
        isolation: this.localIsolation,
        ...(this.users ? { users: this.users } : {}),
        cacheDir: this.options.cacheDir,
        notify: (id) => this.changes.emit('change', id),
      });
      this.supervisors.set(key, supervisor);
    }
    return supervisor;
  }

  /**
   * As root, claws of other uids must pass through the data dir and the instances' root to their own directories, and
   * read the package cache: those become 0711 (passable, not listable) and 0755. Everything else in them stays 0600/0700.
   */
  private async prepareDirs(): Promise<void> {
    if (!this.users) return;
    const { rootDir, cacheDir } = this.options;
    await mkdir(rootDir, { recursive: true, mode: 0o700 });
    for (const dir of [dirname(rootDir), rootDir]) await chmod(dir, 0o711);
    await mkdir(cacheDir, { recursive: true, mode: 0o755 });
    await chmod(cacheDir, 0o755);
  }

  /** Every instance with a runtime.json: reserve its port, and adopt its process if it is still ours and alive. */
  private async adoptAll(): Promise<void> {
    for (const location of await listInstanceDirs(this.options.rootDir)) {
      const record = await readRuntimeRecord(instanceDirs(this.options.rootDir, location).runtimeFile);
      if (!record || this.closed) continue;
      await this.supervisorNow({ ...location, id: record.id }).adopt(record);
    }
  }
}

function supervisorKey(ref: Pick<InstanceRef, 'tenant' | 'project' | 'name'>): string {
  return `${ref.tenant}/${ref.project}/${ref.name}`;
}

export function createLocalRuntime(options: LocalRuntimeOptions): LocalRuntime {
  return new LocalRuntime(options);
}
