// The Runtime on Kubernetes: one namespace, ResourceQuota and NetworkPolicy per tenant; Secret, ConfigMap, PVCs, Service and Pod per instance.
import type { CoordinationV1Api, CoreV1Api, CoreV1Event, CustomObjectsApi, KubeConfig, V1ConfigMap, V1Pod } from '@kubernetes/client-node';
import type { LeaderElector, LeaseTiming } from '../leader-elector.js';
import type { LogOptions, Observation, Runtime, RuntimeEvent, RuntimeIsolation, RuntimeTarget, TenantQuota, UsageReport } from '../runtime.js';
import { RuntimeError } from '../runtime.js';
import type { InstanceRef, WorkloadSpec } from '../workload.js';
import { httpStatus, isNotFound, readOrAbsent, toRuntimeError } from './api-errors.js';
import { InstanceObjects } from './instance-objects.js';
import { createApiClients, loadKubeConfig } from './kube-config.js';
import { KubernetesLeaseElector } from './lease-elector.js';
import { podTarget, type ClawLayout } from '../claw-layout.js';
import { LEASE_NAME, pathOfFileKey, tenantNamespace } from './names.js';
import { podUsage } from './pod-metrics.js';
import { InstanceNaming } from './instance-naming.js';
import { ownedBy } from './ownership.js';
import { containerStarted, eventTime, mayHaveProbeFailure, observationOf, recentProbeFailure, runtimeEventOf } from './observation.js';
import { InstanceCache } from './instance-cache.js';
import type { KubeObject } from './object-informer.js';
import { NO_METER, type RuntimeMeter } from '../runtime-meter.js';
import { silentLogger, type Logger } from '../../util/logger.js';
import { TenantSpaces } from './tenant-space.js';
import { resolvedIsolation, type NetworkIsolation } from './network-policy.js';

export { POD_FILES_DIR } from '../claw-layout.js';

export interface KubernetesRuntimeOptions {
  /** A loaded kubeconfig; takes precedence over kubeconfigPath. */
  kubeConfig?: KubeConfig;
  /** A kubeconfig file; without either, the in-cluster service account (KUBERNETES_SERVICE_HOST) is used. */
  kubeconfigPath?: string;
  /** Context to use instead of the kubeconfig's current one. */
  context?: string;
  /** Namespace of the reconciler's Lease. Default `default`: it exists in every cluster. */
  leaseNamespace?: string;
  /** Name of the reconciler's Lease. Default `open-cluster-claw-reconciler`; two control planes in one cluster need two names. */
  leaseName?: string;
  /** StorageClass of the instances' PVCs. Default: none, so the cluster's default class applies. */
  storageClassName?: string;
  /** Where background failures (watch, lease) are reported. Default: dropped, since they are retried anyway. */
  logger?: Logger;
  /** Counts writes, reads by source and change notifications for /metrics. Default: counted nowhere. */
  meter?: RuntimeMeter;
  /** The apiserver ends each watch after this long and the cache resumes it. Default 300 s (client-go's range). */
  watchTimeoutSeconds?: number;
  /** Per-request timeout. Default 30 s: well above a healthy apiserver's latency, short enough to keep a reconcile moving. */
  requestTimeoutMs?: number;
  /**
   * How long apply() waits for a replaced pod to go before creating its successor. Default 10 s: enough for a quick
   * drain; a longer one finishes in the background and the reconciler's next apply creates the new pod.
   */
  replaceWaitMs?: number;
  /** ensureTenant skips the API while it applied the same quota this recently. Default 60 s, so external edits heal within a minute. */
  tenantCacheTtlMs?: number;
  /** A readiness-probe failure reported within this window counts as a current ProbeFailure. Default 60 s. */
  probeFailureWindowMs?: number;
  /** Who may talk to claws and whom they may reach (each tenant namespace's NetworkPolicy); see NetworkIsolation for defaults. */
  network?: NetworkIsolation;
}

