// Health probes like the kubelet's: HTTP GETs on the claw's port, and the startup/readiness/liveness rules built on them.
import { request } from 'node:http';
import { connect } from 'node:net';
import type { ProbeRecord, ProcessRecord } from './runtime-file.js';

/** Success is a 2xx or 3xx answer within the timeout. */
export function probeHttp(host: string, port: number, path: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    // agent: false, so no keep-alive socket outlives the probe and holds the claw (or our close()) up.
    const req = request({ host, port, path, method: 'GET', agent: false, timeout: timeoutMs, headers: { 'user-agent': 'clusterclaw-probe' } }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      resolve(status >= 200 && status < 400);
    });
    req.once('timeout', () => req.destroy(new Error('probe timed out')));
    req.once('error', () => resolve(false));
    req.end();
  });
}

/** Success is an accepted connection within the timeout (a claw with no health endpoint). */
export function probeTcp(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

/** How a probe is named in events: its path, or `tcp` for a connection probe. */
export function probeName(p: Pick<ProbeRecord, 'path'>): string {
  return p.path ?? 'tcp';
}

/** The probe state of one process (SupervisedProcess carries it). */
export interface HealthState {
  readonly record: Pick<ProcessRecord, 'probes' | 'port' | 'startedAt'>;
  started: boolean;
  ready: boolean;
  livenessFailures: number;
  lastLivenessAt: number;
  lastReadinessAt: number;
  readonly gone: boolean;
  readonly stopping?: unknown;
}

export interface HealthVerdict {
  readyChanged: boolean;
  /** The process must be restarted: its startup probe never passed in time, or liveness failed failureThreshold times. */
  unhealthy?: { probe: 'startup' | 'liveness'; message: string };
}

/**
 * One round: the startup probe until it passes (then readiness and liveness begin); readiness every round until the
 * process is ready (so `ready` follows a starting claw within a round), then once per its periodSeconds like the kubelet,
 * so a fleet of idle claws is not probed every second; liveness at most once per its periodSeconds so failureThreshold
 * keeps its Kubernetes meaning whatever the round interval is.
 * Without a readiness probe a started process counts as ready.
 */
export async function checkHealth(state: HealthState, host: string): Promise<HealthVerdict> {
  const { probes, port } = state.record;
  const age = Date.now() - Date.parse(state.record.startedAt);
  const delayOver = (p: ProbeRecord) => age >= (p.initialDelaySeconds ?? 0) * 1000;
  const probe = (p: ProbeRecord) => {
    const timeoutMs = Math.max(1, p.timeoutSeconds) * 1000;
    return p.path === undefined ? probeTcp(host, port, timeoutMs) : probeHttp(host, port, p.path, timeoutMs);
  };
  const halted = () => state.gone || state.stopping !== undefined;

  if (!state.started && probes.startup) {
    const startup = probes.startup;
    if (delayOver(startup) && (await probe(startup))) {
      state.started = true;
    } else if (age > ((startup.initialDelaySeconds ?? 0) + startup.failureThreshold * startup.periodSeconds) * 1000) {
      return { readyChanged: false, unhealthy: { probe: 'startup', message: `startup probe ${probeName(startup)} did not pass within ${Math.round(age / 1000)}s` } };
    }
  }
  if (!state.started || halted()) return { readyChanged: false };

  const readiness = probes.readiness;
  let readyChanged = false;
  if (!readiness || !state.ready || Date.now() - state.lastReadinessAt >= readiness.periodSeconds * 1000) {
    state.lastReadinessAt = Date.now();
    const ready = readiness ? delayOver(readiness) && (await probe(readiness)) : true;
    if (halted()) return { readyChanged: false };
    readyChanged = ready !== state.ready;
    state.ready = ready;
  }

  const liveness = probes.liveness;
  if (liveness && delayOver(liveness) && Date.now() - state.lastLivenessAt >= liveness.periodSeconds * 1000) {
    state.lastLivenessAt = Date.now();
    if (await probe(liveness)) state.livenessFailures = 0;
    else if (++state.livenessFailures >= liveness.failureThreshold && !halted()) {
      return { readyChanged, unhealthy: { probe: 'liveness', message: `liveness probe ${probeName(liveness)} failed ${state.livenessFailures} times` } };
    }
  }
  return { readyChanged };
}
