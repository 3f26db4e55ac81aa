// Builds the WorkloadSpec of an instance from its resolved config (ConfigStore.resolve): the adapter's files and
// workload, ids, labels and a spec hash.
import { ClawError } from '../../errors/claw-error.js';
import { podTarget, type ClawLayout } from '../../runtime/claw-layout.js';
import type { RuntimeTarget } from '../../runtime/runtime.js';
import type { InstanceRef, WorkloadSpec } from '../../runtime/workload.js';
import type { Instance } from '../../store/entities/instance.js';
import type { SecretBox } from '../../store/secret-box.js';
import type { AdapterRegistry } from '../adapters/adapter-registry.js';
import type { ConfigProblem, RuntimeInfo } from '../adapters/claw-adapter.js';
import type { ResolvedConfig } from '../config/template-catalog.js';
import { sha256Hex } from '../../util/ids.js';
import { filesDigest } from '../../runtime/files-digest.js';

/** Thrown when the instance's config cannot produce valid files: the reconciler marks the instance Failed. */
export class ConfigInvalidError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(problems.map((p) => `${p.path}: ${p.message}`).join('; '));
    this.name = 'ConfigInvalidError';
  }
}

export function configProblemsError(problems: ConfigProblem[]): ClawError {
  return new ClawError('CLAW_ARG_INVALID', {
    what: { en: 'configuration', zh: '配置' },
    reason: problems.map((p) => `${p.path}: ${p.message}`).join('; '),
  });
}

function digest(value: unknown): string {
  return sha256Hex(JSON.stringify(value));
}

export class WorkloadBuilder {
  constructor(
    private readonly adapters: AdapterRegistry,
    private readonly secrets: SecretBox,
  ) {}

  /** Where a claw of this type lives in a pod and whether it runs locally (its adapter's declaration). */
  layoutOf(type: string): ClawLayout {
    return this.adapters.get(type).layout;
  }

  /** Everything the adapter must accept for this config on this target; empty when it is fine. */
  check(instance: Pick<Instance, 'type' | 'version'>, ref: InstanceRef, target: RuntimeTarget, config: ResolvedConfig): ConfigProblem[] {
    const adapter = this.adapters.get(instance.type);
    const problems = adapter.parseConfig(config);
    if (problems.length) return problems;
    const runtime: RuntimeInfo = { ref, target, version: instance.version};
    return adapter.validate(adapter.generateConfig(config, runtime));
  }

  /** The adapter's grace period for stopping the instance; undefined when its config is broken (a stop must still work). */
  graceSeconds(instance: Instance, ref: InstanceRef, config: ResolvedConfig | undefined): number | undefined {
    if (!config) return undefined;
    try {
      const adapter = this.adapters.get(instance.type);
      const runtime: RuntimeInfo = { ref, target: podTarget(adapter.layout.pod), version: instance.version };
      return adapter.workload(config, runtime, '').terminationGraceSeconds;
    } catch {
      return undefined;
    }
  }

  build(instance: Instance, ref: InstanceRef, target: RuntimeTarget, config: ResolvedConfig): WorkloadSpec {
    const adapter = this.adapters.get(instance.type);
    const problems = adapter.parseConfig(config);
    if (problems.length) throw new ConfigInvalidError(problems);
    const runtime: RuntimeInfo = { ref, target, version: instance.version};
    const files = adapter.generateConfig(config, runtime);
    const invalid = adapter.validate(files);
    if (invalid.length) throw new ConfigInvalidError(invalid);
    const parts = adapter.workload(config, runtime, this.secrets.open(instance.gatewayToken));
    const resources = { cpu: instance.cpu, memory: instance.memory };
    // Pod-only parts of the layout; a process has its directories in the target already.
    const pod = target.kind === 'pod'
      ? { paths: { configDir: target.configDir, dataDir: target.dataDir, filesDir: target.filesDir }, mounts: adapter.layout.pod.mounts ?? [], sidecars: parts.sidecars ?? [] }
      : { paths: { configDir: target.configDir, dataDir: target.dataDir }, mounts: [], sidecars: [] };
    // Secret values are hashed, never kept in clear, so a new API key still replaces the workload. Unchanged for a claw
    // without mounts or sidecars, so existing pods are not replaced by this field's arrival. Of the files, only what the
    // claw cannot apply in place counts (with their names, which a pod's volume lists): the rest is configHash.
    const restartFiles = adapter.restartProjection ? { names: Object.keys(files).sort(), restart: adapter.restartProjection(files) } : files;
    const specHash = digest({
      image: parts.image, command: parts.command, args: parts.args, env: parts.env, files: restartFiles, resources, storage: instance.storage,
      probes: parts.probes, user: parts.user, group: parts.group, grace: parts.terminationGraceSeconds, process: parts.process,
      secretEnv: Object.fromEntries(Object.entries(parts.secretEnv).map(([k, v]) => [k, digest(v)])),
      ...(pod.mounts.length || pod.sidecars.length ? { mounts: pod.mounts, sidecars: pod.sidecars } : {}),
    }).slice(0, 32);
    return {
      ref, type: instance.type, version: instance.version, labels: instance.labels, image: parts.image, command: parts.command, args: parts.args,
      env: parts.env, secretEnv: parts.secretEnv, files, port: target.port, probes: parts.probes, resources, storage: instance.storage,
      ...pod, user: parts.user, group: parts.group,
      terminationGraceSeconds: parts.terminationGraceSeconds, specHash, configHash: filesDigest(files), restartGeneration: instance.restartGeneration,
      ...(parts.process ? { process: parts.process } : {}),
    };
  }
}
