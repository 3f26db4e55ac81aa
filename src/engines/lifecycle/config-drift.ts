// Config drift: whether each running claw runs the config the control plane generated for it. The leader checks every
// running claw periodically (bounded concurrency, like the usage collector); `claw config check` checks a scope now.
// Results are kept in memory: the alert engine raises config-drift from them, and a later check clears them.
import { In, IsNull, Not, type DataSource } from 'typeorm';
import type { Runtime } from '../../runtime/runtime.js';
import type { InstanceRef } from '../../runtime/workload.js';
import { InstanceEntity, type Instance } from '../../store/entities/instance.js';
import { ProjectEntity } from '../../store/entities/project.js';
import { TenantEntity } from '../../store/entities/tenant.js';
import type { Logger } from '../../util/logger.js';
import { silentLogger } from '../../util/logger.js';
import { sleep } from '../../util/sleep.js';
import type { ConfigStore } from '../config/config-store.js';
import type { LiveConfig, LiveSource } from './live-config.js';
import type { WorkloadBuilder } from './workload-builder.js';

/**
 * `in-sync`: runs its desired config. `drifted`: runs (or holds) another one. `pending`: a change is still being
 * applied (the reconciler confirms it). `unknown`: the claw did not answer or its desired config cannot be built.
 */
export type DriftState = 'in-sync' | 'drifted' | 'pending' | 'unknown';

export interface DriftEntry {
  instanceId: string;
  tenantId: string;
  projectId: string;
  tenant: string;
  project: string;
  name: string;
  state: DriftState;
  /** Where the running config was read: the claw itself, or the files the runtime holds. */
  source?: LiveSource;
  /** Config paths (or file names) that differ; never values. */
  paths: string[];
  /** The claw holds a config it has not applied (refused, or waiting for a restart). */
  unapplied: boolean;
  /** Why the state is unknown. */
  detail?: string;
  checkedAt: Date;
  /** When this drift was first seen (kept across checks while it lasts). */
  since?: Date;
}

export interface ConfigDriftOptions {
  db: DataSource;
  runtime: Runtime;
  configs: ConfigStore;
  builder: WorkloadBuilder;
  live: LiveConfig;
  /** How often the leader checks every running claw. Default 5 minutes: drift is rare, and each check asks every claw. */
  intervalMs?: number;
  /** Claws asked at once. Default 8: each question is a small HTTP call, and the gateways are what is loaded. */
  concurrency?: number;
  logger?: Logger;
  now?: () => Date;
}

const DEFAULT_INTERVAL_MS = 5 * 60_000;
const DEFAULT_CONCURRENCY = 8;

/** Which running instances a check covers; all of them when empty. */
export interface DriftScope {
  tenantId?: string;
  projectId?: string;
  instanceId?: string;
}

type Candidate = Instance & { ref: InstanceRef };

export class ConfigDrift {
  private readonly results = new Map<string, DriftEntry>();
  private loop: Promise<void> | undefined;

  constructor(private readonly o: ConfigDriftOptions) {}

  private now(): Date {
    return this.o.now?.() ?? new Date();
  }

  /** Leader only: checks every running claw every interval until the signal aborts. */
  start(signal: AbortSignal): void {
    const previous = this.loop ?? Promise.resolve();
    // A new leadership after a lost one waits for the old loop: never two full checks at once.
    this.loop = previous.then(async () => {
      while (!signal.aborted) {
        await sleep(this.o.intervalMs ?? DEFAULT_INTERVAL_MS, signal);
        if (signal.aborted) return;
        try {
          await this.check({}, signal);
        } catch (error) {
          (this.o.logger ?? silentLogger).warn({ err: error }, 'config drift check failed');
        }
      }
    });
  }

  /** Resolves when the periodic loop has ended (after its signal aborted): the control plane waits before closing the store. */
  async stopped(): Promise<void> {
    await this.loop;
  }

  /** The drifted claws as last checked, for the alert engine. */
  drifted(): DriftEntry[] {
    return [...this.results.values()].filter((e) => e.state === 'drifted');
  }

