// Control-plane settings for suites on the real test cluster (the `cluster` vitest project's global setup).
import type { Settings } from '../../src/config/settings.js';
import { randomToken } from '../../src/util/ids.js';

/** The NetworkPolicy settings of configs/claw.yaml (the test cluster has no network plugin, so they only need to be valid). */
export const NETWORK_DEFAULTS = {
  controlPlaneNamespace: undefined,
  controlPlaneSelector: { 'app.kubernetes.io/name': 'open-cluster-claw' },
  modelNamespaces: ['llm'],
};

/** The test cluster, a lease of its own (test files run in parallel against one cluster), and short deadlines. */
export function k8sSettings(kubeconfigPath: string): Partial<Settings> {
  return {
    runtime: 'kubernetes',
    kubernetes: { kubeconfig: kubeconfigPath, context: undefined, storageClass: undefined, leaseNamespace: 'default', leaseName: `claw-test-${randomToken(8).toLowerCase()}`, ...NETWORK_DEFAULTS },
    unschedulableTimeoutMs: 4000,
    readyTimeoutMs: 5000,
  };
}
