// What observe() reports for a supervised instance, worked out from the supervisor's state alone (no I/O), so every
// combination can be read, and tested, in one place.
import type { Observation } from '../runtime.js';
import type { ProcessRecord } from './runtime-file.js';
import type { StopReason } from './supervised-process.js';

export interface SupervisionState {
  host: string;
  /** The instance's port (runtime.json), once allocated. */
  port: number | undefined;
  restarts: number;
  resourcesPresent: boolean;
  dataPresent: boolean;
  desired: 'run' | 'stop' | 'destroy';
  /** The spec is in memory (its secrets are never written anywhere): an adopted process that exits waits for the next apply. */
  hasSpec: boolean;
  /** The supervision loop is working on it (installing, starting, stopping). */
  looping: boolean;
  crashLooping: boolean;
  /** "exited with code 1: <last log line>" of the last unexpected exit. */
  lastExit: string | undefined;
  installFailure: string | undefined;
  startFailure: string | undefined;
  /** When a restart after a crash is due (epoch ms). */
  restartAt: number | undefined;
  progress: string | undefined;
  process: { record: ProcessRecord; ready: boolean; everReady: boolean; stopping: StopReason | undefined } | undefined;
}

function definedOnly<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export function describeSupervision(s: SupervisionState, now: number): Observation {
  const endpoint = s.port === undefined ? undefined : `http://${s.host}:${s.port}`;
  const base = { ready: false, restarts: s.restarts, resourcesPresent: s.resourcesPresent, dataPresent: s.dataPresent };
  const crashLoop = s.crashLooping && s.lastExit ? { reason: 'CrashLoopBackOff' as const, message: s.lastExit } : undefined;
  const proc = s.process;
  if (proc) {
    const { record } = proc;
    return definedOnly({
      ...base,
      state: proc.stopping ? 'terminating' : 'running',
      ready: !proc.stopping && proc.ready,
      startedAt: new Date(record.startedAt),
      endpoint: `http://${s.host}:${record.port}`,
      specHash: record.specHash,
      restartGeneration: record.restartGeneration,
      failure: proc.ready ? undefined : crashLoop,
      progress: proc.stopping ? `stopping (${proc.stopping})` : proc.everReady ? undefined : 'starting',
    });
  }
  if (s.desired === 'destroy') return definedOnly({ ...base, state: 'terminating', progress: 'deleting' });
  if (s.desired !== 'run') return { ...base, state: 'absent' };
  if (!s.hasSpec) {
    // An adopted process exited: without the spec's secrets (memory only) it can restart only after the next apply.
    return definedOnly({
      ...base,
      state: 'failed',
      endpoint,
      failure: { reason: crashLoop ? 'CrashLoopBackOff' : 'Error', message: `${s.lastExit ?? 'exited'}; restarts after the next apply` },
    });
  }
  if (!s.looping && s.installFailure) return definedOnly({ ...base, state: 'failed', endpoint, failure: { reason: 'InstallFailed', message: s.installFailure } });
  if (!s.looping && s.startFailure) return definedOnly({ ...base, state: 'failed', endpoint, failure: { reason: 'Error', message: s.startFailure } });
  if (s.restartAt !== undefined) {
    const seconds = Math.max(0, Math.ceil((s.restartAt - now) / 1000));
    return definedOnly({ ...base, state: 'pending', endpoint, failure: crashLoop, progress: `back-off ${seconds}s restarting after: ${s.lastExit ?? 'exit'}` });
  }
  // While an install is retried, the last failure stays visible next to the progress.
  const failure = s.installFailure ? { reason: 'InstallFailed' as const, message: s.installFailure } : undefined;
  return definedOnly({ ...base, state: 'pending', endpoint, failure, progress: s.progress ?? 'starting' });
}
