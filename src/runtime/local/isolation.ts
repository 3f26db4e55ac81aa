// How local claws are kept away from the control plane's keys and from each other, decided once at start:
//   users    the control plane runs as root: each claw runs as a uid of its own (claw-users.ts), its directories its own
//   sandbox  it does not: each claw runs inside bubblewrap, seeing only its own directories, the package cache and /usr
//   none     neither is possible: only the `default` tenant's claws run, and status, /readyz and the banner say why
//   off      turned off by an explicit setting (a single-user laptop): claws run as the control plane's user
import { spawnSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import type { Text } from '../../i18n/locale.js';

export type IsolationSetting = 'auto' | 'users' | 'sandbox' | 'off';
export type IsolationMode = 'users' | 'sandbox' | 'none' | 'off';

export interface LocalIsolation {
  mode: IsolationMode;
  /** The tenants whose claws may run; undefined means every tenant. */
  tenants?: readonly string[];
  /** Why claws are less isolated than they could be, and what to do about it. */
  reason?: Text;
  /** The bubblewrap binary (mode `sandbox`). */
  bwrap?: string;
}

/** The tenant the control plane's first start creates: the only one a machine without isolation runs claws for. */
export const DEFAULT_TENANT = 'default';

/** A directory other users can pass through (o+x), so a claw's uid reaches its own directories below it. */
function searchable(dir: string): boolean {
  try {
    return (statSync(dir).mode & 0o001) !== 0;
  } catch {
    return false;
  }
}

/**
 * The first existing directory on the way up from `path` that other users cannot pass through, if any. Directories for
 * which `own` is true are skipped: the control plane makes those passable itself.
 */
export function firstUnsearchableAncestor(path: string, own: (dir: string) => boolean = () => false): string | undefined {
  let dir = path;
  for (;;) {
    if (!own(dir)) {
      try {
        statSync(dir);
        if (!searchable(dir)) return dir;
      } catch {
        // Not created yet: it will be, with a passable mode.
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export function findOnPath(name: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** bubblewrap can make the namespaces a claw's sandbox needs here (a container may forbid user namespaces). */
function bwrapWorks(bwrap: string): string | undefined {
  const probe = spawnSync(bwrap, ['--unshare-pid', '--ro-bind', '/', '/', '--proc', '/proc', '--dev', '/dev', 'true'], { timeout: 10_000, encoding: 'utf8' });
  if (probe.status === 0) return undefined;
  return (probe.stderr || probe.error?.message || `exit ${probe.status}`).trim().split('\n')[0];
}

const RESTRICTED: Text = {
  en: 'only the default tenant\'s claws run on this machine',
  zh: '本机只运行 default 租户的实例',
};

function unavailable(why: Text): LocalIsolation {
  return {
    mode: 'none',
    tenants: [DEFAULT_TENANT],
    reason: {
      en: `Local claws cannot be isolated from the control plane: ${why.en}; ${RESTRICTED.en}. Install bubblewrap (apt install bubblewrap), run the control plane as root, or use the Kubernetes runtime.`,
      zh: `本地实例无法与控制面隔离：${why.zh}；${RESTRICTED.zh}。请安装 bubblewrap（apt install bubblewrap）、以 root 运行控制面，或改用 Kubernetes 运行时。`,
    },
  };
}

/**
 * Decides the isolation of local claws. `dirs` are the directories a claw must reach under its own uid (the instances'
 * root and the package cache); `ownDir` is the control plane's data dir. It makes those two passable itself.
 */
export function detectIsolation(setting: IsolationSetting, dirs: { rootDir: string; cacheDir: string; ownDir: string }, uid = process.getuid?.() ?? -1): LocalIsolation {
  if (setting === 'off') {
    return {
      mode: 'off',
      reason: {
        en: 'Isolation of local claws is turned off (CLAW_LOCAL_ISOLATION=off): every claw runs as the control plane\'s user and can read its keys, its database and the other claws\' files.',
        zh: '本地实例隔离已关闭（CLAW_LOCAL_ISOLATION=off）：所有实例以控制面的用户运行，可读取其密钥、数据库和其他实例的文件。',
      },
    };
  }
  if (uid === 0 && setting !== 'sandbox') {
    // The data dir, the cache and what is below them are the control plane's own: it makes those passable itself.
    const own = (dir: string) => [dirs.ownDir, dirs.cacheDir].some((mine) => dir === mine || dir.startsWith(`${mine}/`));
    for (const dir of [dirs.rootDir, dirs.cacheDir]) {
      const blocked = firstUnsearchableAncestor(dir, own);
      if (blocked) {
        return unavailable({
          en: `claws run as users of their own, and those cannot pass through ${blocked} to reach ${dir} (chmod o+x ${blocked}, or set CLAW_DATA_DIR / CLAW_CACHE_DIR elsewhere)`,
          zh: `实例以各自的用户运行，无法穿过 ${blocked} 访问 ${dir}（执行 chmod o+x ${blocked}，或把 CLAW_DATA_DIR / CLAW_CACHE_DIR 设到别处）`,
        });
      }
    }
    return { mode: 'users' };
  }
  if (setting === 'users') {
    return unavailable({ en: 'CLAW_LOCAL_ISOLATION=users needs the control plane to run as root', zh: 'CLAW_LOCAL_ISOLATION=users 需要以 root 运行控制面' });
  }
  const bwrap = findOnPath('bwrap');
  if (!bwrap) return unavailable({ en: 'the control plane does not run as root and bubblewrap (bwrap) is not installed', zh: '控制面不以 root 运行，且未安装 bubblewrap（bwrap）' });
  const problem = bwrapWorks(bwrap);
  if (problem) return unavailable({ en: `bubblewrap cannot create a sandbox here (${problem})`, zh: `bubblewrap 无法在此创建沙箱（${problem}）` });
  return { mode: 'sandbox', bwrap };
}
