// Watch-fed caches of every managed Pod, Secret, ConfigMap, Service and PVC: while the reconciler leads, its passes read
// objects from here, so a steady fleet costs the apiserver nothing beyond the watches themselves.
import type { CoreV1Api, KubeConfig, V1ConfigMap, V1PersistentVolumeClaim, V1Pod, V1Secret, V1Service } from '@kubernetes/client-node';
import { createHash } from 'node:crypto';
import type { RuntimeMeter } from '../runtime-meter.js';
import { readOrAbsent } from './api-errors.js';
import { MANAGED_SELECTOR, type InstanceNames } from './names.js';
import { ObjectInformer, withoutManagedFields, type KubeObject } from './object-informer.js';
import type { Logger } from '../../util/logger.js';

/** A value as the cache keeps it: secrets and generated config are held as digests, never in clear, and small. */
export function digestOf(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

function digestMap(map: Record<string, string> | undefined): Record<string, string> | undefined {
  return map && Object.fromEntries(Object.entries(map).map(([k, v]) => [k, digestOf(v)]));
}

/** Secret and ConfigMap data by digest: compare with `digestMap(desired.data)`. */
function slimData<T extends KubeObject & { data?: Record<string, string>; binaryData?: Record<string, string>; stringData?: Record<string, string> }>(object: T): T {
  const slim = withoutManagedFields(object);
  return { ...slim, data: digestMap(slim.data), binaryData: digestMap(slim.binaryData), stringData: digestMap(slim.stringData) };
}

/** The same map as it would sit in the cache. */
export function cachedForm(map: Record<string, string> | undefined): Record<string, string> | undefined {
  return digestMap(map);
}

export interface InstanceCacheOptions {
  kc: KubeConfig;
  core: CoreV1Api;
  logger: Logger;
  /** Called with the instance id whenever one of its objects changed. */
  onChange(instanceId: string): void;
  watchTimeoutSeconds?: number;
}

/** The objects found under an instance's names, whoever's label they carry; absent ones are undefined. */
export interface FoundObjects {
  pod?: V1Pod;
  secret?: V1Secret;
  configMap?: V1ConfigMap;
  service?: V1Service;
  configClaim?: V1PersistentVolumeClaim;
  dataClaim?: V1PersistentVolumeClaim;
}

export class InstanceCache {
  readonly pods: ObjectInformer<V1Pod>;
  readonly secrets: ObjectInformer<V1Secret>;
  readonly configMaps: ObjectInformer<V1ConfigMap>;
  readonly services: ObjectInformer<V1Service>;
  readonly claims: ObjectInformer<V1PersistentVolumeClaim>;
  private readonly all: Array<ObjectInformer<KubeObject>>;
  private readonly core: CoreV1Api;

  constructor(o: InstanceCacheOptions) {
    const { core } = o;
    this.core = core;
    const common = { kc: o.kc, labelSelector: MANAGED_SELECTOR, onChange: (id: string) => o.onChange(id), logger: o.logger, watchTimeoutSeconds: o.watchTimeoutSeconds };
    this.pods = new ObjectInformer<V1Pod>({
      ...common, kind: 'pod', watchPath: '/api/v1/pods', slim: withoutManagedFields,
      list: (labelSelector) => core.listPodForAllNamespaces({ labelSelector }),
    });
    this.secrets = new ObjectInformer<V1Secret>({
      ...common, kind: 'secret', watchPath: '/api/v1/secrets', slim: slimData,
      list: (labelSelector) => core.listSecretForAllNamespaces({ labelSelector }),
    });
    this.configMaps = new ObjectInformer<V1ConfigMap>({
      ...common, kind: 'configmap', watchPath: '/api/v1/configmaps', slim: slimData,
      list: (labelSelector) => core.listConfigMapForAllNamespaces({ labelSelector }),
    });
    this.services = new ObjectInformer<V1Service>({
      ...common, kind: 'service', watchPath: '/api/v1/services', slim: withoutManagedFields,
      list: (labelSelector) => core.listServiceForAllNamespaces({ labelSelector }),
    });
    this.claims = new ObjectInformer<V1PersistentVolumeClaim>({
      ...common, kind: 'persistentvolumeclaim', watchPath: '/api/v1/persistentvolumeclaims', slim: withoutManagedFields,
      list: (labelSelector) => core.listPersistentVolumeClaimForAllNamespaces({ labelSelector }),
    });
    this.all = [this.pods, this.secrets, this.configMaps, this.services, this.claims] as Array<ObjectInformer<KubeObject>>;
  }

  /** Every kind has been listed: reads may come from here (until stop). */
  get synced(): boolean {
    return this.all.every((i) => i.synced);
  }

  /** Objects held, for the bench and metrics. */
  get size(): number {
    return this.all.reduce((n, i) => n + i.size, 0);
  }

  /**
   * The objects under `names`: from the cache while it is synced (no request), else six reads from the apiserver in
   * parallel. API errors other than 404 are thrown as they come; callers name what they were doing.
   */
  async find(names: InstanceNames, meter: RuntimeMeter): Promise<FoundObjects> {
    const { namespace, base, configPvc, dataPvc } = names;
    if (this.synced) {
      meter.read('instance', 'cache');
      return {
        pod: this.pods.get(namespace, base),
        secret: this.secrets.get(namespace, base),
        configMap: this.configMaps.get(namespace, base),
        service: this.services.get(namespace, base),
        configClaim: this.claims.get(namespace, configPvc),
        dataClaim: this.claims.get(namespace, dataPvc),
      };
    }
    meter.read('instance', 'api');
    const { core } = this;
    const [pod, secret, configMap, service, configClaim, dataClaim] = await Promise.all([
      readOrAbsent(() => core.readNamespacedPod({ name: base, namespace })),
      readOrAbsent(() => core.readNamespacedSecret({ name: base, namespace })),
      readOrAbsent(() => core.readNamespacedConfigMap({ name: base, namespace })),
      readOrAbsent(() => core.readNamespacedService({ name: base, namespace })),
      readOrAbsent(() => core.readNamespacedPersistentVolumeClaim({ name: configPvc, namespace })),
      readOrAbsent(() => core.readNamespacedPersistentVolumeClaim({ name: dataPvc, namespace })),
    ]);
    return { pod, secret, configMap, service, configClaim, dataClaim };
  }

  start(): void {
    for (const informer of this.all) informer.start();
  }

  stop(): void {
    for (const informer of this.all) informer.stop();
  }
}
