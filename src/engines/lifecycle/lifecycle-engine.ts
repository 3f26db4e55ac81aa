// Instances as commands see them: one facade over changes of intent (instance-intents), reads of the database and the
// runtime (instance-queries) and waiting for instances to settle (instance-waits). Commands call only this class.
import type { DataSource } from 'typeorm';
import type { Runtime, RuntimeIsolation, TenantQuota } from '../../runtime/runtime.js';
import type { InstanceRef } from '../../runtime/workload.js';
import type { Instance } from '../../store/entities/instance.js';
import type { Project } from '../../store/entities/project.js';
import type { Tenant } from '../../store/entities/tenant.js';
import type { SecretBox } from '../../store/secret-box.js';
import type { AdapterRegistry } from '../adapters/adapter-registry.js';
import type { ConfigAt, ConfigStore, VariableScopeRef } from '../config/config-store.js';
import { ConfigPreview, type ConfigPreviewResult } from './config-preview.js';
import type { InstanceEvents } from './instance-events.js';
import { InstanceIntents, type CreateInput, type InstanceDefaults, type UpdateInput } from './instance-intents.js';
import { InstanceQueries, type Filter, type InstanceView, type MergedEvent } from './instance-queries.js';
import { InstanceWaits } from './instance-waits.js';
import { ConfigDrift, type DriftEntry, type DriftScope } from './config-drift.js';
import { LiveConfig } from './live-config.js';
import type { WorkloadBuilder } from './workload-builder.js';

// The types commands and views name come from here, as they always have; they live next to the code that uses them.
export type { CreateInput, InstanceDefaults, UpdateInput } from './instance-intents.js';
export type { Filter, InstanceView, MergedEvent } from './instance-queries.js';
export { isSettled } from './instance-waits.js';
export type { DriftEntry, DriftScope, DriftState } from './config-drift.js';

export class LifecycleEngine {
  /** Told about every change of intent, so the local leader reconciles at once (other replicas' leaders poll). */
  onChange: (instanceId: string) => void = () => undefined;

  private readonly intents: InstanceIntents;
  private readonly queries: InstanceQueries;
  private readonly waits: InstanceWaits;
  private readonly preview: ConfigPreview;
  private readonly drift: ConfigDrift;
  /** Which config running claws hold; the reconciler confirms changes applied in place with it. */
  readonly live: LiveConfig;

  constructor(
    db: DataSource,
    runtime: Runtime,
    adapters: AdapterRegistry,
    configs: ConfigStore,
    builder: WorkloadBuilder,
    secrets: SecretBox,
    history: InstanceEvents,
    defaults: InstanceDefaults,
    quotaDefaults: TenantQuota,
  ) {
    // Read at each change, not now: the composition root sets onChange after constructing the engine.
    const changed = (instanceId: string) => this.onChange(instanceId);
    this.intents = new InstanceIntents({ db, runtime, adapters, configs, builder, secrets, history, defaults, quotaDefaults, changed });
    this.queries = new InstanceQueries(db, runtime, history);
    this.waits = new InstanceWaits(db);
    this.preview = new ConfigPreview({ configs, builder, adapters });
    this.live = new LiveConfig(adapters, secrets, runtime);
    this.drift = new ConfigDrift({ db, runtime, configs, builder, live: this.live });
  }

  /** Leader only: checks every running claw for config drift periodically until the signal aborts. */
  checkDriftPeriodically(signal: AbortSignal): void {
    this.drift.start(signal);
  }

  /** Resolves once the periodic drift check has ended (its leadership signal aborted). */
  driftChecksStopped(): Promise<void> {
    return this.drift.stopped();
  }

  /** Checks the running claws in scope for config drift now (`claw config check`). */
  checkConfig(scope: DriftScope, signal?: AbortSignal): Promise<DriftEntry[]> {
    return this.drift.check(scope, signal);
  }

  /** The drifted claws as last checked (the alert engine's config-drift rule). */
  drifted(): DriftEntry[] {
    return this.drift.drifted();
  }

  quotaOf(tenant: Tenant): TenantQuota {
    return this.intents.quotaOf(tenant);
  }

