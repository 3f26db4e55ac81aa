// Supervises one instance: desired state, install, start, probes, restarts after crashes, stop, destroy, adoption after a restart.
import { dirname, isAbsolute } from 'node:path';
import { RuntimeError, type Observation, type RuntimeTarget } from '../runtime.js';
import type { RuntimeMeter } from '../runtime-meter.js';
import type { InstanceRef, ProcessSpec, WorkloadSpec } from '../workload.js';
import { CrashHistory, type CrashBackoff } from './crash-history.js';
import { EventLog } from './event-log.js';
import { writeGeneratedFiles } from './generated-files.js';
import { checkHealth } from './health-check.js';
import type { ClawUser, ClawUsers } from './claw-users.js';
import { createInstanceDirs, dataPresent, instanceDirs, removeInstanceDirs, resourcesPresent, type InstanceDirs } from './instance-dirs.js';
import { DEFAULT_DESTROY_GRACE_SECONDS } from './local-runtime-options.js';
import { describeSupervision } from './supervision-state.js';
import type { Logger } from '../../util/logger.js';
import { lastLogLine, rotateLog } from './log-files.js';
import type { LocalIsolation } from './isolation.js';
import { InstallError, type NpmInstaller, type ResolvedProcess } from './npm-installer.js';
import { isPortFree, type PortAllocator } from './port-allocator.js';
import { instanceMarker, processEnv } from './process-env.js';
import { bootId, isSameProcess } from './process-identity.js';
import { RuntimeRecordFile, type ProcessRecord, type RuntimeRecord } from './runtime-file.js';
import { SANDBOX_DEPTH, sandboxCommand } from './sandbox.js';
import { SupervisedProcess, type ProcessExit, type ProcessHooks, type StopReason } from './supervised-process.js';

/** A spec the local runtime can run: one with a process (ClawLayout.local says which claw types have one). */
type LocalSpec = WorkloadSpec & { process: ProcessSpec };

export interface SupervisorDeps {
  rootDir: string;
  host: string;
  healthIntervalMs: number;
  crashBackoff: CrashBackoff;
  installer: NpmInstaller;
  ports: PortAllocator;
  logger: Logger;
  meter: RuntimeMeter;
  isolation: LocalIsolation;
  /** Allocates each claw's uid (isolation `users`). */
  users?: ClawUsers;
  /** The package cache, which a sandboxed claw reads. */
  cacheDir: string;
  /** Tells watchers that something about the instance changed. */
  notify(id: string): void;
}

type Desired = { kind: 'run' } | { kind: 'stop' } | { kind: 'destroy'; keepData: boolean };

