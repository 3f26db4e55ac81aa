// vitest globalSetup: one real test cluster plus fake kubelet per run, handed to workers via provide/inject.
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { FakeKubelet } from './fake-kubelet.js';
import { FakeProvisioner } from './fake-provisioner.js';
import { startTestCluster, type TestCluster } from './test-cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Kubeconfig of the test cluster (context `claw-test`, admin token). */
    kubeconfigPath: string;
    /** https://127.0.0.1:<port> of the kube-apiserver. */
    kubeServer: string;
    /** Base URL of the fake kubelet control endpoint; use with KubeletControl. */
    kubeletControlUrl: string;
    /** Name of the single (fake) node, `claw-fake-node`. */
    kubeNodeName: string;
    /** The apiserver's audit log (JSON lines): reads and writes of managed kinds, see test-cluster.ts. */
    kubeAuditLog: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const t0 = Date.now();
  let cluster: TestCluster | undefined;
  let kubelet: FakeKubelet | undefined;
  let provisioner: FakeProvisioner | undefined;
  try {
    // Throws with a pointer to build-kube.sh when the binaries are missing: a missing cluster is a failure, not a skip.
    cluster = await startTestCluster();
    kubelet = new FakeKubelet({
      kubeconfigPath: cluster.kubeconfigPath,
      logFile: join(cluster.logDir, 'fake-kubelet.log'),
    });
    await kubelet.start();
    // No storage provisioner runs in the test cluster: without this, every PVC stays Pending and its pods unschedulable.
    provisioner = new FakeProvisioner({
      kubeconfigPath: cluster.kubeconfigPath,
      logFile: join(cluster.logDir, 'fake-provisioner.log'),
    });
    await provisioner.start();
  } catch (err) {
    await provisioner?.stop();
    await kubelet?.stop();
    await cluster?.stop();
    throw new Error(`test cluster setup failed: ${(err as Error).message}`);
  }
  project.provide('kubeconfigPath', cluster.kubeconfigPath);
  project.provide('kubeServer', cluster.server);
  project.provide('kubeletControlUrl', kubelet.controlUrl);
  project.provide('kubeNodeName', kubelet.nodeName);
  project.provide('kubeAuditLog', cluster.auditLogPath);
  // For tests that spawn CLIs as subprocesses and cannot call inject().
  process.env['CLAW_TEST_KUBECONFIG'] = cluster.kubeconfigPath;
  process.env['CLAW_TEST_KUBELET_CONTROL_URL'] = kubelet.controlUrl;
  if (process.env['CLAW_TEST_VERBOSE'] === '1') {
    console.log(`[test-cluster] ready in ${Date.now() - t0} ms: ${cluster.server}, logs in ${cluster.logDir}`);
  }

  const started = { cluster, kubelet, provisioner };
  return async () => {
    try {
      await started.provisioner.stop();
      await started.kubelet.stop();
    } finally {
      await started.cluster.stop();
    }
  };
}
