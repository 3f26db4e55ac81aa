// The Runtime interface: what the lifecycle engine needs from wherever claws run (Kubernetes, or local processes).
//
// Engines never know which runtime they drive. Every method is idempotent and safe to repeat after a crash: names
// are deterministic (derived from the InstanceRef), so a repeated apply finds what the previous attempt created.
import type { Text } from '../i18n/locale.js';
import type { ClawLayout } from './claw-layout.js';
import type { LeaderElector, LeaseTiming } from './leader-elector.js';
import type { InstanceRef, WorkloadSpec } from './workload.js';

/** Where and how an instance runs, decided by the runtime before the adapter generates its files. */
export interface RuntimeTarget {
  /** `pod`: a container in a Kubernetes pod; `process`: a supervised local child process. */
  kind: 'pod' | 'process';
  /** Port the claw listens on: fixed in a pod, allocated (and kept) per instance locally. */
  port: number;
  /** Network exposure: `lan` (all interfaces, inside the pod) or `loopback` (127.0.0.1 only, local). */
  bind: 'lan' | 'loopback';
  /** Absolute path of the instance's config/state directory as the claw sees it. */
  configDir: string;
  /** Absolute path of the instance's data directory as the claw sees it. */
  dataDir: string;
  /**
   * Where the claw's own log file should go (an absolute path as the claw sees it); its console output is collected
   * separately (container log, or the local runtime's log file), which is what `claw logs` shows.
   */
  logFile: string;
  /**
   * Where the generated files (WorkloadSpec.files) appear, as the claw sees them: a read-only ConfigMap mount in a pod
   * (`/etc/clusterclaw`), a `generated/` directory locally. Kept apart from configDir so the claw's own state and the
   * control plane's declared config never overwrite each other.
   */
  filesDir: string;
}

/** A tenant's limits, applied as a ResourceQuota on Kubernetes (the local runtime only records them). */
export interface TenantQuota {
  instances: number;
  cpu: string;
  memory: string;
  storage: string;
}

/** The workload's condition as the runtime sees it now. */
export type WorkloadState =
  /** No pod or process. */
  | 'absent'
  /** Created, not yet running (scheduling, pulling, installing, starting). */
  | 'pending'
  /** Running; see `ready`. */
  | 'running'
  /** Being stopped (graceful termination in progress). */
  | 'terminating'
  /** Exited or cannot run; see `failure`. */
  | 'failed';

/** Why a workload cannot run; the reconciler turns these into phase Failed (some only after a deadline). */
export type FailureReason =
  | 'CrashLoopBackOff'
  | 'OOMKilled'
  | 'ImagePullBackOff'
  | 'Unschedulable'
  | 'ProbeFailure'
  | 'QuotaExceeded'
  | 'InstallFailed'
  | 'ConfigInvalid'
  | 'Error';

export interface Observation {
  state: WorkloadState;
  ready: boolean;
  /** Container restarts (Kubernetes) or process restarts after crashes (local), for the current workload. */
  restarts: number;
  /**
   * Something besides the workload and its volumes remains (secret, config, service; locally the instance directory
   * apart from data/): false after a destroy, even one that kept the data.
   */
  resourcesPresent: boolean;
  /** Volumes (or the data directory) remain. */
  dataPresent: boolean;
  node?: string;
  startedAt?: Date;
  /** How to reach the claw: `http://10.0.0.7:18789` (pod IP / service) or `http://127.0.0.1:PORT`. */
  endpoint?: string;
  /** The spec hash and restart generation the running workload was created from (see WorkloadSpec). */
  specHash?: string;
  restartGeneration?: number;
  /** Set when something is wrong, even while `state` is pending or running (e.g. Unschedulable, never ready). */
  failure?: { reason: FailureReason; message: string };
  /** Short human-readable progress, e.g. "installing openclaw@2026.9.6", "pulling image". */
  progress?: string;
}

export interface LogOptions {
  /** Last N lines (default: the runtime's choice, at most 10 000). */
  tail?: number;
  /** Only lines from the last N seconds. */
  sinceSeconds?: number;
  /** The previous (crashed) run's log. */
  previous?: boolean;
}

export interface RuntimeEvent {
  at: Date;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  /** How many times the same event happened (Kubernetes aggregates repeats). */
  count: number;
}

/**
 * Errors from a runtime carry a kind so the reconciler can decide: retry later, or give up until the spec changes.
 * `message` is safe to show to users (no secrets, no tokens).
 */
