// The npm install lock of the local runtime: concurrent installs of one package, in one control plane or in two sharing
// the cache, run npm once and all get the installed package; a lock left by a dead process does not block forever.
// npm is replaced by a stand-in that records each run and holds until released, so the overlap is certain, not timed.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NpmInstaller } from '../../../src/runtime/local/npm-installer.js';
import { waitFor } from '../runtime-contract.js';

const base = mkdtempSync(join(tmpdir(), 'claw-npm-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

/**
 * A fake `npm install`: appends its pid and directory to runs.log, waits for the file `release` (so a test decides when
 * it ends), then installs every dependency of package.json as an empty package with a bin.
 */
function fakeNpm(dir: string): { command: string; runs: () => string[]; release: () => void } {
  const command = join(dir, 'fake-npm.mjs');
  const log = join(dir, 'runs.log');
  const gate = join(dir, 'release');
  writeFileSync(
    command,
    `#!${process.execPath}
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
appendFileSync(${JSON.stringify(log)}, process.pid + ' ' + process.cwd() + '\\n');
while (!existsSync(${JSON.stringify(gate)})) await new Promise((r) => setTimeout(r, 20));
const manifest = JSON.parse(readFileSync('package.json', 'utf8'));
for (const name of Object.keys(manifest.dependencies)) {
  const dir = join('node_modules', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', bin: { [name]: 'cli.js' } }));
  writeFileSync(join(dir, 'cli.js'), '');
}
`,
  );
  chmodSync(command, 0o755);
  return {
    command,
    runs: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) : []),
    release: () => writeFileSync(gate, ''),
  };
}

describe('npm install lock', () => {
  it('runs npm once for concurrent installs of one package, in one control plane and across two sharing the cache', async () => {
    const dir = join(base, 'concurrent');
    const cacheDir = join(dir, 'cache');
    await mkdir(dir, { recursive: true });
    const npm = fakeNpm(dir);
    const [one, other] = [new NpmInstaller({ cacheDir, npmCommand: npm.command }), new NpmInstaller({ cacheDir, npmCommand: npm.command })];
    const pkg = { name: 'fake-claw-pkg', version: '1.0.0' };
    const progress: string[] = [];
    const installs = [
      one.ensurePackage(pkg, '/usr/bin', [], (p) => progress.push(p)),
      one.ensurePackage(pkg, '/usr/bin', [], (p) => progress.push(p)),
    ];
    await waitFor('npm to start', async () => npm.runs(), (r) => r.length === 1, 10_000);
    // The second control plane arrives while the first install holds the lock.
    installs.push(other.ensurePackage(pkg, '/usr/bin', [], (p) => progress.push(p)));
    await waitFor('the other control plane to wait for the lock', async () => progress.length, (n) => n === 3, 10_000);
    npm.release();
    const dirs = await Promise.all(installs);

    expect(npm.runs()).toHaveLength(1);
    expect(new Set(dirs).size).toBe(1);
    expect(existsSync(join(dirs[0]!, 'node_modules', pkg.name, 'package.json'))).toBe(true);
    expect(existsSync(`${dirs[0]}.lock`)).toBe(false);
    expect(progress).toEqual(['installing fake-claw-pkg@1.0.0', 'installing fake-claw-pkg@1.0.0', 'installing fake-claw-pkg@1.0.0']);
    // Installed means installed: a later call does not run npm again, nor report progress.
    await other.ensurePackage(pkg, '/usr/bin', [], (p) => progress.push(p));
    expect(npm.runs()).toHaveLength(1);
    expect(progress).toHaveLength(3);
  });

  it('takes over a lock whose owner died, instead of waiting for it until the timeout', async () => {
    const dir = join(base, 'stale');
    const cacheDir = join(dir, 'cache');
    await mkdir(dir, { recursive: true });
    const npm = fakeNpm(dir);
    npm.release();
    const pkg = { name: 'fake-claw-pkg', version: '2.0.0' };
    // A process that held the lock and died: its pid is known not to run any more.
    const dead = spawn(process.execPath, ['-e', '']);
    const deadPid = await new Promise<number>((resolve) => dead.once('exit', () => resolve(dead.pid!)));
    const lock = join(cacheDir, 'pkg', 'fake-claw-pkg@2.0.0.lock');
    await mkdir(lock, { recursive: true });
    await writeFile(join(lock, 'owner'), String(deadPid));

    const installer = new NpmInstaller({ cacheDir, npmCommand: npm.command, timeoutMs: 60_000 });
    const installed = await installer.ensurePackage(pkg, '/usr/bin', []);
    expect(npm.runs()).toHaveLength(1);
    expect(existsSync(join(installed, 'node_modules', pkg.name, 'package.json'))).toBe(true);
    expect(existsSync(lock)).toBe(false);
  });
});

describe('the environment of npm installs', () => {
  it('passes npm what finds programs, proxies and npm\'s own registry settings, and never the control plane\'s secrets', async () => {
    const dir = join(base, 'environment');
    await mkdir(dir, { recursive: true });
    const npm = fakeNpm(dir);
    // The stand-in also records the environment it was given, as a package's install script would see it.
    writeFileSync(npm.command, readFileSync(npm.command, 'utf8').replace("const manifest =", "writeFileSync('env.json', JSON.stringify(process.env));\nconst manifest ="));
    npm.release();
    const planted = {
      CLAW_SECRET_KEY: 'k'.repeat(44), CLAW_DATABASE_URL: 'mysql://root:hunter2@db/claw', CLAW_ADMIN_TOKEN: 'claw_admin', CLAW_FEISHU_APP_SECRET: 'feishu-secret',
      AWS_SECRET_ACCESS_KEY: 'aws', npm_config_local_prefix: '/work/main', npm_config_registry: 'https://registry.npmmirror.com/', HTTPS_PROXY: 'http://proxy.corp:3128',
    };
    const saved = Object.fromEntries(Object.keys(planted).map((k) => [k, process.env[k]]));
    Object.assign(process.env, planted);
    try {
      const installer = new NpmInstaller({ cacheDir: join(dir, 'cache'), npmCommand: npm.command });
      const installed = await installer.ensurePackage({ name: 'env-probe', version: '1.0.0' }, '/opt/node24/bin', []);
      const seen = JSON.parse(readFileSync(join(installed, 'env.json'), 'utf8')) as Record<string, string>;
      for (const secret of ['CLAW_SECRET_KEY', 'CLAW_DATABASE_URL', 'CLAW_ADMIN_TOKEN', 'CLAW_FEISHU_APP_SECRET', 'AWS_SECRET_ACCESS_KEY', 'npm_config_local_prefix']) {
        expect(seen[secret], secret).toBeUndefined();
      }
      expect(Object.keys(seen).filter((k) => k.startsWith('CLAW_'))).toEqual([]);
      expect(seen).toMatchObject({ npm_config_registry: 'https://registry.npmmirror.com/', HTTPS_PROXY: 'http://proxy.corp:3128' });
      expect(seen.PATH?.split(':')[0]).toBe('/opt/node24/bin');
      expect(seen.HOME).toBe(process.env.HOME);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});
