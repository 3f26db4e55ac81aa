// The config a running claw holds against the one the control plane generated for it, through the claw's adapter
// (OpenClaw: admin RPC config.get) or, for a claw that cannot say, the files the runtime holds.
import type { InstanceRef } from '../../runtime/workload.js';
import type { Runtime } from '../../runtime/runtime.js';
import { filesDigest } from '../../runtime/files-digest.js';
import type { Instance } from '../../store/entities/instance.js';
import type { SecretBox } from '../../store/secret-box.js';
import type { AdapterRegistry } from '../adapters/adapter-registry.js';
import type { ComparableConfig, GeneratedFiles, RunningConfig } from '../adapters/claw-adapter.js';

/** How long one question to a claw may take: a slower claw counts as not answering. */
const READ_TIMEOUT_MS = 15_000;

/** What was compared: the claw's own report (`claw`), or the files the runtime holds (`files`). */
export type LiveSource = 'claw' | 'files';

export interface LiveComparison {
  source: LiveSource;
  /** The running config is the desired one, and the claw runs it. */
  same: boolean;
  /** The claw holds a config it has not applied (a change waiting for its reload, or one it refused). */
  unapplied: boolean;
  /** Config paths (or file names) that differ, at most MAX_PATHS: never values. */
  paths: string[];
  runningHash: string;
  desiredHash: string;
}

const MAX_PATHS = 20;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Dotted paths whose values differ between two canonical configs (a subtree only on one side is one path). */
export function differingPaths(a: unknown, b: unknown, prefix = '', out: string[] = []): string[] {
  if (out.length >= MAX_PATHS) return out;
  if (isObject(a) && isObject(b)) {
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) differingPaths(a[key], b[key], prefix ? `${prefix}.${key}` : key, out);
    return out;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push(prefix || '(root)');
  return out;
}

/** Generated files compared as files: a changed file is one path (its name). */
function comparableFiles(files: GeneratedFiles): ComparableConfig {
  return { hash: filesDigest(files), content: { ...files } };
}

export class LiveConfig {
  constructor(
    private readonly adapters: AdapterRegistry,
    private readonly secrets: SecretBox,
    private readonly runtime: Runtime,
  ) {}

  /** The claw type can report the config it runs (its adapter reads it from the claw). */
  reportsOwnConfig(type: string): boolean {
    const adapter = this.adapters.get(type);
    return Boolean(adapter.readRunningConfig && adapter.comparableConfig);
  }

  /**
   * Compares what the claw runs with `desired` (the spec's files): from the claw when it can say and answers at `endpoint`,
   * else from the files the runtime holds. Throws when the claw does not answer.
   */
  async compare(
    instance: Pick<Instance, 'type' | 'gatewayToken'>, ref: InstanceRef, endpoint: string | null, desired: GeneratedFiles, signal?: AbortSignal,
  ): Promise<LiveComparison> {
    const adapter = this.adapters.get(instance.type);
    if (adapter.readRunningConfig && adapter.comparableConfig && endpoint) {
      const limit = AbortSignal.timeout(READ_TIMEOUT_MS);
      const running: RunningConfig = await adapter.readRunningConfig(
        { endpoint, gatewayToken: this.secrets.open(instance.gatewayToken) }, signal ? AbortSignal.any([signal, limit]) : limit,
      );
      return this.verdict('claw', running, adapter.comparableConfig(desired), running.applied);
    }
    const files = await this.runtime.files(ref);
    return this.verdict('files', comparableFiles(files ?? {}), comparableFiles(desired), true);
  }

  private verdict(source: LiveSource, running: ComparableConfig, desired: ComparableConfig, applied: boolean): LiveComparison {
    const same = running.hash === desired.hash;
    return {
      source, same: same && applied, unapplied: !applied, paths: same ? [] : differingPaths(running.content, desired.content),
      runningHash: running.hash, desiredHash: desired.hash,
    };
  }
}