  /** Checks the running claws in scope now; entries of claws in scope that no longer run are forgotten. */
  async check(scope: DriftScope, signal?: AbortSignal): Promise<DriftEntry[]> {
    const candidates = await this.running(scope);
    const ids = new Set(candidates.map((c) => c.id));
    for (const entry of [...this.results.values()]) {
      const inScope = (!scope.tenantId || entry.tenantId === scope.tenantId) && (!scope.projectId || entry.projectId === scope.projectId)
        && (!scope.instanceId || entry.instanceId === scope.instanceId);
      if (inScope && !ids.has(entry.instanceId)) this.results.delete(entry.instanceId);
    }
    const out: DriftEntry[] = [];
    let next = 0;
    const worker = async () => {
      while (!signal?.aborted) {
        const candidate = candidates[next++];
        if (!candidate) return;
        const entry = await this.checkOne(candidate, signal);
        const before = this.results.get(entry.instanceId);
        if (entry.state === 'drifted') entry.since = before?.state === 'drifted' ? (before.since ?? before.checkedAt) : entry.checkedAt;
        this.results.set(entry.instanceId, entry);
        out.push(entry);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.o.concurrency ?? DEFAULT_CONCURRENCY, candidates.length) }, worker));
    return out.sort((a, b) => a.tenant.localeCompare(b.tenant) || a.project.localeCompare(b.project) || a.name.localeCompare(b.name));
  }

  private async checkOne(instance: Candidate, signal?: AbortSignal): Promise<DriftEntry> {
    const { ref } = instance;
    const base = {
      instanceId: instance.id, tenantId: instance.tenantId, projectId: instance.projectId, tenant: ref.tenant, project: ref.project, name: instance.name,
      paths: [], unapplied: false, checkedAt: this.now(),
    };
    try {
      const target = await this.o.runtime.target(ref, this.o.builder.layoutOf(instance.type));
      const spec = this.o.builder.build(instance, ref, target, await this.o.configs.resolve(instance));
      // A change the reconciler has not confirmed yet is being applied, not drift (a pod's ConfigMap takes a while).
      if (instance.configHash !== spec.configHash) return { ...base, state: 'pending' };
      const seen = await this.o.live.compare(instance, ref, instance.endpoint, spec.files, signal);
      return { ...base, source: seen.source, state: seen.same ? 'in-sync' : 'drifted', paths: seen.paths, unapplied: seen.unapplied };
    } catch (error) {
      return { ...base, state: 'unknown', detail: (error as Error).message.slice(0, 300) };
    }
  }

  /** Running, ready instances in scope, with the names their runtime objects are known by. */
  private async running(scope: DriftScope): Promise<Candidate[]> {
    const rows = await this.o.db.getRepository(InstanceEntity).find({
      where: {
        phase: 'Running', ready: true, desiredPhase: 'Running', nameKey: Not(IsNull()),
        ...(scope.tenantId ? { tenantId: scope.tenantId } : {}), ...(scope.projectId ? { projectId: scope.projectId } : {}), ...(scope.instanceId ? { id: scope.instanceId } : {}),
      },
    });
    if (rows.length === 0) return [];
    const [tenants, projects] = await Promise.all([
      this.o.db.getRepository(TenantEntity).find({ select: { id: true, name: true }, where: { id: In([...new Set(rows.map((r) => r.tenantId))]) } }),
      this.o.db.getRepository(ProjectEntity).find({ select: { id: true, name: true }, where: { id: In([...new Set(rows.map((r) => r.projectId))]) } }),
    ]);
    const tenantName = new Map(tenants.map((t) => [t.id, t.name]));
    const projectName = new Map(projects.map((p) => [p.id, p.name]));
    return rows.flatMap((r) => {
      const tenant = tenantName.get(r.tenantId);
      const project = projectName.get(r.projectId);
      return tenant && project ? [{ ...r, ref: { id: r.id, tenant, project, name: r.name } }] : [];
    });
  }
}