export type RuntimeErrorKind =
  /** The backend refused because of a quota: terminal until the spec or the quota changes. */
  | 'quota'
  /** The spec cannot work (invalid name, invalid field): terminal. */
  | 'invalid'
  /** Optimistic-concurrency conflict: retry at once with fresh state. */
  | 'conflict'
  /** The backend is unreachable, timed out or answered 5xx: retry with backoff. */
  | 'unavailable'
  /** The backend forbade the call (RBAC of the control plane's own credentials): retry with backoff, loudly. */
  | 'forbidden'
  /**
   * An object the instance needs already exists and belongs to another instance (or to none): refused, never taken
   * over; terminal until someone removes it.
   */
  | 'foreign';

export class RuntimeError extends Error {
  constructor(
    readonly kind: RuntimeErrorKind,
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'RuntimeError';
  }
}

/**
 * How claws are kept from the control plane's keys and from each other: `pods` (Kubernetes), `users` (a uid per local
 * claw), `sandbox` (bubblewrap), `none` (not possible here: only some tenants run) or `off` (turned off by a setting).
 */
export interface RuntimeIsolation {
  mode: 'pods' | 'users' | 'sandbox' | 'none' | 'off';
  /** The tenants whose claws may run; undefined means every tenant. */
  tenants?: readonly string[];
  /** Why isolation is weaker than it could be, and what to do about it. */
  reason?: Text;
}

/** What a claw uses now: CPU over the last moments and memory in use. */
export interface ResourceUsage {
  /** Thousandths of a core (Kubernetes' `m`). */
  cpuMillicores: number;
  memoryBytes: number;
  sampledAt: Date;
}

/** Usage of the running claws asked about (a claw without a sample is absent: a gap, not a zero), or why there is none. */
export type UsageReport =
  | { available: true; byInstance: Map<string, ResourceUsage> }
  | { available: false; reason: Text };

export interface Runtime {
  readonly kind: 'kubernetes' | 'local';

  /** Decided at start; `claw status`, /readyz and the start banner report it. */
  isolation(): RuntimeIsolation;

  /** CPU and memory the running claws among `refs` use now (local: their process trees; Kubernetes: metrics.k8s.io). */
  usage(refs: readonly InstanceRef[]): Promise<UsageReport>;

  /** Why this runtime cannot run a claw of this layout (shown to users), or undefined when it can. */
  unsupported(layout: ClawLayout): Text | undefined;

  /**
   * Where the instance runs: paths, port and bind, from the claw type's layout in a pod; locally this allocates (once,
   * persistently) a port and directories. Throws RuntimeError `invalid` for a layout this runtime cannot run.
   */
  target(ref: InstanceRef, layout: ClawLayout): Promise<RuntimeTarget>;

  /** The tenant's space exists with this quota: a namespace `claw-<tenant>` with labels and a ResourceQuota. */
  ensureTenant(tenant: string, quota: TenantQuota): Promise<void>;

  /**
   * Creates or updates everything the instance needs and starts its workload: secret, config files, volumes, service,
   * pod or process. A workload created from another spec hash or an older restart generation is replaced: apply may
   * wait a short while (seconds) for the old one to go; if it drains longer, a later apply creates the successor.
   */
  apply(spec: WorkloadSpec): Promise<void>;

  /** Stops the workload and keeps everything else. `force`: no grace period (Kubernetes grace 0, SIGKILL). */
  stop(ref: InstanceRef, options: { force: boolean; graceSeconds: number }): Promise<void>;

  /** Removes the workload and everything else of the instance; with `keepData` the volumes (or data dirs) stay. */
  destroy(ref: InstanceRef, options: { keepData: boolean }): Promise<void>;

  observe(ref: InstanceRef): Promise<Observation>;

  /**
   * The generated files as the runtime holds them for the instance now (the ConfigMap; locally its generated/ dir),
   * or undefined when there are none: what drift checks compare for a claw that cannot report its own config.
   */
  files(ref: InstanceRef): Promise<Record<string, string> | undefined>;

  logs(ref: InstanceRef, options: LogOptions): Promise<string[]>;

  /** Events about the instance's workload from the runtime (Kubernetes Events, process exits and restarts), oldest first. */
  events(ref: InstanceRef): Promise<RuntimeEvent[]>;

  /** Calls `onChange(instanceId)` whenever something about an instance's workload may have changed, until `signal` aborts. */
  watch(onChange: (instanceId: string) => void, signal: AbortSignal): void;

  /** One active reconciler among replicas: a coordination.k8s.io Lease on Kubernetes, a database lease locally. */
  leaderElector(identity: string, timing?: LeaseTiming): LeaderElector;

  /** Releases connections, timers and (locally) detaches from supervised processes without stopping them. */
  close(): Promise<void>;
}