/** Without a tail, logs() returns this many lines: a screenful of context, not a whole history. */
const DEFAULT_LOG_TAIL = 1_000;
/** The interface's upper bound on lines per call. */
const MAX_LOG_TAIL = 10_000;
export class KubernetesRuntime implements Runtime {
  readonly kind = 'kubernetes' as const;
  private readonly kc: KubeConfig;
  private readonly core: CoreV1Api;
  private readonly coordination: CoordinationV1Api;
  private readonly custom: CustomObjectsApi;
  private readonly logger: Logger;
  private readonly leaseNamespace: string;
  private readonly leaseName: string;
  private readonly probeFailureWindowMs: number;
  private readonly tenantSpaces: TenantSpaces;
  private readonly instances: InstanceObjects;
  /** Aborted by close(): stops every watch and elector this runtime started. */
  private readonly closing = new AbortController();
  private readonly electors = new Set<KubernetesLeaseElector>();
  private readonly meter: RuntimeMeter;
  /** Runs while someone watches (the leader's reconciler): then observe() and apply() read from it. */
  private readonly cache: InstanceCache;
  private readonly naming: InstanceNaming;
  private readonly watchers = new Set<(instanceId: string) => void>();

  constructor(options: KubernetesRuntimeOptions = {}) {
    this.kc = loadKubeConfig(options);
    const clients = createApiClients(this.kc, options.requestTimeoutMs ?? 30_000);
    this.core = clients.core;
    this.coordination = clients.coordination;
    this.custom = clients.custom;
    this.logger = options.logger ?? silentLogger;
    this.leaseNamespace = options.leaseNamespace ?? 'default';
    this.leaseName = options.leaseName ?? LEASE_NAME;
    this.probeFailureWindowMs = options.probeFailureWindowMs ?? 60_000;
    this.meter = options.meter ?? NO_METER;
    this.tenantSpaces = new TenantSpaces(this.core, clients.networking, resolvedIsolation(options.network), options.tenantCacheTtlMs ?? 60_000, this.logger, this.meter);
    this.cache = new InstanceCache({
      kc: this.kc,
      core: this.core,
      logger: this.logger,
      onChange: (id) => this.changed(id),
      ...(options.watchTimeoutSeconds ? { watchTimeoutSeconds: options.watchTimeoutSeconds } : {}),
    });
    this.naming = new InstanceNaming(this.cache, this.meter);
    this.instances = new InstanceObjects(this.core, {
      storageClassName: options.storageClassName,
      replaceWaitMs: options.replaceWaitMs ?? 10_000,
      cache: this.cache,
      naming: this.naming,
      meter: this.meter,
      logger: this.logger,
    });
  }

  /** Every claw type runs in a pod; what it needs there (sidecars, privileges) is in its spec. */
  unsupported(_layout: ClawLayout): undefined {
    return undefined;
  }

  /** The claw type's own layout: the same port and paths in every pod of the type. */
  async target(_ref: InstanceRef, layout: ClawLayout): Promise<RuntimeTarget> {
    return podTarget(layout.pod);
  }

  // ------------------------------------------------------------------------------------------------
  // tenants
  // ------------------------------------------------------------------------------------------------

  async ensureTenant(tenant: string, quota: TenantQuota): Promise<void> {
    await this.tenantSpaces.ensure(tenant, quota);
  }

  // ------------------------------------------------------------------------------------------------
  // instances
  // ------------------------------------------------------------------------------------------------

  async apply(spec: WorkloadSpec): Promise<void> {
    try {
      await this.instances.apply(spec);
    } catch (err) {
      // The namespace may have been deleted behind our back: let the next ensureTenant recreate it.
      if (err instanceof RuntimeError && isNotFound(err.cause)) this.tenantSpaces.forget(spec.ref.tenant);
      throw err;
    }
  }

  async stop(ref: InstanceRef, options: { force: boolean; graceSeconds: number }): Promise<void> {
    await this.instances.stop(ref, options);
  }

