// The OpenClaw adapter, as registered by the composition root.
export { openclawAdapter, OPENCLAW_VERSION } from './openclaw-adapter.js';
