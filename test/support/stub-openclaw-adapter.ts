// A stand-in for the OpenClaw adapter: the same config and pod, but locally it runs test/fixtures/fake-claw.mjs with the
// control plane's own Node instead of installing and booting a real gateway (seconds and hundreds of MB per claw).
import { fileURLToPath } from 'node:url';
import { openclawAdapter } from '../../adapters/openclaw/index.js';
import type { ClawAdapter } from '../../src/engines/adapters/claw-adapter.js';

export const FAKE_CLAW = fileURLToPath(new URL('../fixtures/fake-claw.mjs', import.meta.url));

export const stubOpenClawAdapter: ClawAdapter = {
  ...openclawAdapter,
  workload(config, runtime, gatewayToken) {
    const parts = openclawAdapter.workload(config, runtime, gatewayToken);
    return {
      ...parts,
      // The fake claw has no /startupz and drains in 50 ms.
      probes: { readiness: parts.probes.readiness, liveness: parts.probes.liveness },
      terminationGraceSeconds: 5,
      process: { packages: [], entry: { script: FAKE_CLAW }, args: ['--port', String(runtime.target.port)] },
    };
  },
};
