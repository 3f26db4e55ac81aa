// The stand-in claw of the rollout tests: the fake claw (stubOpenClawAdapter) whose config decides its health. A claw
// whose agent.name starts with `broken` never gets ready (a bad config that fails readiness). Hot reload is left out,
// so every change of config replaces the process, as the tests expect to see ("restarted").
import type { ClawAdapter } from '../../../src/engines/adapters/claw-adapter.js';
import { stubOpenClawAdapter } from '../../support/stub-openclaw-adapter.js';

/** A day: longer than any test runs, so the claw stays unready. */
const NEVER_MS = '86400000';

const { restartProjection: _r, comparableConfig: _c, readRunningConfig: _rc, ...restarting } = stubOpenClawAdapter;

export const rolloutClawAdapter: ClawAdapter = {
  ...restarting,
  workload(config, runtime, token) {
    const parts = stubOpenClawAdapter.workload(config, runtime, token);
    return String(config.values['agent.name'] ?? '').startsWith('broken') ? { ...parts, env: { ...parts.env, READY_DELAY_MS: NEVER_MS } } : parts;
  },
};
