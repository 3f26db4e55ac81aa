// What `claw status` learns from a local claw in each state the supervisor can be in (describeSupervision, no I/O).
import { describe, expect, it } from 'vitest';
import { describeSupervision, type SupervisionState } from '../../../src/runtime/local/supervision-state.js';

const idle: SupervisionState = {
  host: '127.0.0.1', port: 20001, restarts: 0, resourcesPresent: true, dataPresent: true, desired: 'run', hasSpec: true, looping: false,
  crashLooping: false, lastExit: undefined, installFailure: undefined, startFailure: undefined, restartAt: undefined, progress: undefined, process: undefined,
};
const record = {
  pid: 42, startTicks: 1, bootId: 'b', startedAt: '2026-12-04T00:00:00.000Z', command: ['node'], specHash: 'h', restartGeneration: 0, port: 20001,
  graceSeconds: 5, probes: {},
};

describe('what a local claw reports', () => {
  it('is starting until first ready, running and ready after, terminating while it stops', () => {
    expect(describeSupervision({ ...idle, process: { record, ready: false, everReady: false, stopping: undefined } }, 0)).toMatchObject({ state: 'running', ready: false, progress: 'starting', endpoint: 'http://127.0.0.1:20001' });
    const ready = describeSupervision({ ...idle, process: { record, ready: true, everReady: true, stopping: undefined } }, 0);
    expect(ready).toMatchObject({ state: 'running', ready: true, specHash: 'h' });
    expect(ready).not.toHaveProperty('progress');
    expect(describeSupervision({ ...idle, process: { record, ready: true, everReady: true, stopping: 'stop' } }, 0)).toMatchObject({ state: 'terminating', ready: false, progress: 'stopping (stop)' });
  });

  it('says when a crashed claw restarts, and calls a loop of crashes one', () => {
    const crashed = { ...idle, restarts: 3, crashLooping: true, lastExit: 'exited with code 1: boom', restartAt: 10_500 };
    expect(describeSupervision(crashed, 0)).toMatchObject({
      state: 'pending', restarts: 3, failure: { reason: 'CrashLoopBackOff', message: 'exited with code 1: boom' }, progress: 'back-off 11s restarting after: exited with code 1: boom',
    });
  });

  it('keeps an install failure visible while the install is retried, and fails once retries stop', () => {
    expect(describeSupervision({ ...idle, looping: true, installFailure: 'npm install x failed', progress: 'installing x' }, 0)).toMatchObject({ state: 'pending', failure: { reason: 'InstallFailed' }, progress: 'installing x' });
    expect(describeSupervision({ ...idle, installFailure: 'npm install x failed' }, 0)).toMatchObject({ state: 'failed', failure: { reason: 'InstallFailed', message: 'npm install x failed' } });
  });

  it('waits for the next apply when an adopted claw exits, since its secrets were never written down', () => {
    expect(describeSupervision({ ...idle, hasSpec: false, lastExit: 'exited' }, 0)).toMatchObject({ state: 'failed', failure: { reason: 'Error', message: 'exited; restarts after the next apply' } });
  });

  it('is absent when stopped and terminating while its directories are deleted', () => {
    expect(describeSupervision({ ...idle, desired: 'stop' }, 0)).toEqual({ state: 'absent', ready: false, restarts: 0, resourcesPresent: true, dataPresent: true });
    expect(describeSupervision({ ...idle, desired: 'destroy' }, 0)).toMatchObject({ state: 'terminating', progress: 'deleting' });
  });
});
