// Options of the local runtime and their defaults, each with its reason.
import type { DataSource } from 'typeorm';
import type { IdRange } from './claw-users.js';
import type { CrashBackoff } from './crash-history.js';
import type { IsolationSetting, LocalIsolation } from './isolation.js';
import type { PortRange } from './port-allocator.js';
import type { RuntimeMeter } from '../runtime-meter.js';
import type { Logger } from '../../util/logger.js';

export interface LocalRuntimeOptions {
  /** Instances live under <rootDir>/<tenant>/<project>/<name>/. */
  rootDir: string;
  /** npm installs (Node binaries, claw packages), shared by all instances and kept across restarts. */
  cacheDir: string;
  /** The control plane's database: holds the 'reconciler' lease for leader election among replicas. */
  db: DataSource;
  logger?: Logger;
  /** Counts file writes and change notifications for /metrics. Default: counted nowhere. */
  meter?: RuntimeMeter;
  /** How often readiness (and, at most once per its periodSeconds, liveness) is probed: 1 s, so `ready` follows a claw quickly. */
  healthIntervalMs?: number;
  /**
   * How claws are isolated (isolation.ts): `auto` (the default) picks a uid per claw as root, bubblewrap otherwise, and
   * without either runs only the default tenant's claws; `off` runs every claw as our own user. A decided isolation may
   * be given instead (tests).
   */
  isolation?: IsolationSetting | LocalIsolation;
  /** The uids claws get as root: 1900000000-1900099999 by default (claw-users.ts). */
  uidRange?: IdRange;
  /** Restart delay after crashes: 1 s doubling to 60 s by default (the kubelet's curve). */
  crashBackoff?: CrashBackoff;
  /** Interface claws bind and are probed on: loopback only, a laptop's claws are not for the LAN. */
  host?: '127.0.0.1';
  /** Where instance ports come from: 20000-29999 by default, below the kernel's ephemeral range. */
  portRange?: PortRange;
  /** The npm that installs packages: the system's `npm` by default. */
  npmCommand?: string;
  /** Kills a hung npm install: 20 minutes by default, a cold OpenClaw install takes a few. */
  installTimeoutMs?: number;
  /** Earliest retry of a failed install: 5 s doubling to 5 min by default, so reconciles do not hammer the registry. */
  installBackoff?: CrashBackoff;
}

export const DEFAULT_HEALTH_INTERVAL_MS = 1_000;
/** Grace for a destroy when no spec ever told us one (a process adopted from an older runtime.json). */
export const DEFAULT_DESTROY_GRACE_SECONDS = 10;
