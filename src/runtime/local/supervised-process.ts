// One claw process: spawned by us or adopted from an earlier control plane; signalled as a tree; its exit noticed exactly once.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { LAUNCH_MARKER_VAR } from './process-env.js';
import {
  descendantAtSync,
  descendants,
  descendantsSync,
  SHARED_SCAN_MAX_AGE_MS,
  environEntrySync,
  isSameProcess,
  isStillSighted,
  killSighted,
  processesWithEnv,
  readProcStat,
  signal,
  untilGone,
  type ProcessSighting,
} from './process-identity.js';
import type { ProcessRecord } from './runtime-file.js';

/** Why we end a process: a stop or destroy, a new spec, or a failed probe (the last two start it again). */
export type StopReason = 'stop' | 'destroy' | 'replace' | 'liveness' | 'startup';

export interface ProcessExit {
  /** Unknown (null) for an adopted process: it is not our child, so its status goes to whoever reaps it. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when we asked it to stop; `killed` when it took a SIGKILL. */
  stopping?: { reason: StopReason; killed: boolean };
}

export interface ProcessHooks {
  /** Called once, after timers are cleared and leftover helpers are killed and gone (or did not die within HELPER_KILL_WAIT_MS). */
  onExit(exit: ProcessExit): void;
  /** Periodic health work (probes), every tickMs while the process runs. */
  onTick(): Promise<void>;
  tickMs: number;
}

/** Adopted processes are not our children, so there is no exit event: /proc is polled this often. */
const EXIT_POLL_MS = 200;
/** How often a process's descendants are listed (a /proc scan), so none outlives it unnoticed. */
const HELPER_SCAN_MS = 5_000;
/** SIGKILL takes effect at once unless a helper is stuck in the kernel (D state); an exit is not held back longer than this. */
const HELPER_KILL_WAIT_MS = 2_000;

export class SupervisedProcess {
  /** Last readiness verdict. */
  ready = false;
  everReady = false;
  /** The startup probe passed (or there is none): liveness counts only from here, as on Kubernetes. */
  started = false;
  livenessFailures = 0;
  lastLivenessAt = 0;
  lastReadinessAt = 0;
  stopping?: { reason: StopReason; killAt: number; killed: boolean };
  gone = false;
  /** Resolves when the process has exited (and onExit ran). */
  readonly exited: Promise<void>;
  private markExited!: () => void;
  private readonly tickTimer: NodeJS.Timeout;
  private exitPollTimer?: NodeJS.Timeout;
  private killTimer?: NodeJS.Timeout;
  private ticking = false;
  private polling = false;
  /**
   * Its descendants as sighted so far (pruned of the dead): helpers in their own process group (OpenClaw's spawn broker)
   * die with it. Kept once sighted, because a helper whose parent helper died is no longer found through ppid links.
   */
  private helpers: ProcessSighting[] = [];
  private helpersAt = 0;

  private constructor(
    readonly record: ProcessRecord,
    private readonly child: ChildProcess | undefined,
    private readonly hooks: ProcessHooks,
    /** "CLUSTERCLAW_LAUNCH_ID=<uuid>" in its environment, when it has one: finds its orphaned helpers after it exits. */
    private readonly launchMarker: string | undefined,
  ) {
    this.exited = new Promise<void>((resolve) => {
      this.markExited = resolve;
    });
    this.tickTimer = setInterval(() => void this.tick(), hooks.tickMs);
    if (child) {
      child.once('exit', (code, sig) => this.handleExit({ code, signal: sig }));
    } else {
      this.exitPollTimer = setInterval(() => void this.pollExit(), EXIT_POLL_MS);
    }
  }

  /**
   * Starts `command` detached (its own process group: a Ctrl-C or crash of the control plane does not reach it) with
   * stdout and stderr appended to logFile. Synchronous up to the spawn, so no exit can be missed; throws when it cannot start.
   */
  static spawn(
    command: string[],
    options: { cwd: string; env: Record<string, string>; logFile: string; uid?: number; gid?: number },
    record: Omit<ProcessRecord, 'pid' | 'startTicks' | 'startedAt' | 'command'>,
    hooks: ProcessHooks,
  ): SupervisedProcess {
    const fd = openSync(options.logFile, 'a', 0o600);
    const launchId = randomUUID();
    const env = { ...options.env, [LAUNCH_MARKER_VAR]: launchId };
    let child: ChildProcess;
    try {
      // With uid and gid, libuv also drops the control plane's supplementary groups before the exec.
      const user = options.uid === undefined ? {} : { uid: options.uid, gid: options.gid ?? options.uid };
      child = spawn(command[0]!, command.slice(1), { cwd: options.cwd, env, detached: true, stdio: ['ignore', fd, fd], ...user });
    } finally {
      closeSync(fd);
    }
    // Without a listener an 'error' event (ENOENT, EACCES) would crash the control plane.
    child.on('error', () => undefined);
    if (child.pid === undefined) throw new Error(`cannot start ${command[0]}`);
    child.unref();
    const full = { ...record, pid: child.pid, startTicks: -1, startedAt: new Date().toISOString(), command };
    return new SupervisedProcess(full, child, hooks, `${LAUNCH_MARKER_VAR}=${launchId}`);
  }

  /** Supervises a process an earlier control plane started (its identity checked by the caller). */
  static adopt(record: ProcessRecord, hooks: ProcessHooks): SupervisedProcess {
    // Read while it runs (the caller just checked it): a process from an older control plane may have no launch marker.
    const proc = new SupervisedProcess(record, undefined, hooks, environEntrySync(record.pid, LAUNCH_MARKER_VAR));
    proc.started = true;
    return proc;
  }

