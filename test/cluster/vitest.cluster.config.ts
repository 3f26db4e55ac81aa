// Vitest config for the cluster harness smoke tests only (the root vitest.config.ts is separate).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/cluster/**/*.test.ts'],
    globalSetup: ['./test/cluster/global-setup.ts'],
    // Real control-plane round trips (scheduling, namespace deletion, quota sync) take seconds, not ms.
    testTimeout: 60_000,
    hookTimeout: 180_000,
    teardownTimeout: 30_000,
  },
});