  async destroy(ref: InstanceRef, options: { keepData: boolean }): Promise<void> {
    await this.instances.destroy(ref, options);
  }

  // ------------------------------------------------------------------------------------------------
  // observation
  // ------------------------------------------------------------------------------------------------

  async observe(ref: InstanceRef): Promise<Observation> {
    const { core } = this;
    const names = await this.naming.resolve(ref);
    const { namespace, base } = names;
    // Only this instance's objects count: one under its name that another instance's label claims is not its own.
    const mine = (o: KubeObject | undefined) => ownedBy(o, ref.id);
    try {
      const found = await this.cache.find(names, this.meter);
      const pod = mine(found.pod) ? found.pod : undefined;
      let probeFailure: string | undefined;
      if (pod && mayHaveProbeFailure(pod)) {
        const events = await core.listNamespacedEvent({
          namespace,
          fieldSelector: `involvedObject.kind=Pod,involvedObject.name=${base},reason=Unhealthy`,
        });
        probeFailure = recentProbeFailure(pod, events.items, Date.now(), this.probeFailureWindowMs);
      }
      return observationOf(pod, {
        secret: mine(found.secret), configMap: mine(found.configMap), service: mine(found.service),
        configPvc: mine(found.configClaim), dataPvc: mine(found.dataClaim),
      }, probeFailure);
    } catch (err) {
      throw toRuntimeError(err, `observe ${base} in ${namespace}`);
    }
  }

  /** Read from the API, not the watch cache: the cache keeps digests of ConfigMap data, never the files. */
  async files(ref: InstanceRef): Promise<Record<string, string> | undefined> {
    const { namespace, base } = await this.naming.resolve(ref);
    let configMap: V1ConfigMap | undefined;
    try {
      configMap = await readOrAbsent(() => this.core.readNamespacedConfigMap({ name: base, namespace }));
    } catch (err) {
      throw toRuntimeError(err, `config map ${base} in ${namespace}`);
    }
    if (!configMap || !ownedBy(configMap, ref.id)) return undefined;
    return Object.fromEntries(Object.entries(configMap.data ?? {}).map(([key, text]) => [pathOfFileKey(key), text]));
  }

  async logs(ref: InstanceRef, options: LogOptions): Promise<string[]> {
    const { namespace, base } = await this.naming.resolve(ref);
    const what = `logs of pod ${base} in ${namespace}`;
    let pod: V1Pod | undefined;
    try {
      pod = await readOrAbsent(() => this.core.readNamespacedPod({ name: base, namespace }));
    } catch (err) {
      throw toRuntimeError(err, what);
    }
    const container = pod?.spec?.containers[0]?.name;
    // Another instance's pod under this name: its log is not this instance's to show.
    if (!pod || !container || !ownedBy(pod, ref.id)) return [];
    const status = pod.status?.containerStatuses?.find((c) => c.name === container);
    const hasLog = options.previous ? Boolean(status?.lastState?.terminated) || (status?.restartCount ?? 0) > 0 : containerStarted(status);
    // Asking the kubelet about a container that never ran fails (and on an unscheduled pod not even as an ApiException).
    if (!hasLog) return [];
    const tail = Math.min(Math.max(1, Math.floor(options.tail ?? DEFAULT_LOG_TAIL)), MAX_LOG_TAIL);
    let text: string;
    try {
      text = await this.core.readNamespacedPodLog({
        name: base,
        namespace,
        container,
        tailLines: tail,
        ...(options.sinceSeconds !== undefined ? { sinceSeconds: Math.max(1, Math.floor(options.sinceSeconds)) } : {}),
        ...(options.previous ? { previous: true } : {}),
      });
    } catch (err) {
      // 400: no such run (no previous crash, container just restarting); 404: the pod went away meanwhile.
      const code = httpStatus(err);
      if (code === 400 || code === 404) return [];
      // The client turns the kubelet's "container not started" answer into a plain Error when it lacks a Content-Type.
      if (code === undefined && err instanceof Error && /Cannot parse content/.test(err.message)) return [];
      throw toRuntimeError(err, what);
    }
    const lines = String(text ?? '').split('\n');
    if (lines.at(-1) === '') lines.pop();
    return lines;
  }

