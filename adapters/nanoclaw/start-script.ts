// The shell line a NanoClaw pod starts with: put secrets where NanoClaw reads them (.env), its memory files in place, then NanoClaw.
import { DOT_ENV_KEYS } from './nanoclaw-env.js';

/** NanoClaw's working directory in its image: its project root (config.ts: PROJECT_ROOT = process.cwd()). */
export const APP_DIR = '/app';

/** POSIX-sh single quoting, so a path can never end the string. */
const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * 1. `.env` (mode 0600, in the container's own filesystem, gone with the pod) gets the credential proxy's keys from the
 *    environment (the Kubernetes Secret); they are then unset, so NanoClaw and the docker CLI it runs never hold them.
 * 2. The generated groups/<folder>/CLAUDE.md files are copied over the groups volume (a declared config wins over edits).
 * 3. exec: NanoClaw becomes the container's main process and gets SIGTERM itself.
 */
export function startScript(filesDir: string): string {
  const keys = DOT_ENV_KEYS.join(' ');
  return [
    'set -eu',
    `cd ${quote(APP_DIR)}`,
    `(umask 077 && : > .env && for k in ${keys}; do v=$(printenv "$k" || true); if [ -n "$v" ]; then printf '%s=%s\\n' "$k" "$v" >> .env; fi; done)`,
    `for k in ${keys}; do unset "$k"; done`,
    `mkdir -p groups && cp -RL ${quote(`${filesDir}/groups`)}/. groups/`,
    'exec node dist/index.js',
  ].join('\n');
}
