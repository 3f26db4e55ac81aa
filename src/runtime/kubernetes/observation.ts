// Reads a pod's status (and its events) into the runtime-neutral Observation: state, readiness, failure, progress.
import type { CoreV1Event, V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import type { FailureReason, Observation, RuntimeEvent } from '../runtime.js';
import { ANNOTATION_RESTART_GENERATION, ANNOTATION_SPEC_HASH } from './names.js';

/** Which of the instance's other objects exist. */
export interface Presence {
  secret: boolean;
  configMap: boolean;
  service: boolean;
  configPvc: boolean;
  dataPvc: boolean;
}

type Failure = { reason: FailureReason; message: string };

const IMAGE_PULL_REASONS = new Set(['ImagePullBackOff', 'ErrImagePull', 'InvalidImageName', 'ErrImageNeverPull', 'RegistryUnavailable']);

/**
 * Timestamps the typed client leaves as strings at runtime (MicroTime fields are not in its type map), or Dates.
 * Either way: a Date, or undefined.
 */
export function toDate(value: unknown): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
  if (typeof value === 'string' && value !== '') {
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? undefined : date;
  }
  return undefined;
}

const condition = (pod: V1Pod, type: string) => pod.status?.conditions?.find((c) => c.type === type);

const containers = (pod: V1Pod): V1ContainerStatus[] => pod.status?.containerStatuses ?? [];

/** Running and passing readiness (not merely phase Running). */
export function podReady(pod: V1Pod): boolean {
  return pod.status?.phase === 'Running' && condition(pod, 'Ready')?.status === 'True' && !pod.metadata?.deletionTimestamp;
}

/** A container that has been started at least once, so it has (current or previous) logs. */
export function containerStarted(status: V1ContainerStatus | undefined): boolean {
  if (!status) return false;
  return Boolean(status.state?.running || status.state?.terminated || status.lastState?.terminated || status.restartCount > 0);
}

function describeExit(status: V1ContainerStatus): string {
  const last = status.lastState?.terminated ?? status.state?.terminated;
  if (!last) return '';
  return `last exit code ${last.exitCode}${last.reason ? ` (${last.reason})` : ''}`;
}

/** Failures visible in the pod's own status, most specific first: OOM beats the CrashLoopBackOff it causes. */
export function statusFailure(pod: V1Pod): Failure | undefined {
  const statuses = containers(pod);
  for (const c of statuses) {
    const notRunning = c.state?.waiting !== undefined || c.state?.terminated !== undefined;
    const oom = c.state?.terminated?.reason === 'OOMKilled' || (notRunning && c.lastState?.terminated?.reason === 'OOMKilled');
    if (oom) {
      return {
        reason: 'OOMKilled',
        message: `container ${c.name} was killed for exceeding its memory limit (exit code ${(c.state?.terminated ?? c.lastState?.terminated)?.exitCode ?? 137}, restarts: ${c.restartCount})`,
      };
    }
  }
  for (const c of statuses) {
    if (c.state?.waiting?.reason === 'CrashLoopBackOff') {
      const exit = describeExit(c);
      return {
        reason: 'CrashLoopBackOff',
        message: `container ${c.name} keeps crashing (restarts: ${c.restartCount}${exit ? `, ${exit}` : ''})`,
      };
    }
  }
  for (const c of statuses) {
    const waiting = c.state?.waiting;
    if (waiting?.reason && IMAGE_PULL_REASONS.has(waiting.reason)) {
      return { reason: 'ImagePullBackOff', message: `cannot pull image ${c.image}: ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}` };
    }
  }
  for (const c of statuses) {
    const waiting = c.state?.waiting;
    // The kubelet could not build the container from its spec: a missing Secret or ConfigMap key, a bad command.
    if (waiting?.reason === 'CreateContainerConfigError') {
      return { reason: 'ConfigInvalid', message: `container ${c.name} cannot be configured: ${waiting.message ?? waiting.reason}` };
    }
    if (waiting?.reason === 'CreateContainerError' || waiting?.reason === 'RunContainerError') {
      return { reason: 'Error', message: `container ${c.name} cannot start: ${waiting.message ?? waiting.reason}` };
    }
  }
  const scheduled = condition(pod, 'PodScheduled');
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
    return { reason: 'Unschedulable', message: scheduled.message || 'no node can run the pod' };
  }
  const phase = pod.status?.phase;
  if (phase === 'Failed' || phase === 'Succeeded') {
    const exited = statuses.find((c) => c.state?.terminated);
    const detail = pod.status?.message ?? (exited ? `container ${exited.name} exited: ${describeExit(exited)}` : `pod phase ${phase}`);
    return { reason: 'Error', message: pod.status?.reason ? `${pod.status.reason}: ${detail}` : detail };
  }
  return undefined;
}

