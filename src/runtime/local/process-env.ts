// The environment a claw process gets: a few host variables, the spec's env and secret env, and our Node first on PATH.
import { delimiter } from 'node:path';
import type { WorkloadSpec } from '../workload.js';

/**
 * Host variables a claw may need (locale, time zone, proxies, CA bundles). Nothing else is inherited: the control plane's
 * own environment holds its database URL and chat-app secrets, which are none of a claw's business.
 */
const INHERITED = [
  'USER',
  'LOGNAME',
  'LANG',
  'LANGUAGE',
  'LC_ALL',
  'LC_CTYPE',
  'TZ',
  'TMPDIR',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'NODE_EXTRA_CA_CERTS',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
];

/** Names the process as ours in /proc/<pid>/environ, which survives process.title rewriting argv. */
export const INSTANCE_MARKER_VAR = 'CLUSTERCLAW_INSTANCE_ID';

/**
 * Names one launch of a claw, set by the supervisor at spawn. Its helpers inherit it and keep it once orphaned, so they
 * are found and killed after the claw exits; unlike the instance marker it never matches the next launch's processes.
 */
export const LAUNCH_MARKER_VAR = 'CLUSTERCLAW_LAUNCH_ID';

export function instanceMarker(id: string): string {
  return `${INSTANCE_MARKER_VAR}=${id}`;
}

/**
 * `home` is the instance's own HOME (unless the spec sets one), as a pod has: claws keep caches there (OpenClaw writes
 * ~/.cache/openclaw), and the control plane's HOME holds its own credentials (~/.npmrc, ~/.ssh).
 */
export function processEnv(
  spec: Pick<WorkloadSpec, 'env' | 'secretEnv' | 'ref'>,
  nodeBinDir: string,
  home: string,
  /** What isolation changes: a claw of its own uid is not the control plane's USER; a sandbox has its own /tmp. */
  isolated: Record<string, string | undefined> = {},
): Record<string, string> {
  const env: Record<string, string> = { HOME: home };
  for (const name of INHERITED) {
    const value = name in isolated ? isolated[name] : process.env[name];
    if (value !== undefined) env[name] = value;
  }
  Object.assign(env, spec.env, spec.secretEnv);
  // The claw's own `node` children (plugins, tools) must get the Node it was installed for, not the host's older one.
  env.PATH = [nodeBinDir, spec.env.PATH ?? process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin'].join(delimiter);
  env[INSTANCE_MARKER_VAR] = spec.ref.id;
  return env;
}
