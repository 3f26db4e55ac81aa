// The NanoClaw adapter, as registered by the composition root.
export { nanoclawAdapter, NANOCLAW_VERSION } from './nanoclaw-adapter.js';
