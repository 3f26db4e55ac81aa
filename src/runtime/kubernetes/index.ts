// Public entry of the Kubernetes runtime: the runtime, its options and the in-pod location of generated files.
export { KubernetesRuntime, createKubernetesRuntime, POD_FILES_DIR } from './kubernetes-runtime.js';
export type { KubernetesRuntimeOptions } from './kubernetes-runtime.js';
export type { NetworkIsolation } from './network-policy.js';
