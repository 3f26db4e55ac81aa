// The ClawAdapter interface: one implementation per claw type in adapters/, turning unified config into that type's
// files and the pod or process it needs. Adapters know their claw type and nothing else (no Kubernetes, no chat).
import type { ClawLayout, Sidecar } from '../../runtime/claw-layout.js';
import type { RuntimeTarget } from '../../runtime/runtime.js';
import type { HttpProbe, InstanceRef, ProcessSpec } from '../../runtime/workload.js';
import type { TokenCounters } from '../../model/token-counters.js';
import type { ResolvedConfig, VariableType } from '../config/template-catalog.js';

/** The unified config of one instance: template variables after defaults and overrides, secrets apart. */
export type UnifiedConfig = ResolvedConfig;

/** What the runtime and the control plane know about the instance, injected into the generated config. */
export interface RuntimeInfo {
  ref: InstanceRef;
  target: RuntimeTarget;
  version: string;
}

export interface ConfigProblem {
  /** Where the problem is, e.g. `gateway.port` in the generated file or `model.baseUrl` in the unified config. */
  path: string;
  message: string;
}

/** The type's files, keyed by name relative to RuntimeTarget.filesDir (e.g. `openclaw.json`). */
export type GeneratedFiles = Record<string, string>;

/** The parts of a WorkloadSpec only the adapter knows; the lifecycle engine adds ids, labels, resources and hashes. */
export interface WorkloadParts {
  image: string;
  command: string[];
  args: string[];
  env: Record<string, string>;
  /** Secret environment variables with their values (gateway token, API keys): a Kubernetes Secret, never a file. */
  secretEnv: Record<string, string>;
  probes: { liveness?: HttpProbe; readiness?: HttpProbe; startup?: HttpProbe };
  user: number;
  group: number;
  terminationGraceSeconds: number;
  /** How to run it as a local process; absent exactly when `layout.local.runs` is false. */
  process?: ProcessSpec;
  /** Containers the claw needs beside it in its pod (e.g. a container runtime for a claw that runs agents in containers). */
  sidecars?: Sidecar[];
}

/** Where a running claw answers and the credential it takes, with its config (for labels such as the model). */
export interface ClawEndpoint {
  /** Observation.endpoint, e.g. `http://127.0.0.1:20345`. */
  endpoint: string;
  gatewayToken: string;
  config: UnifiedConfig;
}

/** One day's token use of one model as the claw reports it: totals since the day began, in the claw's own counters. */
export interface ClawUsageDay extends TokenCounters {
  /** The calendar day in UTC, `YYYY-MM-DD`. */
  date: string;
  model: string;
}

export interface ClawUsageReport {
  days: ClawUsageDay[];
  /** The claw's figures are complete; false while it is still counting (a lower figure then is not a reset). */
  complete: boolean;
}

/** How a change of an instance's config reaches its running claw: a new workload, applied in place, or not at all. */
export type ConfigChangeKind = 'restart' | 'reload' | 'nothing';

/** A claw's config in a form both the control plane and the running claw can produce: canonical and secret-free. */
export interface ComparableConfig {
  /** Digest of `content`: equal hashes mean the same config. */
  hash: string;
  /** The canonical form (no secret values, nothing the claw adds on its own), for naming the paths that differ. */
  content: Record<string, unknown>;
}

/** The config a running claw holds, as it reports it. */
export interface RunningConfig extends ComparableConfig {
  /** The claw runs what its file says; false while a change waits to be applied (or was refused by the claw). */
  applied: boolean;
}

export interface ClawAdapter {
  /** The claw type this adapter serves: `openclaw`. */
  readonly type: string;
  readonly displayName: string;
  readonly defaultVersion: string;
  /**
   * Where the claw lives in a pod (port, state and data directories, extra mounts) and whether it can run as a local
   * process, and if not why: the runtimes lay out every claw type from this alone.
   */
  readonly layout: ClawLayout;
  /**
   * Every template variable the adapter reads and as what (`string` also takes enum and url): templates are checked
   * against it before they are saved, so none sets a variable that does nothing or holds the wrong kind of value.
   */
  readonly variables: Readonly<Record<string, VariableType>>;

  /** A version string this adapter can run (for `--version`), or a reason it cannot. */
  checkVersion(version: string): string | null;

  /** ParseConfig: checks the unified config for this type beyond the template's types (combinations, formats). */
  parseConfig(config: UnifiedConfig): ConfigProblem[];

  /** GenerateConfig + InjectRuntime: the type's files for this instance on this runtime target. */
  generateConfig(config: UnifiedConfig, runtime: RuntimeInfo): GeneratedFiles;

  /** Validate: the generated files against what this claw type accepts (strict: unknown keys are errors). */
  validate(files: GeneratedFiles): ConfigProblem[];

  /** The workload: image, command, environment, secrets, probes, user, grace period and the local process. */
  workload(config: UnifiedConfig, runtime: RuntimeInfo, gatewayToken: string): WorkloadParts;

  /**
   * Token use per UTC day from `from` to `to` (`YYYY-MM-DD`, inclusive), read from the running claw; absent for a claw
   * type that cannot say. Throws when the claw does not answer (the collector records a gap, never a zero).
   */
  readUsage?(claw: ClawEndpoint, range: { from: string; to: string }, signal: AbortSignal): Promise<ClawUsageReport>;

  /**
   * The part of the generated files a running claw cannot take without a restart (OpenClaw: gateway port, bind, auth).
   * Files whose projections are equal differ only in what the claw applies in place when the runtime rewrites them
   * (its config watcher): the workload stays. Absent for a claw type without hot reload: every change restarts.
   */
  restartProjection?(files: GeneratedFiles): unknown;

  /** The generated files in the form readRunningConfig reports (present together with it). */
  comparableConfig?(files: GeneratedFiles): ComparableConfig;

  /**
   * The config the running claw holds, from the claw itself (OpenClaw: admin RPC `config.get`); absent for a claw type
   * that cannot say (drift is then checked on the files the runtime holds). Throws when the claw does not answer.
   */
  readRunningConfig?(claw: Pick<ClawEndpoint, 'endpoint' | 'gatewayToken'>, signal: AbortSignal): Promise<RunningConfig>;
}
