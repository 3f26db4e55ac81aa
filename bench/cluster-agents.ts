// The test cluster's fake kubelet and storage provisioner in a process of their own, so the bench's CPU figures for the
// control plane do not include the node it drives. Run by bench/kube-fleet.ts; prints `ready` once both run.
import { join } from 'node:path';
import { FakeKubelet } from '../test/cluster/fake-kubelet.js';
import { FakeProvisioner } from '../test/cluster/fake-provisioner.js';

const [kubeconfigPath, logDir, pods] = process.argv.slice(2);
if (!kubeconfigPath || !logDir) throw new Error('usage: cluster-agents KUBECONFIG LOGDIR [PODS]');

const kubelet = new FakeKubelet({
  kubeconfigPath,
  logFile: join(logDir, 'fake-kubelet.log'),
  capacity: { cpu: '100000', memory: '1000Ti', pods: pods ?? '20000' },
});
const provisioner = new FakeProvisioner({ kubeconfigPath, logFile: join(logDir, 'fake-provisioner.log') });
await kubelet.start();
await provisioner.start();
process.stdout.write('ready\n');
const stop = async () => {
  await provisioner.stop();
  await kubelet.stop();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
