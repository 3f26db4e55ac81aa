// Public entry of the local runtime: the factory, its options.
export { createLocalRuntime, LocalRuntime } from './local-runtime.js';
export type { LocalRuntimeOptions } from './local-runtime-options.js';
export type { CrashBackoff } from './crash-history.js';
export type { PortRange } from './port-allocator.js';