/** After an unexpected error in the supervision loop, try again after this long. */
const LOOP_RETRY_MS = 5_000;

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class ProcessSupervisor {
  readonly dirs: InstanceDirs;
  readonly events: EventLog;
  private id: string;
  /** The last applied spec, secrets included: memory only, never written anywhere. */
  private spec?: LocalSpec;
  private desired: Desired = { kind: 'stop' };
  private proc?: SupervisedProcess;
  private port?: number;
  private readonly crashes: CrashHistory;
  /** Restarts of the current workload (spec hash + restart generation). */
  private restarts = 0;
  private workloadKey?: string;
  private restartTimer?: NodeJS.Timeout;
  private restartAt?: number;
  private retryTimer?: NodeJS.Timeout;
  /** "exited with code 1: <last log line>" of the last unexpected exit. */
  private lastExit?: string;
  private installFailure?: InstallError;
  private startFailure?: string;
  private progress?: string;
  private looping = false;
  private dirty = false;
  private closed = false;
  private interruptWaiters: Array<() => void> = [];
  private destroying?: Promise<void>;
  private destroyWaiters: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
  /** Pids we started or adopted: a runtime.json naming one of them is not news (see refreshFromDisk). */
  private readonly knownPids = new Set<number>();
  private readonly record: RuntimeRecordFile;
  /** What watchers were last told about (see observedState): a notification without a change would only cost a reconcile. */
  private notified?: string;
  /** This process created the instance's directories (removeEverything deletes them again). */
  private dirsCreated = false;
  /** The user the claw runs as and its directories belong to (isolation `users`). */
  private owner?: ClawUser;
  /** <tenant>/<project>/<name>: what the claw's uid is recorded under. */
  private readonly location: string;

  constructor(
    ref: Pick<InstanceRef, 'id' | 'tenant' | 'project' | 'name'>,
    private readonly deps: SupervisorDeps,
  ) {
    this.id = ref.id;
    this.dirs = instanceDirs(deps.rootDir, ref);
    this.location = `${ref.tenant}/${ref.project}/${ref.name}`;
    this.record = new RuntimeRecordFile(this.dirs.runtimeFile, () => deps.meter.write('file', 'updated'));
    this.events = new EventLog(this.dirs.eventsFile, (error) => deps.logger.warn({ err: error, instance: this.id }, 'cannot record a runtime event'));
    this.crashes = new CrashHistory(deps.crashBackoff);
  }

  // ---- public operations (called by LocalRuntime) ----

  /** The running process (none while stopped, starting or exited). */
  get runningPid(): number | undefined {
    const proc = this.proc;
    return proc && !proc.gone ? proc.pid : undefined;
  }

  /** Creates the directories and keeps (or allocates once) the instance's port in runtime.json. */
  async target(ref: InstanceRef): Promise<RuntimeTarget> {
    await this.settleDestroy();
    const { tenants, reason } = this.deps.isolation;
    if (tenants && !tenants.includes(ref.tenant)) throw new RuntimeError('invalid', reason?.en ?? `the local runtime does not run claws of tenant ${ref.tenant}`);
    this.id = ref.id;
    // Every reconcile pass comes here: five mkdir calls a pass were most of a steady claw's cost.
    if (!this.dirsCreated) {
      if (this.deps.users) this.owner = await this.deps.users.userOf(this.location);
      await createInstanceDirs(this.dirs, this.owner);
      this.dirsCreated = true;
    }
    const port = await this.record.update(async (current) => {
      let port = current?.port;
      const ours = this.proc !== undefined || (current?.process !== undefined && (await isSameProcess(current.process, instanceMarker(current.id))));
      // Another program took the port while our claw was down: move, rather than start a claw that cannot bind.
      if (port !== undefined && !ours && !(await isPortFree(port, this.deps.host))) {
        this.deps.logger.warn({ instance: ref.id, port }, 'instance port is taken by another program; allocating a new one');
        this.deps.ports.release(port);
        port = undefined;
      }
      if (port === undefined) port = await this.deps.ports.allocate();
      else this.deps.ports.reserve(port);
      const same = current?.port === port && current.id === ref.id && current.tenant === ref.tenant && current.project === ref.project && current.name === ref.name;
      // Every reconcile pass comes here: rewrite (and fsync) runtime.json only when something changed.
      if (same) return { result: port };
      const next: RuntimeRecord = { version: 1, id: ref.id, tenant: ref.tenant, project: ref.project, name: ref.name, port, ...(current?.process ? { process: current.process } : {}) };
      return { next, result: port };
    });
    this.port = port;
    return {
      kind: 'process',
      bind: 'loopback',
      port,
      configDir: this.dirs.config,
      dataDir: this.dirs.data,
      logFile: this.dirs.clawLogFile,
      filesDir: this.dirs.generated,
    };
  }

  /**
   * Writes the files and remembers the spec; installation and (re)start happen in the background. Files for a process
   * that keeps running (same spec hash: a change the claw applies in place) are rewritten now, each atomically, for the
   * claw's config watcher; files for a replacement wait until the old process is gone, so it never sees a change it
   * would have to restart for (OpenClaw would restart itself in-process).
   */
  async apply(workload: WorkloadSpec): Promise<void> {
    const { process } = workload;
    if (!process) throw new RuntimeError('invalid', `a ${workload.type} claw has no local process to run`);
    const spec: LocalSpec = { ...workload, process };
    if ('script' in spec.process.entry && !isAbsolute(spec.process.entry.script)) {
      throw new RuntimeError('invalid', `process entry script must be an absolute path, got "${spec.process.entry.script}"`);
    }
    await this.target(spec.ref);
    const proc = this.proc;
    if (!proc || (!proc.stopping && this.matches(proc.record, spec))) await this.writeFiles(spec);
    const key = `${spec.specHash}/${spec.restartGeneration}`;
    if (key !== this.workloadKey) {
      // A new workload: its restarts and crash history start from zero, like a new pod.
      this.workloadKey = key;
      this.restarts = 0;
      this.crashes.reset();
      this.clearRestartTimer();
      this.lastExit = undefined;
    }
    const changed = this.spec?.specHash !== spec.specHash || this.spec?.restartGeneration !== spec.restartGeneration || this.desired.kind !== 'run';
    this.spec = spec;
    this.desired = { kind: 'run' };
    this.startFailure = undefined;
    if (changed) this.interrupt();
    // Every reconcile pass applies: a process that already runs this spec needs no supervision pass.
    if (changed || !this.proc) this.kick();
  }

  /** Sends SIGTERM (SIGKILL after the grace) or, with force, SIGKILL at once; returns without waiting for the exit. */
  stop(options: { force: boolean; graceSeconds: number }): void {
    // A destroy in progress includes the stop; a forced stop may still hurry it along.
    if (this.desired.kind === 'destroy') {
      if (this.proc && options.force) this.terminate(this.proc, 'destroy', 0);
      return;
    }
    this.desired = { kind: 'stop' };
    this.clearRestartTimer();
    this.startFailure = undefined;
    if (this.proc) this.terminate(this.proc, 'stop', options.force ? 0 : options.graceSeconds);
    this.interrupt();
    this.kick();
    this.notify();
  }

  /**
   * Stops the process (its spec's grace, or 10 s) and deletes the instance directory (but data/ with keepData) once it has
   * exited. Like deleting a pod, this does not wait for a graceful exit: observe() shows `terminating` until everything is gone.
   * Without a running process it returns after the deletion.
   */
  async destroy(options: { keepData: boolean }): Promise<void> {
    if (this.desired.kind !== 'destroy') {
      this.desired = { kind: 'destroy', keepData: options.keepData };
      this.clearRestartTimer();
      const done = new Promise<void>((resolve, reject) => this.destroyWaiters.push({ resolve, reject }));
      const destroying = done.finally(() => {
        if (this.destroying === destroying) this.destroying = undefined;
      });
      // Failures reach the caller that waits (below) and the log; a caller that does not wait retries destroy later.
      destroying.catch(() => undefined);
      this.destroying = destroying;
    } else if (!options.keepData) {
      this.desired = { kind: 'destroy', keepData: false };
    }
    if (this.proc) this.terminate(this.proc, 'destroy', this.proc.record.graceSeconds ?? DEFAULT_DESTROY_GRACE_SECONDS);
    this.interrupt();
    this.kick();
    if (!this.proc) await this.destroying;
  }

  async observe(): Promise<Observation> {
    await this.refreshFromDisk();
    const [resources, data] = await Promise.all([resourcesPresent(this.dirs), dataPresent(this.dirs)]);
    const proc = this.proc;
    return describeSupervision({
      host: this.deps.host, port: this.port, restarts: this.restarts, resourcesPresent: resources, dataPresent: data,
      desired: this.desired.kind, hasSpec: this.spec !== undefined, looping: this.looping, crashLooping: this.crashes.isLooping(),
      lastExit: this.lastExit, installFailure: this.installFailure?.message, startFailure: this.startFailure, restartAt: this.restartAt, progress: this.progress,
      process: proc && { record: proc.record, ready: proc.ready, everReady: proc.everReady, stopping: proc.stopping?.reason },
    }, Date.now());
  }

  /** Adopts the process runtime.json names if it is still ours and alive; forgets it otherwise. */
  async adopt(record: RuntimeRecord): Promise<void> {
    this.id = record.id;
    this.port = record.port;
    this.deps.ports.reserve(record.port);
    const recorded = record.process;
    if (!recorded || this.proc || this.knownPids.has(recorded.pid)) return;
    this.knownPids.add(recorded.pid);
    if (!(await isSameProcess(recorded, instanceMarker(record.id)))) {
      this.events.record('Warning', 'Lost', `pid ${recorded.pid} (started ${recorded.startedAt}) ended while no control plane was watching it`);
      await this.record.clearProcess(recorded.pid);
      this.notify();
      return;
    }
    const proc: SupervisedProcess = SupervisedProcess.adopt({ ...recorded }, this.hooksFor(() => proc));
    this.proc = proc;
    this.desired = { kind: 'run' };
    this.workloadKey = `${recorded.specHash}/${recorded.restartGeneration}`;
    this.events.record('Normal', 'Adopted', `adopted pid ${recorded.pid}, running since ${recorded.startedAt}`);
    this.deps.logger.info({ instance: this.id, pid: recorded.pid }, 'adopted a running claw process');
    if (recorded.killAt !== undefined) {
      // A stop was under way when the previous control plane went away: finish it (SIGTERM was already sent).
      this.desired = { kind: 'stop' };
      this.terminate(proc, 'stop', Math.max(0, (Date.parse(recorded.killAt) - Date.now()) / 1000), true);
    }
    this.notify();
  }

  /** Stops timers and forgets child handles; the process keeps running for the next control plane to adopt. */
  detach(): void {
    this.closed = true;
    this.clearRestartTimer();
    clearTimeout(this.retryTimer);
    this.proc?.detach();
    this.interrupt();
    for (const waiter of this.destroyWaiters.splice(0)) waiter.reject(new RuntimeError('unavailable', 'the local runtime closed during destroy'));
  }

  /** Resolves when runtime.json and events.jsonl writes issued so far are done. */
  async flush(): Promise<void> {
    await this.record.flushed();
    await this.events.flush().catch(() => undefined);
  }

  // ---- the supervision loop: one pass at a time, re-run while something changed ----

  private kick(): void {
    this.dirty = true;
    if (!this.looping && !this.closed) void this.loop();
  }

  private async loop(): Promise<void> {
    this.looping = true;
    try {
      while (this.dirty && !this.closed) {
        this.dirty = false;
        await this.step();
      }
    } catch (error) {
      this.deps.logger.error({ err: error, instance: this.id }, 'local runtime supervision step failed');
      this.startFailure = errorMessage(error);
      for (const waiter of this.destroyWaiters.splice(0)) waiter.reject(error);
      if (!this.closed) this.retryTimer = setTimeout(() => this.kick(), LOOP_RETRY_MS);
    } finally {
      this.looping = false;
      this.notify();
    }
  }

  /** One pass toward the desired state: end a process that should not run (and wait for it), delete, or install and start. */
  private async step(): Promise<void> {
    const proc = this.proc;
    if (proc) {
      if (!proc.stopping) {
        if (this.desired.kind === 'run' && (!this.spec || this.matches(proc.record, this.spec))) return;
        const reason: StopReason = this.desired.kind === 'run' ? 'replace' : this.desired.kind;
        this.terminate(proc, reason, proc.record.graceSeconds ?? DEFAULT_DESTROY_GRACE_SECONDS);
      }
      await proc.exited;
      this.dirty = true;
      return;
    }
    if (this.desired.kind === 'destroy') return this.removeEverything(this.desired.keepData);
    if (this.desired.kind !== 'run' || !this.spec || this.restartTimer) return;
    const spec = this.spec;
    const installing: string[] = [];
    const outcome = await this.untilInterrupted(
      this.deps.installer.resolve(spec.process, (progress) => {
        installing.push(progress);
        this.events.record('Normal', 'InstallStarted', progress);
        this.setProgress(progress);
      }),
    );
    if (this.closed) return;
    if ('interrupted' in outcome) {
      this.dirty = true;
      return;
    }
    if ('error' in outcome) {
      if (!(outcome.error instanceof InstallError)) throw outcome.error;
      // The installer hands back the same error object until its back-off ends: record each failure once.
      if (outcome.error !== this.installFailure) this.events.record('Warning', 'InstallFailed', outcome.error.message);
      this.installFailure = outcome.error;
      this.progress = undefined;
      this.notify();
      return;
    }
    if (installing.length > 0) this.events.record('Normal', 'Installed', installing.map((p) => p.replace(/^installing /, '')).join(', '));
    this.installFailure = undefined;
    if (this.spec !== spec || this.desired.kind !== 'run') {
      this.dirty = true;
      return;
    }
    await this.start(spec, outcome.value);
  }

  /** Races background work against a stop, destroy or new spec; the work itself continues (an install is shared). */
  private untilInterrupted<T>(work: Promise<T>): Promise<{ value: T } | { error: unknown } | { interrupted: true }> {
    return new Promise((resolve) => {
      const onInterrupt = () => resolve({ interrupted: true });
      this.interruptWaiters.push(onInterrupt);
      work
        .then(
          (value) => resolve({ value }),
          (error: unknown) => resolve({ error }),
        )
        .finally(() => {
          this.interruptWaiters = this.interruptWaiters.filter((w) => w !== onInterrupt);
        });
    });
  }

  private interrupt(): void {
    for (const waiter of this.interruptWaiters.splice(0)) waiter();
  }

  /** A process from an older restart generation is replaced; one from a newer generation (a stale apply) is kept. */
  private matches(record: ProcessRecord, spec: LocalSpec): boolean {
    return record.specHash === spec.specHash && record.restartGeneration >= spec.restartGeneration;
  }

  /** The spec's files into generated/: only what differs is written (an unchanged spec writes nothing). */
  private async writeFiles(spec: LocalSpec): Promise<void> {
    const { written, removed } = await writeGeneratedFiles(this.dirs.generated, spec.files, this.owner ? 'group' : 'owner');
    for (let i = 0; i < written; i++) this.deps.meter.write('file', 'updated');
    for (let i = 0; i < removed; i++) this.deps.meter.write('file', 'deleted');
  }

  private async start(spec: LocalSpec, resolved: ResolvedProcess): Promise<void> {
    this.setProgress('starting');
    // Never as root: a claw adopted after a restart and started again may not have been through target() yet.
    if (this.deps.users) this.owner ??= await this.deps.users.userOf(this.location);
    await createInstanceDirs(this.dirs, this.owner);
    // A replacement's files were held back while its predecessor ran (apply); the claw starts with them.
    await this.writeFiles(spec);
    await rotateLog(this.dirs.logFile, this.dirs.previousLogFile);
    const boot = await bootId();
    if (this.closed) return;
    const launch = this.launch([resolved.nodeBin, resolved.entryPath, ...spec.process.args], resolved);
    let proc: SupervisedProcess;
    try {
      proc = SupervisedProcess.spawn(
        launch.command,
        { cwd: this.dirs.home, env: processEnv(spec, resolved.nodeBinDir, this.dirs.home, launch.env), logFile: this.dirs.logFile, ...launch.user },
        {
          ...(launch.wrapperDepth ? { wrapperDepth: launch.wrapperDepth } : {}),
          bootId: boot,
          specHash: spec.specHash,
          restartGeneration: spec.restartGeneration,
          port: spec.port,
          graceSeconds: spec.terminationGraceSeconds,
          probes: spec.probes,
        },
        this.hooksFor(() => proc),
      );
    } catch (error) {
      this.startFailure = errorMessage(error);
      this.events.record('Warning', 'StartFailed', this.startFailure);
      this.progress = undefined;
      return;
    }
    this.proc = proc;
    this.knownPids.add(proc.pid);
    this.progress = undefined;
    proc.started = !proc.record.probes.startup;
    await proc.identify();
    if (!proc.gone) await this.record.setProcess(proc.record);
    this.events.record('Normal', 'Started', `started pid ${proc.pid} (spec ${spec.specHash.slice(0, 12)}, generation ${spec.restartGeneration})`);
    this.deps.logger.info({ instance: this.id, pid: proc.pid, port: spec.port }, 'claw process started');
    this.notify();
  }

  /** The command line, user and environment changes that isolate the claw (see isolation.ts). */
  private launch(command: string[], resolved: ResolvedProcess): {
    command: string[];
    user?: ClawUser;
    env: Record<string, string | undefined>;
    wrapperDepth?: number;
  } {
    const { mode, bwrap } = this.deps.isolation;
    if (this.owner) return { command, user: this.owner, env: { USER: undefined, LOGNAME: undefined } };
    if (mode !== 'sandbox' || !bwrap) return { command, env: {} };
    const d = this.dirs;
    // The Node it runs with: its installation (a directory up from bin/), unless the system's /usr or the cache has it.
    const readOnly = [this.deps.cacheDir, dirname(dirname(resolved.nodeBin)), dirname(resolved.entryPath), d.generated];
    const wrapped = sandboxCommand(bwrap, command, { writable: [d.config, d.data, d.home, d.appLogs], readOnly, cwd: d.home });
    return { command: wrapped, env: { TMPDIR: '/tmp' }, wrapperDepth: SANDBOX_DEPTH };
  }

  /** Hooks for a process that does not exist yet when they are made: `current` returns it once it does. */
  private hooksFor(current: () => SupervisedProcess): ProcessHooks {
    return {
      tickMs: this.deps.healthIntervalMs,
      onTick: () => this.healthTick(current()),
      onExit: (exit) => this.onExit(current(), exit),
    };
  }

  // ---- stopping, exits and health ----

  /** Asks the process to stop (SupervisedProcess.terminate) and records it, in runtime.json too so a successor finishes it. */
  private terminate(proc: SupervisedProcess, reason: StopReason, graceSeconds: number, alreadySignalled = false): void {
    const outcome = proc.terminate(reason, graceSeconds, alreadySignalled);
    if (!outcome) return;
    if (outcome === 'began' && graceSeconds > 0 && !alreadySignalled) {
      this.events.record('Normal', 'Stopping', `sent SIGTERM to pid ${proc.pid} (${reason}), SIGKILL after ${graceSeconds}s`);
    }
    void this.record.setProcess(proc.record).catch(() => undefined);
    this.notify();
  }

  /** Bookkeeping first (synchronously, so nothing restarts it before the back-off is set), then the events with the last log line. */
  private onExit(proc: SupervisedProcess, exit: ProcessExit): void {
    if (this.proc === proc) this.proc = undefined;
    if (this.closed) return;
    const { pid } = proc;
    const { code, signal, stopping } = exit;
    const how = code !== null ? `exited with code ${code}` : signal ? `killed by ${signal}` : 'exited';
    // Stops we asked for end quietly; crashes and failed probes count as restarts and start it again after a back-off.
    const expected = stopping && (stopping.reason === 'stop' || stopping.reason === 'replace' || stopping.reason === 'destroy');
    let delayMs: number | undefined;
    if (!expected) {
      this.restarts++;
      this.crashes.record();
      this.lastExit = how;
      if (this.desired.kind === 'run' && this.spec) {
        delayMs = this.crashes.delayMs();
        this.scheduleRestart(delayMs);
      }
    }
    void (async () => {
      const line = await lastLogLine(this.dirs.logFile).catch(() => undefined);
      if (expected) {
        if (stopping.killed) this.events.record('Warning', 'Killed', `killed pid ${pid} (${stopping.reason})`);
        else this.events.record('Normal', 'Stopped', `pid ${pid} ${how} (${stopping.reason})`);
      } else {
        const message = line ? `${how}: ${line}` : how;
        this.lastExit = message;
        if (stopping) this.events.record('Warning', 'Killed', `killed pid ${pid} after its ${stopping.reason} probe failed`);
        else this.events.record('Warning', code === 0 ? 'Exited' : 'Crashed', `pid ${pid} ${message}`);
        if (delayMs !== undefined) this.events.record('Warning', 'Restarting', `restarting in ${(delayMs / 1000).toFixed(1)}s (restart ${this.restarts})`);
      }
      await this.record.clearProcess(pid);
    })()
      .catch((error: unknown) => this.deps.logger.warn({ err: error, instance: this.id }, 'cannot record a process exit'))
      .finally(() => this.notify());
    this.notify();
    this.kick();
  }

  private scheduleRestart(delayMs: number): void {
    this.clearRestartTimer();
    this.restartAt = Date.now() + delayMs;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.restartAt = undefined;
      this.kick();
    }, delayMs);
  }

  private clearRestartTimer(): void {
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    this.restartAt = undefined;
  }

  private async healthTick(proc: SupervisedProcess): Promise<void> {
    if (this.closed) return;
    const verdict = await checkHealth(proc, this.deps.host);
    if (proc.gone || proc.stopping) return;
    if (verdict.readyChanged) {
      if (proc.ready && !proc.everReady) this.events.record('Normal', 'Ready', `pid ${proc.pid} is ready`);
      else if (!proc.ready) this.events.record('Warning', 'Unhealthy', `readiness probe ${proc.record.probes.readiness?.path ?? ''} failed`);
      proc.everReady ||= proc.ready;
      this.notify();
    }
    if (verdict.unhealthy) {
      // A failed liveness or startup probe: stop it with its grace; onExit counts a restart and starts it again.
      this.events.record('Warning', 'Unhealthy', verdict.unhealthy.message);
      this.deps.logger.warn({ instance: this.id, pid: proc.pid }, verdict.unhealthy.message);
      this.terminate(proc, verdict.unhealthy.probe, proc.record.graceSeconds ?? DEFAULT_DESTROY_GRACE_SECONDS);
    }
  }

  // ---- disk ----

  /** Another replica sharing rootDir may have started the process: adopt what runtime.json names if we do not know it. */
  private async refreshFromDisk(): Promise<void> {
    if (this.proc || this.looping || this.closed || this.desired.kind === 'destroy') return;
    const record = await this.record.read();
    if (record?.process && !this.knownPids.has(record.process.pid)) await this.adopt(record);
  }

  private async removeEverything(keepData: boolean): Promise<void> {
    await this.flush();
    await removeInstanceDirs(this.dirs, keepData);
    this.dirsCreated = false;
    // Kept with the data: a later instance of this name gets its files back, owned by the same uid.
    if (this.deps.users && !keepData) await this.deps.users.release(this.location);
    this.owner = undefined;
    if (this.port !== undefined) this.deps.ports.release(this.port);
    this.port = undefined;
    this.spec = undefined;
    this.desired = { kind: 'stop' };
    this.workloadKey = undefined;
    this.restarts = 0;
    this.crashes.reset();
    this.lastExit = undefined;
    this.installFailure = undefined;
    this.startFailure = undefined;
    this.progress = undefined;
    this.deps.logger.info({ instance: this.id, keepData }, 'instance directory removed');
    for (const waiter of this.destroyWaiters.splice(0)) waiter.resolve();
    this.notify();
  }

  private async settleDestroy(): Promise<void> {
    while (this.destroying) await this.destroying.catch(() => undefined);
  }

  private setProgress(progress: string): void {
    if (progress === this.progress) return;
    this.progress = progress;
    this.notify();
  }

  /**
   * Tells watchers when what observe() reports may differ from what they were last told. The supervision loop and
   * every event end with notify(); an unchanged state is not news, so a steady claw costs no reconcile passes.
   */
  private notify(): void {
    const state = this.observedState();
    if (state === this.notified) {
      this.deps.meter.notification('suppressed');
      return;
    }
    this.notified = state;
    this.deps.meter.notification('sent');
    this.deps.notify(this.id);
  }

  /** Everything observe() derives its answer from that lives in memory (the directories only change with these). */
  private observedState(): string {
    const proc = this.proc;
    return JSON.stringify([
      this.id, this.desired, this.spec?.specHash, this.spec?.restartGeneration, this.port, this.restarts, this.crashes.isLooping(),
      this.lastExit, this.installFailure?.message, this.startFailure, this.restartAt, this.progress, this.looping,
      proc && [proc.pid, proc.record.specHash, proc.record.restartGeneration, proc.stopping?.reason, proc.ready, proc.everReady],
    ]);
  }
}
