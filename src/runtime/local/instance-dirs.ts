// The on-disk layout of one local instance: <rootDir>/<tenant>/<project>/<name>/{config,data,home,app-logs,logs,generated}.
//
// When each claw runs as a user of its own (isolation `users`), the directories the claw writes (config, data, home,
// app-logs) are that user's, mode 0700; those the control plane writes and reads back as root (logs, generated, the
// instance directory itself with runtime.json and events.jsonl) stay root's, so a claw cannot plant a symlink there
// that the control plane would follow. generated/ is readable by the claw's group only (setgid, files 0640).
import { chmod, chown, lchown, lstat, mkdir, readdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { RuntimeError } from '../runtime.js';
import type { InstanceRef } from '../workload.js';
import { pathExists } from '../../util/path-exists.js';
import type { ClawUser } from './claw-users.js';

/** DNS-1123 labels, as everywhere else: they also keep a name from escaping rootDir ("..", "/"). */
const LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export interface InstanceDirs {
  /** The instance directory. */
  root: string;
  /** The claw's config/state directory (RuntimeTarget.configDir). */
  config: string;
  /** The claw's data directory (RuntimeTarget.dataDir); survives destroy with keepData. */
  data: string;
  logs: string;
  /** Where spec.files are written; rewritten on every apply, so never the claw's own state. */
  generated: string;
  /** The process's HOME (caches and dotfiles of the claw, not of the control plane's user); also its working directory. */
  home: string;
  /** Where the claw writes its own log file (RuntimeTarget.logFile): the claw's, unlike logs/. */
  appLogs: string;
  /** Port, pid and spec hash of the running process: never a secret. */
  runtimeFile: string;
  /** Append-only event log (events.jsonl). */
  eventsFile: string;
  /** stdout and stderr of the current run: what `claw logs` shows, like `kubectl logs`. */
  logFile: string;
  /** The claw's own log file (RuntimeTarget.logFile), kept apart so console lines are not written twice. */
  clawLogFile: string;
  /** The previous run's log, rotated at each start. */
  previousLogFile: string;
}

export function assertLabel(what: string, value: string): void {
  if (!LABEL.test(value)) throw new RuntimeError('invalid', `${what} "${value}" is not a DNS-1123 label`);
}

export function instanceDirs(rootDir: string, ref: Pick<InstanceRef, 'tenant' | 'project' | 'name'>): InstanceDirs {
  assertLabel('tenant', ref.tenant);
  assertLabel('project', ref.project);
  assertLabel('instance name', ref.name);
  const root = join(rootDir, ref.tenant, ref.project, ref.name);
  const logs = join(root, 'logs');
  return {
    root,
    config: join(root, 'config'),
    data: join(root, 'data'),
    logs,
    generated: join(root, 'generated'),
    home: join(root, 'home'),
    appLogs: join(root, 'app-logs'),
    runtimeFile: join(root, 'runtime.json'),
    eventsFile: join(root, 'events.jsonl'),
    logFile: join(logs, 'claw.log'),
    clawLogFile: join(root, 'app-logs', 'claw.log'),
    previousLogFile: join(logs, 'claw.log.1'),
  };
}

/** Directories the claw itself writes. */
function clawDirs(dirs: InstanceDirs): string[] {
  return [dirs.config, dirs.data, dirs.home, dirs.appLogs];
}

/** Creates the directories; with `owner`, gives the claw's to that user and lets it pass through the control plane's. */
export async function createInstanceDirs(dirs: InstanceDirs, owner?: ClawUser): Promise<void> {
  for (const dir of [...clawDirs(dirs), dirs.logs, dirs.generated]) await mkdir(dir, { recursive: true, mode: 0o700 });
  if (!owner) return;
  // The tenant and project directories and the instance's own: passable (to reach its directories), not listable.
  for (const dir of [dirname(dirname(dirs.root)), dirname(dirs.root), dirs.root]) await chmod(dir, 0o711);
  for (const dir of clawDirs(dirs)) await ownTree(dir, owner);
  await chown(dirs.generated, 0, owner.gid);
  await chmod(dirs.generated, 0o2750);
}

/** Gives a directory and everything in it to `owner` (once: an instance created before isolation, or a new uid). */
async function ownTree(dir: string, owner: ClawUser): Promise<void> {
  const stat = await lstat(dir);
  if (stat.uid === owner.uid && stat.gid === owner.gid) return;
  const walk = async (path: string): Promise<void> => {
    const entry = await lstat(path);
    // lchown: a symlink the claw made is changed itself, never what it points to.
    await lchown(path, owner.uid, owner.gid);
    if (entry.isDirectory()) for (const name of await readdir(path)) await walk(join(path, name));
  };
  await walk(dir);
}

async function entries(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw error;
  }
}

/** Anything but data/ left in the instance directory (Observation.resourcesPresent). */
export async function resourcesPresent(dirs: InstanceDirs): Promise<boolean> {
  return (await entries(dirs.root)).some((entry) => entry !== 'data');
}

export function dataPresent(dirs: InstanceDirs): Promise<boolean> {
  return pathExists(dirs.data);
}

/** Deletes the instance directory, or everything in it but data/; empty tenant and project directories stay (cheap, and racing creates are harmless). */
export async function removeInstanceDirs(dirs: InstanceDirs, keepData: boolean): Promise<void> {
  // Retries: a claw's helper processes may still be writing (ENOTEMPTY) for a moment after the claw itself exited.
  const options = { recursive: true, force: true, maxRetries: 10, retryDelay: 100 };
  if (!keepData) {
    await rm(dirs.root, options);
    return;
  }
  for (const entry of await entries(dirs.root)) {
    if (entry !== 'data') await rm(join(dirs.root, entry), options);
  }
}

/** Every <tenant>/<project>/<name> directory under rootDir that holds a runtime.json (for adoption after a restart). */
export async function listInstanceDirs(rootDir: string): Promise<Array<{ tenant: string; project: string; name: string }>> {
  const found: Array<{ tenant: string; project: string; name: string }> = [];
  for (const tenant of await entries(rootDir)) {
    if (!LABEL.test(tenant)) continue;
    for (const project of await entries(join(rootDir, tenant))) {
      if (!LABEL.test(project)) continue;
      for (const name of await entries(join(rootDir, tenant, project))) {
        if (LABEL.test(name) && (await pathExists(join(rootDir, tenant, project, name, 'runtime.json')))) found.push({ tenant, project, name });
      }
    }
  }
  return found;
}
