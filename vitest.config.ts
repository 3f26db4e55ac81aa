// Test runner configuration: two projects, so only the suites that need the Kubernetes test cluster start it.
import { defineConfig } from 'vitest/config';

/** Suites that need the real test cluster: the harness's own smoke tests and every `*.k8s.test.ts`. */
const CLUSTER_SUITES = ['test/cluster/**/*.test.ts', 'test/**/*.k8s.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    env: { NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost' },
    projects: [
      {
        extends: true,
        test: { name: 'core', include: ['test/**/*.test.ts'], exclude: [...CLUSTER_SUITES, 'node_modules/**'] },
      },
      {
        extends: true,
        test: { name: 'cluster', include: CLUSTER_SUITES, globalSetup: ['./test/cluster/global-setup.ts'], testTimeout: 120_000 },
      },
    ],
  },
});
