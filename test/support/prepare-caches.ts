// Prebuilds what the tests download on first use (Node 24 and openclaw from npm), so CI timings stay predictable.
import { installOpenClawCli, TEST_CACHE_DIR } from './openclaw-cli.js';

const started = Date.now();
const cli = await installOpenClawCli();
console.log(`openclaw ready in ${TEST_CACHE_DIR} (${((Date.now() - started) / 1000).toFixed(1)} s): ${cli.entry}`);