  get pid(): number {
    return this.record.pid;
  }

  /** Reads the start tick that tells this process from a later one with the same pid (readable until it is reaped). */
  async identify(): Promise<void> {
    this.record.startTicks = (await readProcStat(this.pid))?.startTicks ?? -1;
  }

  /**
   * SIGTERM now, SIGKILL to the whole tree at the deadline (at once when graceSeconds is 0). A later call may only bring
   * the deadline forward. Says whether this call began the stop, hastened it, or changed nothing.
   */
  terminate(reason: StopReason, graceSeconds: number, alreadySignalled = false): 'began' | 'hastened' | undefined {
    if (this.gone) return undefined;
    const killAt = Date.now() + Math.max(0, graceSeconds) * 1000;
    let outcome: 'began' | 'hastened';
    if (this.stopping) {
      if (killAt >= this.stopping.killAt) return undefined;
      this.stopping.killAt = killAt;
      outcome = 'hastened';
    } else {
      this.stopping = { reason, killAt, killed: false };
      this.ready = false;
      // Listed before the signal and without yielding: a claw that exits at once would orphan its helpers, and orphans
      // are found only through the launch marker, which a helper that cleared its environment does not carry.
      this.remember(descendantsSync(this.pid));
      // Only the main process: it forwards the signal to its workers itself, and a second SIGTERM may mean "hurry" to it.
      if (graceSeconds > 0 && !alreadySignalled) signal(this.claw(), 'SIGTERM');
      outcome = 'began';
    }
    this.record.killAt = new Date(killAt).toISOString();
    clearTimeout(this.killTimer);
    this.killTimer = setTimeout(() => void this.kill(), Math.max(0, killAt - Date.now()));
    return outcome;
  }

  /** The claw itself: pid, or the process wrapperDepth generations below it (a sandbox's), while that exists. */
  private claw(): number {
    const depth = this.record.wrapperDepth ?? 0;
    return depth > 0 ? (descendantAtSync(this.pid, depth)?.pid ?? this.pid) : this.pid;
  }

  /** Stops watching; the process keeps running (a control-plane restart must not restart claws). */
  detach(): void {
    clearInterval(this.tickTimer);
    clearInterval(this.exitPollTimer);
    clearTimeout(this.killTimer);
    this.child?.removeAllListeners('exit');
  }

  /** SIGKILL to the process and every descendant, listed first: once the parent dies they are orphans we cannot find. */
  private async kill(): Promise<void> {
    if (this.gone || !this.stopping) return;
    this.stopping.killed = true;
    const tree = await descendants(this.pid).catch(() => [] as ProcessSighting[]);
    // Remembered even when it exited meanwhile: the exit's sweep kills what was sighted.
    this.remember(tree);
    if (this.gone) return;
    signal(this.pid, 'SIGKILL');
    await killSighted(this.helpers);
  }

  private async tick(): Promise<void> {
    if (this.ticking || this.gone) return;
    this.ticking = true;
    try {
      if (Date.now() - this.helpersAt >= HELPER_SCAN_MS) await this.snapshotHelpers();
      if (!this.gone && !this.stopping) await this.hooks.onTick();
    } finally {
      this.ticking = false;
    }
  }

  private async snapshotHelpers(): Promise<void> {
    this.helpersAt = Date.now();
    const found = await descendants(this.pid, SHARED_SCAN_MAX_AGE_MS).catch(() => undefined);
    if (!found) return;
    // Prune the dead so a claw that runs for weeks, starting short-lived helpers, does not grow the list. By identity,
    // not position: a stop may add sightings while this looks.
    const known = [...this.helpers];
    const alive = await Promise.all(known.map((h) => isStillSighted(h)));
    const dead = new Set(known.filter((_, i) => !alive[i]));
    this.helpers = this.helpers.filter((h) => !dead.has(h));
    this.remember(found);
  }

  private remember(sightings: ProcessSighting[]): void {
    const known = new Set(this.helpers.map((h) => `${h.pid}/${h.startTicks}`));
    for (const s of sightings) if (!known.has(`${s.pid}/${s.startTicks}`)) this.helpers.push(s);
  }

  /**
   * Kills every helper left after the claw exited and waits for them to go: those sighted while it ran, and the orphans
   * found by its launch marker (started since the last listing, or during its last milliseconds).
   */
  private async sweepHelpers(): Promise<void> {
    const orphans = this.launchMarker ? await processesWithEnv(this.launchMarker).catch(() => [] as ProcessSighting[]) : [];
    this.remember(orphans);
    const left = [...this.helpers];
    await killSighted(left);
    await untilGone(left, HELPER_KILL_WAIT_MS);
  }

  private async pollExit(): Promise<void> {
    if (this.polling || this.gone) return;
    this.polling = true;
    try {
      if (!(await isSameProcess(this.record))) this.handleExit({ code: null, signal: null });
    } finally {
      this.polling = false;
    }
  }

  private handleExit(exit: Omit<ProcessExit, 'stopping'>): void {
    if (this.gone) return;
    this.gone = true;
    this.ready = false;
    this.detach();
    // Members of its process group would outlive it (and hold the port); the group id cannot be reused while they exist.
    if (this.child) signal(-this.pid, 'SIGKILL');
    // Helpers in groups of their own are orphans now; they would keep writing into a directory we may delete, or hold
    // the port. The exit (and so a stop) is reported only once they are gone, so "stopped" means nothing of it runs.
    void this.sweepHelpers()
      .catch(() => undefined)
      .finally(() => {
        this.hooks.onExit({ ...exit, ...(this.stopping ? { stopping: { reason: this.stopping.reason, killed: this.stopping.killed } } : {}) });
        this.markExited();
      });
  }
}
