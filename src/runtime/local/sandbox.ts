// The bubblewrap command line that runs a claw in a sandbox (isolation `sandbox`, a control plane that is not root):
// its own pid namespace and /proc (the control plane's environment is out of sight), the system's /usr and /etc read-only,
// the package cache and the claw's program read-only, its own directories writable, and nothing else of the data dir.
import { lstatSync, readlinkSync } from 'node:fs';

export interface SandboxMounts {
  /** Directories the claw writes. */
  writable: string[];
  /** Directories it reads: the package cache, its entry script's directory, its generated files (skipped while missing). */
  readOnly: string[];
  /** Its working directory (one of the writable ones). */
  cwd: string;
}

/** The system's directories, bound read-only (or recreated as the symlinks they are on a merged-/usr system). */
const SYSTEM_DIRS = ['/usr', '/etc', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

/** How many processes stand between the bwrap we start and the claw: bwrap's monitor, then its pid 1 (reaper). */
export const SANDBOX_DEPTH = 2;

function systemMounts(): string[] {
  const args: string[] = [];
  for (const dir of SYSTEM_DIRS) {
    let stat;
    try {
      stat = lstatSync(dir);
    } catch {
      continue;
    }
    if (stat.isSymbolicLink()) args.push('--symlink', readlinkSync(dir), dir);
    else if (stat.isDirectory()) args.push('--ro-bind', dir, dir);
  }
  return args;
}

const within = (path: string, dirs: string[]) => dirs.some((dir) => path === dir || path.startsWith(`${dir}/`));

export function sandboxCommand(bwrap: string, command: string[], mounts: SandboxMounts): string[] {
  // No --die-with-parent: a claw outlives a restart of the control plane, which adopts it again.
  const args = ['--unshare-pid', '--unshare-ipc', '--unshare-uts', '--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp', ...systemMounts()];
  const bound: string[] = ['/usr', '/etc'];
  for (const dir of mounts.readOnly) {
    if (within(dir, bound)) continue;
    args.push('--ro-bind-try', dir, dir);
    bound.push(dir);
  }
  for (const dir of mounts.writable) args.push('--bind', dir, dir);
  return [bwrap, ...args, '--chdir', mounts.cwd, '--', ...command];
}
