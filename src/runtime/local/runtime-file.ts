// runtime.json: what must survive a control-plane restart (port, and the running process's identity). Never secrets.
import type { HttpProbe } from '../workload.js';
import { readJsonFile, writeFileAtomic } from './atomic-file.js';

/** Identity and origin of a process we started, enough to recognise and adopt it after a restart. */
export interface ProcessRecord {
  pid: number;
  /** /proc/<pid>/stat starttime (clock ticks since boot): with bootId, tells our process from a reused pid. */
  startTicks: number;
  bootId: string;
  startedAt: string;
  /** argv as spawned; informational, because claws may rewrite their /proc cmdline (OpenClaw sets process.title). */
  command: string[];
  specHash: string;
  restartGeneration: number;
  /** Port the process was told to listen on (spec.port), probed for health. */
  port: number;
  /** Grace of the spec it was started from: a later stop or destroy without a spec in memory uses it. */
  graceSeconds: number;
  probes: { liveness?: ProbeRecord; readiness?: ProbeRecord; startup?: ProbeRecord };
  /**
   * Processes between pid and the claw itself (2 inside bubblewrap: its monitor and its pid 1). A stop's SIGTERM goes
   * to the claw: bwrap would die of it at once and take the claw down without its graceful shutdown.
   */
  wrapperDepth?: number;
  /** Set while a stop is in progress, so a control plane that restarts meanwhile finishes it (SIGKILL at the deadline). */
  killAt?: string;
}

/** Probes are kept as the workload gave them. */
export type ProbeRecord = HttpProbe;

export interface RuntimeRecord {
  version: 1;
  /** The instance's id in the database (watch() reports it). */
  id: string;
  tenant: string;
  project: string;
  name: string;
  /** Allocated once and kept, so the claw's URL is stable across restarts of either side. */
  port: number;
  process?: ProcessRecord;
}

export function readRuntimeRecord(path: string): Promise<RuntimeRecord | undefined> {
  return readJsonFile<RuntimeRecord>(path);
}

export function writeRuntimeRecord(path: string, record: RuntimeRecord): Promise<void> {
  return writeFileAtomic(path, `${JSON.stringify(record, null, 2)}\n`, 0o600);
}

/**
 * One instance's runtime.json, changed by serialised read-modify-writes so a late write never undoes an earlier one.
 * Every reconcile pass asks it for the port: a change that returns no `next` writes nothing.
 */
export class RuntimeRecordFile {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly path: string,
    /** Counts each write (the runtime meter). */
    private readonly onWrite: () => void,
  ) {}

  read(): Promise<RuntimeRecord | undefined> {
    return readRuntimeRecord(this.path);
  }

  update<T>(change: (current: RuntimeRecord | undefined) => Promise<{ next?: RuntimeRecord; result: T }>): Promise<T> {
    const run = this.queue.catch(() => undefined).then(async () => {
      const { next, result } = await change(await this.read());
      if (next) {
        await writeRuntimeRecord(this.path, next);
        this.onWrite();
      }
      return result;
    });
    this.queue = run;
    return run;
  }

  /** Records the running process (or its stop in progress), if the instance still has a record. */
  setProcess(process: ProcessRecord): Promise<void> {
    return this.update(async (current) => (current ? { next: { ...current, process }, result: undefined } : { result: undefined }));
  }

  /** Removes the process only if the record still names that pid (a replica may have started a new one). */
  clearProcess(pid: number): Promise<void> {
    return this.update(async (current) => {
      if (!current?.process || current.process.pid !== pid) return { result: undefined };
      const { process: _gone, ...rest } = current;
      return { next: rest, result: undefined };
    });
  }

  /** Resolves when the writes issued so far are done. */
  async flushed(): Promise<void> {
    await this.queue.catch(() => undefined);
  }
}