  /** After a quota change: reconcile the tenant's instances, which re-applies the quota (ResourceQuota) to the runtime. */
  touchTenant(tenant: Tenant): Promise<void> {
    return this.intents.touchTenant(tenant);
  }

  /** How the runtime isolates claws; `claw status` shows it when it is weaker than it could be. */
  isolation(): RuntimeIsolation {
    return this.queries.isolation();
  }

  usageOf(tenant: Tenant) {
    return this.queries.usageOf(tenant);
  }

  /** CPU and memory in use now by the running instances among `views` (from the runtime). */
  resourceUse(views: readonly InstanceView[]) {
    return this.queries.resourceUse(views);
  }

  create(input: CreateInput): Promise<Instance> {
    return this.intents.create(input);
  }

  start(instance: Instance, by: string): Promise<Instance> {
    return this.intents.start(instance, by);
  }

  stop(instance: Instance, force: boolean, by: string): Promise<Instance> {
    return this.intents.stop(instance, force, by);
  }

  restart(instance: Instance, by: string): Promise<Instance> {
    return this.intents.restart(instance, by);
  }

  destroy(instance: Instance, keepData: boolean, by: string): Promise<Instance> {
    return this.intents.destroy(instance, keepData, by);
  }

  update(instance: Instance, input: UpdateInput, by: string): Promise<Instance> {
    return this.intents.update(instance, input, by);
  }

  /** Moves an instance to config versions (publish, rollout step, rollback); the reconciler applies them. */
  applyConfig(instance: Instance, at: { config: number; values: number }, by: string): Promise<Instance> {
    return this.intents.applyConfig(instance, at, by);
  }

  /**
   * What moving an instance to config versions would do: the adapter's problems there, and whether the claw would
   * restart, hot-reload or not notice (a rollout checks every target first and reports each claw's effect).
   */
  previewConfig(view: InstanceView, at: ConfigAt): Promise<ConfigPreviewResult> {
    return this.preview.preview(view.instance, this.queries.refOf(view), at);
  }

  /** An instance as a scope of config variables (`claw config set --instance`). */
  scopeOf(view: InstanceView): VariableScopeRef {
    return this.intents.scopeOf(view.instance, `${view.tenant}/${view.project}/${view.instance.name}`);
  }

  get(id: string): Promise<Instance | null> {
    return this.queries.get(id);
  }

  /** Finds an existing instance by name in a project, or in any project of the tenant (ambiguity is an error). */
  find(tenant: Tenant, name: string, project?: Project): Promise<InstanceView> {
    return this.queries.find(tenant, name, project);
  }

  list(filter: Filter): Promise<InstanceView[]> {
    return this.queries.list(filter);
  }

  /** One page of `list`, in the same order, with the total and the count per phase of everything that matches. */
  page(filter: Filter, page: { limit: number; offset: number }): Promise<{ views: InstanceView[]; total: number; counts: Record<string, number> }> {
    return this.queries.page(filter, page);
  }

  refOf(view: InstanceView): InstanceRef {
    return this.queries.refOf(view);
  }

  logs(view: InstanceView, options: { tail?: number; sinceSeconds?: number; previous?: boolean }): Promise<string[]> {
    return this.queries.logs(view, options);
  }

  events(view: InstanceView): Promise<MergedEvent[]> {
    return this.queries.events(view);
  }

  /**
   * Waits until the instance reaches what its desired state means (Running and ready, Stopped, Destroyed) or Failed,
   * reporting each change of phase or reason; returns the last state seen (also on timeout).
   */
  waitFor(instanceId: string, timeoutMs: number, onProgress: (instance: Instance) => void, signal: AbortSignal): Promise<{ instance: Instance; done: boolean }> {
    return this.waits.waitFor(instanceId, timeoutMs, onProgress, signal);
  }

  /** waitFor for many instances at once, with one query per tick; reports each change with how many have settled. */
  waitForAll(
    instanceIds: readonly string[], timeoutMs: number, onProgress: (instance: Instance, settled: number) => void, signal: AbortSignal,
  ): Promise<{ instances: Map<string, Instance>; done: boolean }> {
    return this.waits.waitForAll(instanceIds, timeoutMs, onProgress, signal);
  }
}
