// Every claw type this build supports; the composition root registers them (the core never imports an adapter).
import type { ClawAdapter } from '../src/engines/adapters/claw-adapter.js';
import { nanoclawAdapter } from './nanoclaw/index.js';
import { openclawAdapter } from './openclaw/index.js';

export const ADAPTERS: readonly ClawAdapter[] = [openclawAdapter, nanoclawAdapter];
