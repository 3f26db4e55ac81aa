// Phase rules: what the reconciler calls an instance given what the runtime observes, deadlines included.
import { describe, expect, it } from 'vitest';
import { decideDestroyed, decideRunning, decideStopped } from '../../../src/engines/lifecycle/phase.js';
import type { Observation } from '../../../src/runtime/runtime.js';
import type { Instance } from '../../../src/store/entities/instance.js';

const now = new Date('2026-11-21T12:00:00Z');
const ago = (ms: number) => new Date(now.getTime() - ms);
const instance = (over: Partial<Instance> = {}): Instance => ({ phase: 'Creating', troubleSince: null, restarts: 0, reason: null, ...over }) as Instance;
const obs = (over: Partial<Observation> = {}): Observation => ({ state: 'running', ready: true, restarts: 0, resourcesPresent: true, dataPresent: true, specHash: 'h1', restartGeneration: 0, startedAt: ago(5000), ...over });
const expected = { specHash: 'h1', restartGeneration: 0 };
const deadlines = { unschedulableMs: 120_000, readyMs: 600_000 };

describe('decideRunning', () => {
  it('is Running and converged when the current workload runs and is ready', () => {
    const d = decideRunning(instance(), obs(), expected, now, deadlines);
    expect(d).toMatchObject({ converged: true, status: { phase: 'Running', ready: true, reason: null } });
  });

  it.each(['CrashLoopBackOff', 'OOMKilled', 'ImagePullBackOff', 'QuotaExceeded', 'InstallFailed'] as const)('is Failed at once for %s, with the message', (reason) => {
    const d = decideRunning(instance(), obs({ ready: false, failure: { reason, message: 'details' } }), expected, now, deadlines);
    expect(d.status).toMatchObject({ phase: 'Failed', reason, message: 'details', ready: false });
    expect(d.converged).toBe(false);
  });

  it('waits for a node until the unschedulable deadline, then fails', () => {
    const pending = obs({ state: 'pending', ready: false, failure: { reason: 'Unschedulable', message: '0/1 nodes: Insufficient cpu' } });
    const early = decideRunning(instance(), pending, expected, now, deadlines);
    expect(early.status).toMatchObject({ phase: 'Creating', reason: 'Unschedulable', troubleSince: now });
    const late = decideRunning(instance({ troubleSince: ago(121_000) }), pending, expected, now, deadlines);
    expect(late.status).toMatchObject({ phase: 'Failed', reason: 'Unschedulable', message: '0/1 nodes: Insufficient cpu' });
  });

  it('gives a started but unready workload the ready deadline, then calls it a probe failure', () => {
    const unready = obs({ ready: false, failure: { reason: 'ProbeFailure', message: 'Readiness probe failed: 503' }, startedAt: ago(30_000) });
    expect(decideRunning(instance(), unready, expected, now, deadlines).status).toMatchObject({ phase: 'Creating', reason: 'Starting' });
    expect(decideRunning(instance({ phase: 'Running' }), unready, expected, now, deadlines).status).toMatchObject({ phase: 'Running', reason: 'Unhealthy', ready: false });
    const stale = obs({ ready: false, failure: { reason: 'ProbeFailure', message: 'Readiness probe failed: 503' }, startedAt: ago(700_000) });
    expect(decideRunning(instance(), stale, expected, now, deadlines).status).toMatchObject({ phase: 'Failed', reason: 'ProbeFailure', message: 'Readiness probe failed: 503' });
  });

  it('treats an outdated workload (old spec or restart generation) as being replaced', () => {
    const old = decideRunning(instance({ phase: 'Running' }), obs({ restartGeneration: 0 }), { specHash: 'h1', restartGeneration: 1 }, now, deadlines);
    expect(old).toMatchObject({ converged: false, status: { phase: 'Creating', reason: 'Restarting' } });
    expect(decideRunning(instance({ phase: 'Stopped' }), obs({ state: 'absent', ready: false }), expected, now, deadlines).status.reason).toBe('Starting');
  });

  it('recovers to Running when a failed workload becomes ready again', () => {
    expect(decideRunning(instance({ phase: 'Failed', reason: 'CrashLoopBackOff' }), obs(), expected, now, deadlines).status).toMatchObject({ phase: 'Running', reason: null });
  });
});

describe('decideStopped and decideDestroyed', () => {
  it('is Stopped once the workload is gone, and says Stopping before', () => {
    expect(decideStopped(instance({ phase: 'Running' }), obs({ state: 'terminating' })).status).toMatchObject({ phase: 'Running', reason: 'Stopping' });
    expect(decideStopped(instance({ phase: 'Running' }), obs({ state: 'absent', ready: false }))).toMatchObject({ converged: true, status: { phase: 'Stopped', endpoint: null } });
  });

  it('is Destroyed only when nothing is left', () => {
    expect(decideDestroyed(instance(), obs({ state: 'absent', ready: false, resourcesPresent: true })).status.reason).toBe('Destroying');
    expect(decideDestroyed(instance(), obs({ state: 'absent', ready: false, resourcesPresent: false }))).toMatchObject({ converged: true, status: { phase: 'Destroyed' } });
  });
});
