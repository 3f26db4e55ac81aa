// The on-disk layout of one local instance: <rootDir>/<tenant>/<project>/<name>/{config,data,logs,generated,home}.
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { RuntimeError, type InstanceRef } from '../runtime.js';
import { pathExists } from '../../util/path-exists.js';

/** DNS-1123 labels, as everywhere else: they also keep a name from escaping rootDir ("..", "/"). */
const LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export interface InstanceDirs {
  /** The instance directory; also the process's working directory. */
  root: string;
  /** The claw's config/state directory (RuntimeTarget.configDir). */
  config: string;
  /** The claw's data directory (RuntimeTarget.dataDir); survives destroy with keepData. */
  data: string;
  logs: string;
  /** Where spec.files are written; rewritten on every apply, so never the claw's own state. */
  generated: string;
  /** The process's HOME (caches and dotfiles of the claw, not of the control plane's user). */
  home: string;
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
    runtimeFile: join(root, 'runtime.json'),
    eventsFile: join(root, 'events.jsonl'),
    logFile: join(logs, 'claw.log'),
    clawLogFile: join(logs, 'claw-app.log'),
    previousLogFile: join(logs, 'claw.log.1'),
  };
}

export async function createInstanceDirs(dirs: InstanceDirs): Promise<void> {
  for (const dir of [dirs.config, dirs.data, dirs.logs, dirs.generated, dirs.home]) await mkdir(dir, { recursive: true, mode: 0o700 });
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
