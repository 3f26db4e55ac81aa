// Reconciles one instance: reads desired state from the database and actual state from the runtime, then acts.
// Every step is idempotent; a crash at any point is repaired by the next pass (deterministic names, no local memory).
import type { DataSource } from 'typeorm';
import type { ClawLayout } from '../../runtime/claw-layout.js';
import type { Observation, Runtime, TenantQuota } from '../../runtime/runtime.js';
import type { InstanceRef, WorkloadSpec } from '../../runtime/workload.js';
import { RuntimeError } from '../../runtime/runtime.js';
import { ClawError } from '../../errors/claw-error.js';
import type { ConfigStore } from '../config/config-store.js';
import type { ResolvedConfig } from '../config/template-catalog.js';
import { InstanceEntity, type Instance } from '../../store/entities/instance.js';
import { ProjectEntity } from '../../store/entities/project.js';
import { TenantEntity } from '../../store/entities/tenant.js';
import type { InstanceEvents } from './instance-events.js';
import { decideDestroyed, decideRunning, decideStopped, STATUS_FIELDS, type Deadlines, type Decision } from './phase.js';
import { effectiveQuota } from './quota.js';
import { ConfigInvalidError, type WorkloadBuilder } from './workload-builder.js';
import type { LiveConfig } from './live-config.js';

/** A claw that has not applied a config change in place after this long is shown as ConfigNotApplied (and warned of). */
const CONFIG_APPLY_DEADLINE_MS = 120_000;
/** A gateway answers config.get in milliseconds; one that takes this long is not waited for on every pass. */
const CONFIRM_TIMEOUT_MS = 5_000;

/** A decision with what the reconciler itself adds: the files the claw is known to run, and an event to record. */
interface Outcome extends Decision {
  configHash?: string;
  event?: { type: 'Normal' | 'Warning'; reason: string; message: string };
}

export interface ReconcileResult {
  requeueAfterMs?: number;
}

/** A reconcile error that retrying cannot fix; the instance shows it and waits for a new generation. */
export class TerminalError extends Error {}

export interface ReconcilerOptions {
  db: DataSource;
  runtime: Runtime;
  builder: WorkloadBuilder;
  /** The instance's config at the versions it runs (cached per version: a steady pass reads nothing). */
  configs: ConfigStore;
  events: InstanceEvents;
  quotaDefaults: TenantQuota;
  deadlines: Deadlines;
  /** Asks claws which config they run, to confirm a change applied in place; without it the rewritten files are trusted. */
  live?: LiveConfig;
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
        await this.o.runtime.stop(ref, { force: instance.stopForce, graceSeconds: await this.graceOf(instance, ref) });
        decision = decideStopped(instance, await this.o.runtime.observe(ref));
        break;
      case 'Running':
        decision = await this.toRunning(instance, ref, effectiveQuota(tenant, this.o.quotaDefaults));
        break;
    }
    await this.write(instance, decision);
    return decision.requeueAfterMs === undefined ? {} : { requeueAfterMs: decision.requeueAfterMs };
  }

  private async graceOf(instance: Instance, ref: InstanceRef): Promise<number> {
    // 30 s, Kubernetes' default, when the adapter cannot tell (the instance's config is broken).
    const config = await this.o.configs.resolve(instance).catch(() => undefined);
    return this.o.builder.graceSeconds(instance, ref, config) ?? 30;
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
      let config: ResolvedConfig;
      try {
        config = await this.o.configs.resolve(instance);
      } catch (error) {
        // A value a template no longer accepts, or a required one nobody set: the claw's config cannot be built.
        if (error instanceof ClawError) throw new ConfigInvalidError([{ path: `config v${instance.configVersion}`, message: error.messageIn('en') }]);
        throw error;
      }
      spec = this.o.builder.build(instance, ref, target, config);
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
    const decision = decideRunning(instance, observation, { specHash: spec.specHash, restartGeneration: spec.restartGeneration }, this.now(), this.o.deadlines);
    return this.confirmConfig(instance, ref, spec, observation, decision);
  }

  /**
   * Once the workload runs its spec: the files it runs. A workload started since the last record read them at start;
   * one that kept running took a change in place, which the claw confirms (once per change: an unchanged config asks
   * nothing). Until it does, the instance has not converged and is looked at again soon.
   */
  private async confirmConfig(instance: Instance, ref: InstanceRef, spec: WorkloadSpec, o: Observation, decision: Decision): Promise<Outcome> {
    const desired = spec.configHash;
    if (!decision.converged || !desired || instance.configHash === desired) return decision;
    const sameRun = instance.phase === 'Running' && !!instance.configHash && instance.startedAt !== null && o.startedAt?.getTime() === instance.startedAt.getTime();
    if (!sameRun) return { ...decision, configHash: desired };
    const reloaded = (how: string): Outcome => ({
      ...decision, configHash: desired,
      event: { type: 'Normal', reason: 'ConfigReloaded', message: `config ${instance.configHash!.slice(0, 12)} -> ${desired.slice(0, 12)} applied in place (${how}); the claw kept running` },
    });
    const live = this.o.live;
    if (!live || !o.endpoint || !live.reportsOwnConfig(instance.type)) return reloaded('files rewritten');
    let why: string;
    try {
      const seen = await live.compare(instance, ref, o.endpoint, spec.files, AbortSignal.timeout(CONFIRM_TIMEOUT_MS));
      if (seen.same) return reloaded('confirmed by the claw');
      why = seen.unapplied ? 'it has not applied its file yet' : `it runs other values at ${seen.paths.join(', ')}`;
    } catch (error) {
      // A claw that cannot be asked holds up nothing: its files are rewritten, and the drift check asks again later.
      return reloaded(`files rewritten; not confirmed, the claw did not answer: ${(error as Error).message.slice(0, 200)}`);
    }
    const now = this.now();
    const since = instance.troubleSince ?? now;
    const late = now.getTime() - since.getTime() >= CONFIG_APPLY_DEADLINE_MS;
    const message = `waiting for the claw to apply its new config: ${why}`.slice(0, 1000);
    return {
      status: { ...decision.status, reason: late ? 'ConfigNotApplied' : 'Reloading', message, troubleSince: since },
      converged: false,
      requeueAfterMs: late ? 60_000 : 2000,
      ...(late && instance.reason !== 'ConfigNotApplied' ? { event: { type: 'Warning' as const, reason: 'ConfigNotApplied', message } } : {}),
    };
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
  private async write(instance: Instance, decision: Outcome): Promise<void> {
    const changes: Partial<Instance> = {};
    if (decision.configHash !== undefined && decision.configHash !== instance.configHash) changes.configHash = decision.configHash;
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
    if (decision.event) await this.o.events.record(instance.id, decision.event.type, decision.event.reason, decision.event.message);
    if (phaseChanged || (decision.status.reason !== instance.reason && decision.status.phase === 'Failed')) {
      const s = decision.status;
      await this.o.events.record(
        instance.id, s.phase === 'Failed' ? 'Warning' : 'Normal', s.phase === 'Failed' ? (s.reason ?? 'Failed') : s.phase,
        `${instance.phase} -> ${s.phase}${s.reason ? ` (${s.reason}${s.message ? `: ${s.message}` : ''})` : ''}`,
      );
    }
  }
}
