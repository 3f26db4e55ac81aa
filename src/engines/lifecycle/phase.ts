// Decides an instance's phase from what the runtime observes: pure, so every rule is tested without a cluster.
import type { FailureReason, Observation } from '../../runtime/runtime.js';
import type { Instance, InstancePhase } from '../../store/entities/instance.js';

/** The columns of an Instance row that hold what was observed, written back by the reconciler. */
export const STATUS_FIELDS = ['phase', 'ready', 'restarts', 'reason', 'message', 'node', 'endpoint', 'startedAt', 'troubleSince'] as const satisfies ReadonlyArray<keyof Instance>;

/** The observed part of an Instance row. */
export type ObservedStatus = Pick<Instance, (typeof STATUS_FIELDS)[number]>;

export interface Decision {
  status: ObservedStatus;
  /** Desired state reached: observedGeneration may catch up with generation. */
  converged: boolean;
  /** Check again after this long even without a watch event (deadlines, transitions). */
  requeueAfterMs?: number;
}

export interface Deadlines {
  unschedulableMs: number;
  readyMs: number;
}

/** These cannot heal by waiting: show Failed at once (the runtime keeps retrying; a recovery shows Running again). */
const IMMEDIATE: ReadonlySet<FailureReason> = new Set(['CrashLoopBackOff', 'OOMKilled', 'ImagePullBackOff', 'QuotaExceeded', 'InstallFailed', 'ConfigInvalid', 'Error']);

/** While something is in progress, look again soon; watches usually come first. */
const TRANSITION_RECHECK_MS = 2000;

function base(instance: Instance, o: Observation): ObservedStatus {
  return {
    phase: instance.phase, ready: o.ready, restarts: o.restarts, reason: null, message: null, node: o.node ?? null,
    endpoint: o.endpoint ?? null, startedAt: o.startedAt ?? null, troubleSince: null,
  };
}

export function decideRunning(instance: Instance, o: Observation, expected: { specHash: string; restartGeneration: number }, now: Date, deadlines: Deadlines): Decision {
  const status = base(instance, o);
  const current = o.specHash === expected.specHash && o.restartGeneration === expected.restartGeneration;

  if (o.failure && IMMEDIATE.has(o.failure.reason)) {
    return { status: { ...status, phase: 'Failed', ready: false, reason: o.failure.reason, message: o.failure.message }, converged: false, requeueAfterMs: 10_000 };
  }
  if (o.failure?.reason === 'Unschedulable') {
    const since = instance.troubleSince ?? now;
    const waited = now.getTime() - since.getTime();
    if (waited >= deadlines.unschedulableMs) {
      return { status: { ...status, phase: 'Failed', ready: false, reason: 'Unschedulable', message: o.failure.message, troubleSince: since }, converged: false, requeueAfterMs: 30_000 };
    }
    return {
      status: { ...status, phase: 'Creating', reason: 'Unschedulable', message: o.failure.message, troubleSince: since },
      converged: false, requeueAfterMs: Math.min(deadlines.unschedulableMs - waited, 10_000),
    };
  }
  if (o.state === 'running' && o.ready && current) {
    return { status: { ...status, phase: 'Running', ready: true }, converged: true };
  }
  if (o.state === 'running' && current) {
    // Up but not ready: give it the ready deadline from its start, then call it a probe failure.
    const since = o.startedAt ?? instance.troubleSince ?? now;
    const waited = now.getTime() - since.getTime();
    const message = o.failure?.message ?? o.progress ?? 'not ready yet';
    if (waited >= deadlines.readyMs) {
      return { status: { ...status, phase: 'Failed', ready: false, reason: 'ProbeFailure', message, troubleSince: since }, converged: false, requeueAfterMs: 10_000 };
    }
    const phase: InstancePhase = instance.phase === 'Running' ? 'Running' : 'Creating';
    return {
      status: { ...status, phase, reason: instance.phase === 'Running' ? 'Unhealthy' : 'Starting', message, troubleSince: since },
      converged: false, requeueAfterMs: Math.min(deadlines.readyMs - waited, TRANSITION_RECHECK_MS),
    };
  }
  if (o.state === 'failed') {
    return { status: { ...status, phase: 'Failed', ready: false, reason: o.failure?.reason ?? 'Error', message: o.failure?.message ?? 'the workload stopped unexpectedly' }, converged: false, requeueAfterMs: 10_000 };
  }
  // Absent, pending, terminating, or an outdated workload being replaced.
  const reason = instance.phase === 'Running' || instance.phase === 'Failed' || (instance.phase === 'Creating' && instance.reason === 'Restarting')
    ? 'Restarting'
    : instance.phase === 'Stopped' || (instance.phase === 'Creating' && instance.reason === 'Starting') ? 'Starting' : 'Creating';
  return {
    status: { ...status, phase: 'Creating', ready: false, reason, message: o.progress ?? null },
    converged: false, requeueAfterMs: TRANSITION_RECHECK_MS,
  };
}

export function decideStopped(instance: Instance, o: Observation): Decision {
  const status = base(instance, o);
  if (o.state === 'absent') {
    return { status: { ...status, phase: 'Stopped', ready: false, restarts: instance.restarts, endpoint: null, node: null, startedAt: null }, converged: true };
  }
  return { status: { ...status, reason: 'Stopping', message: o.progress ?? null }, converged: false, requeueAfterMs: 1000 };
}

export function decideDestroyed(instance: Instance, o: Observation): Decision {
  const status = base(instance, o);
  if (o.state === 'absent' && !o.resourcesPresent) {
    return { status: { ...status, phase: 'Destroyed', ready: false, endpoint: null, node: null, startedAt: null }, converged: true };
  }
  return { status: { ...status, ready: false, reason: 'Destroying', message: o.progress ?? null }, converged: false, requeueAfterMs: 1000 };
}
