// Reconciles one instance: reads desired state from the database and actual state from the runtime, then acts.
// Every step is idempotent; a crash at any point is repaired by the next pass (deterministic names, no local memory).
import type { DataSource } from 'typeorm';
import type { ClawLayout } from '../../runtime/claw-layout.js';
import type { Runtime, TenantQuota } from '../../runtime/runtime.js';
import type { InstanceRef } from '../../runtime/workload.js';
import { RuntimeError } from '../../runtime/runtime.js';
import { InstanceEntity, type Instance } from '../../store/entities/instance.js';
import { ProjectEntity } from '../../store/entities/project.js';
import { TenantEntity } from '../../store/entities/tenant.js';
import type { InstanceEvents } from './instance-events.js';
import { decideDestroyed, decideRunning, decideStopped, STATUS_FIELDS, type Deadlines, type Decision } from './phase.js';
import { effectiveQuota } from './quota.js';
import { ConfigInvalidError, type WorkloadBuilder } from './workload-builder.js';

export interface ReconcileResult {
  requeueAfterMs?: number;
}

/** A reconcile error that retrying cannot fix; the instance shows it and waits for a new generation. */
export class TerminalError extends Error {}

export interface ReconcilerOptions {
  db: DataSource;
  runtime: Runtime;
  builder: WorkloadBuilder;
  events: InstanceEvents;
  quotaDefaults: TenantQuota;
  deadlines: Deadlines;
  now?: () => Date;
}

function same(a: unknown, b: unknown): boolean {
  if (a instanceof Date || b instanceof Date) return (a as Date | null)?.getTime() === (b as Date | null)?.getTime();
  return a === b;
}

export class Reconciler {
  private readonly now: () => Date;

  constructor(private readonly o: ReconcilerOptions) {
    this.now = o.now ?? (() => new Date());
  }

  async reconcile(id: string): Promise<ReconcileResult> {
    const repo = this.o.db.getRepository(InstanceEntity);
    const instance = await repo.findOneBy({ id });
    if (!instance || (instance.phase === 'Destroyed' && instance.desiredPhase === 'Destroyed')) return {};
    const [tenant, project] = await Promise.all([
      this.o.db.getRepository(TenantEntity).findOneBy({ id: instance.tenantId }),
      this.o.db.getRepository(ProjectEntity).findOneBy({ id: instance.projectId }),
    ]);
    if (!tenant || !project) throw new TerminalError(`instance ${id} belongs to a tenant or project that no longer exists`);
    const ref: InstanceRef = { id: instance.id, tenant: tenant.name, project: project.name, name: instance.name };

    let decision: Decision;
    switch (instance.desiredPhase) {
      case 'Destroyed':
        await this.o.runtime.destroy(ref, { keepData: instance.keepData });
        decision = decideDestroyed(instance, await this.o.runtime.observe(ref));
        break;
      case 'Stopped':
        await this.o.runtime.stop(ref, { force: instance.stopForce, graceSeconds: this.graceOf(instance, ref) });
        decision = decideStopped(instance, await this.o.runtime.observe(ref));
        break;
      case 'Running':
        decision = await this.toRunning(instance, ref, effectiveQuota(tenant, this.o.quotaDefaults));
        break;
    }
    await this.write(instance, decision);
    return decision.requeueAfterMs === undefined ? {} : { requeueAfterMs: decision.requeueAfterMs };
  }

  private graceOf(instance: Instance, ref: InstanceRef): number {
    // 30 s, Kubernetes' default, when the adapter cannot tell (the instance's config is broken).
    return this.o.builder.graceSeconds(instance, ref) ?? 30;
  }

  private async toRunning(instance: Instance, ref: InstanceRef, quota: TenantQuota): Promise<Decision> {
    const runtime = this.o.runtime;
    let layout: ClawLayout;
    try {
      layout = this.o.builder.layoutOf(instance.type);
    } catch {
      return this.failed(instance, 'Unsupported', `this control plane has no adapter for claw type ${instance.type}`);
    }
    // An instance this runtime can never run (created on another runtime): say why once, rather than retry forever.
    const refusal = runtime.unsupported(layout);
    if (refusal) return this.failed(instance, 'Unsupported', refusal.en);
    await runtime.ensureTenant(ref.tenant, quota);
    const target = await runtime.target(ref, layout);
    let spec;
    try {
      spec = this.o.builder.build(instance, ref, target);
    } catch (error) {
      if (error instanceof ConfigInvalidError) return this.failed(instance, 'ConfigInvalid', error.message);
      throw error;
    }
    try {
      await runtime.apply(spec);
    } catch (error) {
      if (error instanceof RuntimeError && error.kind === 'quota') return this.failed(instance, 'QuotaExceeded', error.message, 30_000);
      if (error instanceof RuntimeError && error.kind === 'invalid') return this.failed(instance, 'Error', error.message, 60_000);
      // Another instance's object under this one's name: sharing it would hand over its volumes or secret.
      if (error instanceof RuntimeError && error.kind === 'foreign') return this.failed(instance, 'NameConflict', error.message, 60_000);
      throw error;
    }
    const observation = await runtime.observe(ref);
    return decideRunning(instance, observation, { specHash: spec.specHash, restartGeneration: spec.restartGeneration }, this.now(), this.o.deadlines);
  }

  private failed(instance: Instance, reason: string, message: string, requeueAfterMs?: number): Decision {
    return {
      status: {
        phase: 'Failed', ready: false, restarts: instance.restarts, reason, message, node: instance.node, endpoint: instance.endpoint,
        startedAt: instance.startedAt, troubleSince: null,
      },
      converged: false,
      ...(requeueAfterMs ? { requeueAfterMs } : {}),
    };
  }

  /** Writes only the observed columns, and only what changed; desired columns belong to commands. */
  private async write(instance: Instance, decision: Decision): Promise<void> {
    const changes: Partial<Instance> = {};
    for (const field of STATUS_FIELDS) {
      if (!same(instance[field], decision.status[field])) (changes as Record<string, unknown>)[field] = decision.status[field];
    }
    if (instance.reconciledGeneration !== instance.generation) changes.reconciledGeneration = instance.generation;
    if (decision.converged) {
      if (instance.observedGeneration !== instance.generation) changes.observedGeneration = instance.generation;
      if (instance.observedRestartGeneration !== instance.restartGeneration) changes.observedRestartGeneration = instance.restartGeneration;
    }
    const phaseChanged = decision.status.phase !== instance.phase;
    if (phaseChanged) changes.lastTransitionAt = this.now();
    if (decision.status.phase === 'Destroyed' && decision.converged) {
      changes.nameKey = null;
      changes.destroyedAt = this.now();
    }
    if (Object.keys(changes).length === 0) return;
    await this.o.db.getRepository(InstanceEntity).update({ id: instance.id }, changes);
    if (phaseChanged || (decision.status.reason !== instance.reason && decision.status.phase === 'Failed')) {
      const s = decision.status;
      await this.o.events.record(
        instance.id, s.phase === 'Failed' ? 'Warning' : 'Normal', s.phase === 'Failed' ? (s.reason ?? 'Failed') : s.phase,
        `${instance.phase} -> ${s.phase}${s.reason ? ` (${s.reason}${s.message ? `: ${s.message}` : ''})` : ''}`,
      );
    }
  }
}
