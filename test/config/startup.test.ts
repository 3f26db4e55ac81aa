// `npm start` as a process: invalid settings stop it with a clear message; the first start prints an admin token once.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const TSX = join(process.cwd(), 'node_modules', '.bin', 'tsx');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts src/main.ts; resolves when it exits, or (when `until` matches stdout) after stopping it with SIGTERM. */
function start(env: Record<string, string>, until?: RegExp): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, ['src/main.ts'], { env: { ...process.env, CLAW_LOG_LEVEL: 'silent', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let stopping = false;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      // Once: output after the match (the token notice) must not send a second SIGTERM, which tsx answers by killing.
      if (!stopping && until?.test(stdout)) {
        stopping = true;
        child.kill('SIGTERM');
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm start', () => {
  it('stops with a message naming the setting when a setting is invalid', async () => {
    const run = await start({ CLAW_PORT: 'abc', CLAW_DATA_DIR: mkdtempSync(join(tmpdir(), 'claw-start-')) });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Open Cluster Claw cannot start: Invalid setting CLAW_PORT (server.port in claw.yaml): "abc" is not accepted; expected an integer from 0 to 65535');
  });

  it('generates, prints once and stores (0600) an admin token on the first start only', async () => {
    // A data dir the control plane creates itself, so its own modes are what the test sees.
    // Below a directory anyone may pass through, as a data dir's parent usually is (mkdtemp makes it 0700).
    const base = mkdtempSync(join(tmpdir(), 'claw-start-'));
    chmodSync(base, 0o755);
    const dataDir = join(base, 'data');
    const env = { CLAW_DATA_DIR: dataDir, CLAW_CACHE_DIR: join(base, 'cache'), CLAW_PORT: '0', CLAW_ADMIN_TOKEN: '' };
    const first = await start(env, /Then try/);
    expect(first.code).toBe(0);
    const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
    expect(token).toMatch(/^claw_[A-Za-z0-9]{40}$/);
    expect(statSync(join(dataDir, 'admin-token')).mode & 0o777).toBe(0o600);
    // Nobody else on the host can read the data dir, the key, or the database with its sealed secrets and audit trail. As
    // root, claws run as users of their own who must pass through the data dir to their directories: 0711, not listable.
    expect(statSync(dataDir).mode & 0o777).toBe(process.getuid?.() === 0 ? 0o711 : 0o700);
    expect(statSync(join(dataDir, 'secret-key')).mode & 0o777).toBe(0o600);
    for (const file of ['claw.db', 'claw.db-wal', 'claw.db-shm']) {
      if (file === 'claw.db' || existsSync(join(dataDir, file))) expect({ file, mode: statSync(join(dataDir, file)).mode & 0o777 }).toEqual({ file, mode: 0o600 });
    }
    expect(first.stdout).toContain(`export CLAW_TOKEN=${token}`);
    expect(first.stdout).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+/);
    expect(first.stdout).toMatch(/claws: +this machine: local processes, each (as a user of its own|in a bubblewrap sandbox)/);

    const second = await start(env, /database:/);
    expect(second.code).toBe(0);
    expect(second.stdout).not.toContain(token);
    expect(second.stdout).not.toContain('admin token was generated');
  });

  it('warns at start when local claws cannot be isolated, and says what to install', async () => {
    const base = mkdtempSync(join(tmpdir(), 'claw-start-'));
    // As root: a cache below a directory other users cannot pass through. Not as root: `users` needs root.
    const env = { CLAW_DATA_DIR: join(base, 'data'), CLAW_CACHE_DIR: join(base, 'cache'), CLAW_PORT: '0', CLAW_LOCAL_ISOLATION: 'users' };
    const run = await start(env, /WARNING[^\n]*\n/);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/claws: +this machine: local processes, NOT isolated: only the default tenant's/);
    expect(run.stdout).toContain('WARNING: Local claws cannot be isolated from the control plane');
    expect(run.stdout).toContain('apt install bubblewrap');
  });
});