  async events(ref: InstanceRef): Promise<RuntimeEvent[]> {
    const { namespace, base, configPvc, dataPvc } = await this.naming.resolve(ref);
    const subjects: Array<[kind: string, name: string]> = [
      ['Pod', base],
      ['PersistentVolumeClaim', configPvc],
      ['PersistentVolumeClaim', dataPvc],
    ];
    let lists: CoreV1Event[][];
    try {
      lists = await Promise.all(
        subjects.map(async ([kind, name]) => {
          const list = await this.core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.kind=${kind},involvedObject.name=${name}` });
          return list.items;
        }),
      );
    } catch (err) {
      throw toRuntimeError(err, `events of ${base} in ${namespace}`);
    }
    // Kubelet timestamps have one-second resolution: the resourceVersion keeps events of the same second in write order.
    const order = (e: CoreV1Event) => [eventTime(e)?.getTime() ?? 0, Number(e.metadata?.resourceVersion ?? 0)] as const;
    return lists
      .flat()
      .sort((a, b) => {
        const [ta, ra] = order(a);
        const [tb, rb] = order(b);
        return ta - tb || ra - rb;
      })
      .map(runtimeEventOf);
  }

  /**
   * Watches every managed object through the cache; the cache runs while anyone watches (the leader's reconciler),
   * so followers hold no copy of the fleet and a new leader starts from a fresh list.
   */
  watch(onChange: (instanceId: string) => void, signal: AbortSignal): void {
    const stop = AbortSignal.any([signal, this.closing.signal]);
    if (stop.aborted) return;
    const listener = (id: string) => onChange(id);
    this.watchers.add(listener);
    this.cache.start();
    stop.addEventListener('abort', () => {
      this.watchers.delete(listener);
      if (this.watchers.size === 0) this.cache.stop();
    }, { once: true });
  }

  private changed(instanceId: string): void {
    this.meter.notification('sent');
    for (const listener of this.watchers) {
      try {
        listener(instanceId);
      } catch (err) {
        this.logger.error({ err: err instanceof Error ? err.message : String(err), instanceId }, 'runtime watcher threw');
      }
    }
  }

  /** Objects held in the watch cache (0 while nobody watches): for the bench. */
  cachedObjects(): number {
    return this.cache.size;
  }

  async usage(refs: readonly InstanceRef[]): Promise<UsageReport> {
    const namespaces = [...new Set(refs.map((r) => tenantNamespace(r.tenant)))];
    return podUsage(this.custom, namespaces, new Set(refs.map((r) => r.id)));
  }

  /** Each claw is a pod of its tenant's namespace, behind that namespace's NetworkPolicy. */
  isolation(): RuntimeIsolation {
    return { mode: 'pods' };
  }

  leaderElector(identity: string, timing?: LeaseTiming): LeaderElector {
    const elector = new KubernetesLeaseElector({
      coordination: this.coordination,
      namespace: this.leaseNamespace,
      name: this.leaseName,
      identity,
      timing,
      logger: this.logger,
      stopSignal: this.closing.signal,
    });
    this.electors.add(elector);
    return elector;
  }

  /** Stops watches and electors; waits (bounded by the request timeout) for held leases to be released. */
  async close(): Promise<void> {
    this.closing.abort();
    this.cache.stop();
    await Promise.all([...this.electors].map((e) => e.whenStopped()));
    this.electors.clear();
  }
}

export function createKubernetesRuntime(options: KubernetesRuntimeOptions = {}): KubernetesRuntime {
  return new KubernetesRuntime(options);
}
