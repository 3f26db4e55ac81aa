// Test runner configuration: real databases and servers on loopback, generous timeouts for real processes.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The helpers' own harness configs run those folders separately while they are being built.
    exclude: ['test/cluster/**', 'test/emulators/**', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    env: { NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost' },
  },
});