/** Running, started and not ready, with no other explanation: only then are readiness-probe events worth a look. */
export function mayHaveProbeFailure(pod: V1Pod): boolean {
  if (pod.metadata?.deletionTimestamp || pod.status?.phase !== 'Running' || podReady(pod)) return false;
  if (statusFailure(pod)) return false;
  return containers(pod).some((c) => c.state?.running !== undefined);
}

/**
 * The newest probe failure of this pod (by uid: an earlier pod of the same name does not count) seen within `windowMs`,
 * as the kubelet reported it, e.g. `Readiness probe failed: HTTP probe failed with statuscode: 503`.
 */
export function recentProbeFailure(pod: V1Pod, events: CoreV1Event[], now: number, windowMs: number): string | undefined {
  let newest: { at: number; message: string } | undefined;
  for (const e of events) {
    if (e.reason !== 'Unhealthy' || e.involvedObject.uid !== pod.metadata?.uid) continue;
    const at = eventTime(e)?.getTime() ?? 0;
    if (now - at > windowMs) continue;
    if (!newest || at >= newest.at) newest = { at, message: e.message ?? 'probe failed' };
  }
  return newest?.message;
}

function progressOf(pod: V1Pod, ready: boolean): string | undefined {
  if (pod.metadata?.deletionTimestamp) return 'terminating';
  const scheduled = condition(pod, 'PodScheduled');
  if (!pod.spec?.nodeName || scheduled?.status === 'False') {
    return /unbound .*PersistentVolumeClaims/i.test(scheduled?.message ?? '') ? 'waiting for volumes' : 'scheduling';
  }
  const statuses = containers(pod);
  const waiting = statuses.find((c) => c.state?.waiting)?.state?.waiting;
  if (waiting?.reason && IMAGE_PULL_REASONS.has(waiting.reason)) return 'pulling image';
  if (waiting?.reason === 'CrashLoopBackOff') return 'restarting after a crash';
  if (statuses.length === 0 || waiting) return 'starting';
  if (ready) return undefined;
  if (statuses.some((c) => c.state?.running && c.started === false)) return 'starting';
  return 'waiting for readiness';
}

/** An Observation of an instance: the pod (if any), the other objects' presence, and a probe failure found in events. */
export function observationOf(pod: V1Pod | undefined, presence: Presence, probeFailure?: string): Observation {
  const dataPresent = presence.configPvc || presence.dataPvc;
  // Volumes count as data only: after destroy with keepData the contract expects resourcesPresent false, dataPresent true.
  const resourcesPresent = pod !== undefined || presence.secret || presence.configMap || presence.service;
  if (!pod) return { state: 'absent', ready: false, restarts: 0, resourcesPresent, dataPresent };

  const statuses = containers(pod);
  const ready = podReady(pod);
  const phase = pod.status?.phase;
  const state: Observation['state'] = pod.metadata?.deletionTimestamp
    ? 'terminating'
    : phase === 'Running'
      ? 'running'
      : phase === 'Failed' || phase === 'Succeeded'
        ? 'failed'
        : 'pending';
  const observation: Observation = {
    state,
    ready,
    restarts: statuses.reduce((sum, c) => sum + (c.restartCount ?? 0), 0),
    resourcesPresent,
    dataPresent,
  };
  if (pod.spec?.nodeName) observation.node = pod.spec.nodeName;
  const startedAt = toDate(pod.status?.startTime) ?? statuses.map((c) => toDate(c.state?.running?.startedAt)).find(Boolean);
  if (startedAt) observation.startedAt = startedAt;
  const port = pod.spec?.containers[0]?.ports?.[0]?.containerPort;
  if (pod.status?.podIP && port) observation.endpoint = `http://${pod.status.podIP}:${port}`;
  const annotations = pod.metadata?.annotations ?? {};
  if (annotations[ANNOTATION_SPEC_HASH]) observation.specHash = annotations[ANNOTATION_SPEC_HASH];
  const generation = Number.parseInt(annotations[ANNOTATION_RESTART_GENERATION] ?? '', 10);
  if (Number.isFinite(generation)) observation.restartGeneration = generation;
  if (state !== 'terminating') {
    const failure = statusFailure(pod) ?? (probeFailure && !ready ? { reason: 'ProbeFailure' as const, message: probeFailure } : undefined);
    if (failure) observation.failure = failure;
  }
  const progress = progressOf(pod, ready);
  if (progress) observation.progress = progress;
  return observation;
}

/** Kubelet events carry lastTimestamp; events from newer reporters only eventTime (a MicroTime string at runtime). */
export function eventTime(e: CoreV1Event): Date | undefined {
  return toDate(e.lastTimestamp) ?? toDate(e.eventTime) ?? toDate(e.firstTimestamp) ?? toDate(e.metadata?.creationTimestamp);
}

export function runtimeEventOf(e: CoreV1Event): RuntimeEvent {
  return {
    at: eventTime(e) ?? new Date(0),
    type: e.type === 'Warning' ? 'Warning' : 'Normal',
    reason: e.reason ?? '',
    message: e.message ?? '',
    count: e.count ?? e.series?.count ?? 1,
  };
}
