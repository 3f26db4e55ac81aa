// The stand-in claw (stubOpenClawAdapter), except that claws whose names start with `crashy` exit 300 ms after starting,
// again and again: a crash loop on the local runtime for the alert tests, with no real OpenClaw.
import type { ClawAdapter } from '../../src/engines/adapters/claw-adapter.js';
import { stubOpenClawAdapter } from './stub-openclaw-adapter.js';

export const crashingAdapter: ClawAdapter = {
  ...stubOpenClawAdapter,
  workload(config, runtime, token) {
    const parts = stubOpenClawAdapter.workload(config, runtime, token);
    return runtime.ref.name.startsWith('crashy') ? { ...parts, env: { ...parts.env, FAKE_CLAW_EXIT_AFTER_MS: '300' } } : parts;
  },
};
