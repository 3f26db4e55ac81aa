// The ClawAdapter interface: one implementation per claw type in adapters/, turning unified config into that type's
// files and the pod or process it needs. Adapters know their claw type and nothing else (no Kubernetes, no chat).
import type { RuntimeTarget } from '../../runtime/runtime.js';
import type { HttpProbe, InstanceRef, ProcessSpec } from '../../runtime/workload.js';
import type { ResolvedConfig } from '../config/template-catalog.js';

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
  process: ProcessSpec;
}

export interface ClawAdapter {
  /** The claw type this adapter serves: `openclaw`. */
  readonly type: string;
  readonly displayName: string;
  readonly defaultVersion: string;

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
}
