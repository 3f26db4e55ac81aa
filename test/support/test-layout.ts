// The claw layout the runtime tests lay out: OpenClaw's, which their expectations (port 18789, /home/node/.openclaw) name.
import { openclawAdapter } from '../../adapters/openclaw/index.js';
import type { ClawLayout } from '../../src/runtime/claw-layout.js';

export const TEST_LAYOUT: ClawLayout = openclawAdapter.layout;
