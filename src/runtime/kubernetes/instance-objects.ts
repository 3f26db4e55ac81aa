// The objects of one instance: create-or-update of Secret, ConfigMap, PVCs and Service, replacement of the pod, deletion.
import type { CoreV1Api, V1ConfigMap, V1PersistentVolumeClaim, V1Pod, V1Secret, V1Service, V1ServicePort } from '@kubernetes/client-node';
import { RuntimeError, type RuntimeErrorKind } from '../runtime.js';
import type { InstanceRef, WorkloadSpec } from '../workload.js';
import { isConflict, isNotFound, readOrAbsent, toRuntimeError } from './api-errors.js';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { configHash, configMapManifest, podManifest, pvcManifest, secretManifest, serviceManifest } from './manifests.js';
import { ANNOTATION_CONFIG_HASH, ANNOTATION_RESTART_GENERATION, ANNOTATION_SPEC_HASH, LABEL_INSTANCE_ID, invalidFilePath, type InstanceNames } from './names.js';
import type { InstanceNaming } from './instance-naming.js';
import { assertOwned, ownedBy } from './ownership.js';
import { retryWhileQuotaPending, sameMap, syncObject, type SyncedObject } from './object-sync.js';
import { cachedForm, type InstanceCache } from './instance-cache.js';
import type { RuntimeMeter } from '../runtime-meter.js';
import type { Logger } from '../../util/logger.js';
import { setTimeout as sleep } from 'node:timers/promises';

export interface InstanceObjectsOptions {
  /** StorageClass of the claims; undefined leaves the cluster's default class in charge. */
  storageClassName?: string;
  /** How long apply() waits for a replaced pod to go before creating its successor. */
  replaceWaitMs: number;
  /** Read first when it is synced: an unchanged object costs no request. */
  cache: InstanceCache;
  /** Resolves each instance's object names (unique ones, or the old ones of an instance created before them). */
  naming: InstanceNaming;
  meter: RuntimeMeter;
  /** Told about objects a destroy or stop left alone because another instance's label claims them. */
  logger: Logger;
}

const POLL_MS = 200;
const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** When several writes of one apply fail, report the one that says most about what to do. */
const KIND_PRIORITY: RuntimeErrorKind[] = ['foreign', 'quota', 'invalid', 'forbidden', 'conflict', 'unavailable'];

/** Deletion that treats "already gone" as success; true when something was deleted. */
async function deleteIfPresent(remove: () => Promise<unknown>, what: string): Promise<boolean> {
  try {
    await remove();
    return true;
  } catch (err) {
    if (!isNotFound(err)) throw toRuntimeError(err, what);
    return false;
  }
}

/** What a delete needs to know of one object: its uid (the precondition) and its labels (the ownership check). */
interface Doomed {
  metadata?: { uid?: string; labels?: Record<string, string>; deletionTimestamp?: Date };
}

/** Runs every task to the end (no write is left running unobserved), then throws the most telling failure. */
async function allOrFirstError(tasks: Array<Promise<unknown>>): Promise<void> {
  const results = await Promise.allSettled(tasks);
  const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (errors.length === 0) return;
  const rank = (e: unknown) => (e instanceof RuntimeError ? KIND_PRIORITY.indexOf(e.kind) : KIND_PRIORITY.length);
  throw errors.sort((a, b) => rank(a) - rank(b))[0];
}

function samePorts(a: V1ServicePort[] | undefined, b: V1ServicePort[] | undefined): boolean {
  const key = (ports: V1ServicePort[] | undefined) =>
    JSON.stringify((ports ?? []).map((p) => [p.name ?? '', p.port, String(p.targetPort ?? p.port), p.protocol ?? 'TCP']));
  return key(a) === key(b);
}

export class InstanceObjects {
  constructor(
    private readonly core: CoreV1Api,
    private readonly options: InstanceObjectsOptions,
  ) {}

  /** Everything but the pod first (in parallel), then the pod, which mounts and references them. */
  async apply(spec: WorkloadSpec): Promise<void> {
    for (const path of Object.keys(spec.files)) {
      const problem = invalidFilePath(path);
      if (problem) throw new RuntimeError('invalid', `generated file "${path}" ${problem}`);
    }
    const names = await this.options.naming.resolve(spec.ref);
    await allOrFirstError([
      this.syncSecret(spec, names),
      this.syncConfigMap(spec, names),
      this.syncPvc(spec, names.configPvc, names),
      this.syncPvc(spec, names.dataPvc, names),
      this.syncService(spec, names),
    ]);
    await this.syncPod(spec, names);
  }

  async stop(ref: InstanceRef, options: { force: boolean; graceSeconds: number }): Promise<void> {
    const names = await this.options.naming.resolve(ref);
    const grace = options.force ? 0 : Math.max(0, Math.floor(options.graceSeconds));
    const { cache } = this.options;
    const { namespace, base } = names;
    const what = `pod ${base} in ${namespace}`;
    let pod: V1Pod | undefined;
    if (cache.synced) {
      // Every pass over a stopped instance comes here: no pod (or one already going gracefully) needs no request.
      pod = cache.pods.get(namespace, base);
    } else {
      try {
        pod = await readOrAbsent(() => this.core.readNamespacedPod({ name: base, namespace }));
      } catch (err) {
        throw toRuntimeError(err, what);
      }
    }
    if (!pod || (pod.metadata?.deletionTimestamp && !options.force)) return;
    if (!this.mine(pod, ref, what)) return;
    const uid = pod.metadata?.uid;
    await this.deleted('pod', deleteIfPresent(
      () => this.core.deleteNamespacedPod({ name: base, namespace, gracePeriodSeconds: grace, body: { gracePeriodSeconds: grace, preconditions: { uid } } }),
      `stop ${what}`,
    ));
  }

  /** An object under this instance's name that another instance's label claims is left alone, and said so. */
  private mine(object: Doomed, ref: InstanceRef, what: string): boolean {
    if (ownedBy(object, ref.id)) return true;
    this.options.logger.warn({ instanceId: ref.id, owner: object.metadata?.labels?.[LABEL_INSTANCE_ID] ?? null }, `${what} belongs to another instance; left alone`);
    return false;
  }

  /**
   * Deletes one object if it is this instance's, read fresh from the API (a lagging cache must not hide one created a
   * moment ago) and deleted with its uid as precondition, so neither a successor nor another instance's object is hit.
   */
  private async deleteOwned(kind: string, ref: InstanceRef, what: string, read: () => Promise<Doomed>, remove: (uid: string | undefined) => Promise<unknown>): Promise<void> {
    let current: Doomed | undefined;
    try {
      current = await readOrAbsent(read);
    } catch (err) {
      throw toRuntimeError(err, what);
    }
    if (!current || current.metadata?.deletionTimestamp || !this.mine(current, ref, what)) return;
    const uid = current.metadata?.uid;
    await this.deleted(kind, deleteIfPresent(() => remove(uid), `delete ${what}`));
  }

  /** Counts a deletion that happened. */
  private async deleted(kind: string, deletion: Promise<boolean>): Promise<void> {
    if (await deletion) this.options.meter.write(kind, 'deleted');
  }

  /** The synced watch cache shows the object, not being deleted, as `wanted` says (counted as a read from the cache). */
  private cachedAsWanted<T extends { metadata?: { deletionTimestamp?: Date } }>(
    kind: string, informer: { synced: boolean; get(ns: string, n: string): T | undefined }, namespace: string, name: string, wanted: (cached: T) => boolean,
  ): boolean {
    if (!informer.synced) return false;
    const cached = informer.get(namespace, name);
    if (!cached || cached.metadata?.deletionTimestamp || !wanted(cached)) return false;
    this.options.meter.read(kind, 'cache');
    return true;
  }

  /**
   * Create-or-update through syncObject, unless the watch cache already shows the object as desired: a steady instance
   * then costs no request. The cache may lag behind a write of a moment ago; that costs a read (never a wrong write),
   * and a change made behind our back arrives as a watch event that triggers another pass.
   */
  private async sync<T extends { metadata?: { deletionTimestamp?: Date; labels?: Record<string, string> } }>(
    kind: string, owner: string, name: string, namespace: string, informer: { synced: boolean; get(ns: string, n: string): T | undefined },
    upToDate: (cached: T) => boolean, object: SyncedObject<T>,
  ): Promise<void> {
    const { meter } = this.options;
    if (this.cachedAsWanted(kind, informer, namespace, name, upToDate)) return;
    meter.read(kind, 'api');
    // An existing object under this name is updated only when it is this instance's (upToDate compares the labels, so
    // another instance's object always gets here): a name match alone never takes an object over.
    const outcome = await syncObject({
      ...object,
      update: (existing) => {
        assertOwned(existing, owner, object.what);
        return object.update(existing);
      },
    });
    if (outcome !== 'unchanged') meter.write(kind, outcome);
  }

  async destroy(ref: InstanceRef, options: { keepData: boolean }): Promise<void> {
    const { core } = this;
    const { namespace, base, configPvc, dataPvc } = await this.options.naming.resolve(ref);
    const where = `in ${namespace}`;
    const body = (uid: string | undefined) => ({ preconditions: { uid } });
    await allOrFirstError([
      this.deleteOwned('pod', ref, `pod ${base} ${where}`, () => core.readNamespacedPod({ name: base, namespace }),
        (uid) => core.deleteNamespacedPod({ name: base, namespace, body: body(uid) })),
      this.deleteOwned('service', ref, `service ${base} ${where}`, () => core.readNamespacedService({ name: base, namespace }),
        (uid) => core.deleteNamespacedService({ name: base, namespace, body: body(uid) })),
      this.deleteOwned('configmap', ref, `config map ${base} ${where}`, () => core.readNamespacedConfigMap({ name: base, namespace }),
        (uid) => core.deleteNamespacedConfigMap({ name: base, namespace, body: body(uid) })),
      this.deleteOwned('secret', ref, `secret ${base} ${where}`, () => core.readNamespacedSecret({ name: base, namespace }),
        (uid) => core.deleteNamespacedSecret({ name: base, namespace, body: body(uid) })),
      ...(options.keepData
        ? []
        : [configPvc, dataPvc].map((name) =>
            // Kubernetes keeps the claim (pvc-protection) until the pod is gone, then removes it by itself.
            this.deleteOwned('persistentvolumeclaim', ref, `volume claim ${name} ${where}`, () => core.readNamespacedPersistentVolumeClaim({ name, namespace }),
              (uid) => core.deleteNamespacedPersistentVolumeClaim({ name, namespace, body: body(uid) })),
          )),
    ]);
  }

  private syncSecret(spec: WorkloadSpec, names: InstanceNames): Promise<unknown> {
    const desired = secretManifest(spec, names);
    const { core } = this;
    const labelsMatch = (o: V1Secret) => sameMap(o.metadata?.labels, desired.metadata?.labels);
    // The cache holds digests of secret values, never the values.
    const upToDate = (cached: V1Secret) => sameMap(cached.data, cachedForm(desired.data)) && labelsMatch(cached) && !cached.stringData;
    return this.sync<V1Secret>('secret', spec.ref.id, names.base, names.namespace, this.options.cache.secrets, upToDate, {
      // Only the name: the data never goes into a message.
      what: `secret ${names.base} in ${names.namespace}`,
      read: () => core.readNamespacedSecret({ name: names.base, namespace: names.namespace }),
      create: () => core.createNamespacedSecret({ namespace: names.namespace, body: desired }),
      update: (existing) => {
        if (sameMap(existing.data, desired.data) && labelsMatch(existing) && !existing.stringData) return undefined;
        return { ...existing, metadata: { ...existing.metadata, labels: desired.metadata?.labels }, data: desired.data, stringData: undefined };
      },
      replace: (body) => core.replaceNamespacedSecret({ name: names.base, namespace: names.namespace, body }),
    });
  }

  private syncConfigMap(spec: WorkloadSpec, names: InstanceNames): Promise<unknown> {
    const desired = configMapManifest(spec, names);
    const { core } = this;
    const labelsMatch = (o: V1ConfigMap) => sameMap(o.metadata?.labels, desired.metadata?.labels);
    const upToDate = (cached: V1ConfigMap) => sameMap(cached.data, cachedForm(desired.data)) && labelsMatch(cached) && !cached.binaryData;
    return this.sync<V1ConfigMap>('configmap', spec.ref.id, names.base, names.namespace, this.options.cache.configMaps, upToDate, {
      what: `config map ${names.base} in ${names.namespace}`,
      read: () => core.readNamespacedConfigMap({ name: names.base, namespace: names.namespace }),
      create: () => core.createNamespacedConfigMap({ namespace: names.namespace, body: desired }),
      update: (existing) => {
        if (sameMap(existing.data, desired.data) && labelsMatch(existing) && !existing.binaryData) return undefined;
        return { ...existing, metadata: { ...existing.metadata, labels: desired.metadata?.labels }, data: desired.data, binaryData: undefined };
      },
      replace: (body) => core.replaceNamespacedConfigMap({ name: names.base, namespace: names.namespace, body }),
    });
  }

  /** Claims are created once; only labels follow the spec (a size change needs an expandable StorageClass, so it is not attempted). */
  private syncPvc(spec: WorkloadSpec, name: string, names: InstanceNames): Promise<unknown> {
    const desired = pvcManifest(spec, name, { storageClassName: this.options.storageClassName }, names);
    const { core } = this;
    const upToDate = (cached: V1PersistentVolumeClaim) => sameMap(cached.metadata?.labels, desired.metadata?.labels);
    return this.sync<V1PersistentVolumeClaim>('persistentvolumeclaim', spec.ref.id, name, names.namespace, this.options.cache.claims, upToDate, {
      what: `volume claim ${name} in ${names.namespace}`,
      read: () => core.readNamespacedPersistentVolumeClaim({ name, namespace: names.namespace }),
      create: () => core.createNamespacedPersistentVolumeClaim({ namespace: names.namespace, body: desired }),
      update: (existing) => {
        if (existing.metadata?.deletionTimestamp) {
          // A destroy is still finishing (the claim waits for its pod to go): the next apply creates it anew.
          throw new RuntimeError('unavailable', `volume claim ${name} in ${names.namespace} is still being deleted`);
        }
        if (sameMap(existing.metadata?.labels, desired.metadata?.labels)) return undefined;
        return { ...existing, metadata: { ...existing.metadata, labels: desired.metadata?.labels } };
      },
      replace: (body) => core.replaceNamespacedPersistentVolumeClaim({ name, namespace: names.namespace, body }),
    });
  }

  private syncService(spec: WorkloadSpec, names: InstanceNames): Promise<unknown> {
    const desired = serviceManifest(spec, names);
    const { core } = this;
    const upToDate = (existing: V1Service) =>
      sameMap(existing.metadata?.labels, desired.metadata?.labels) &&
      sameMap(existing.spec?.selector, desired.spec?.selector) &&
      existing.spec?.type === desired.spec?.type &&
      samePorts(existing.spec?.ports, desired.spec?.ports);
    return this.sync<V1Service>('service', spec.ref.id, names.base, names.namespace, this.options.cache.services, upToDate, {
      what: `service ${names.base} in ${names.namespace}`,
      read: () => core.readNamespacedService({ name: names.base, namespace: names.namespace }),
      create: () => core.createNamespacedService({ namespace: names.namespace, body: desired }),
      update: (existing) => {
        if (upToDate(existing)) return undefined;
        // Keep the existing spec (clusterIP is immutable) and overwrite only what we own.
        return {
          ...existing,
          metadata: { ...existing.metadata, labels: desired.metadata?.labels },
          spec: { ...existing.spec, type: desired.spec?.type, selector: desired.spec?.selector, ports: desired.spec?.ports },
        };
      },
      replace: (body) => core.replaceNamespacedService({ name: names.base, namespace: names.namespace, body }),
    });
  }

  /**
   * Creates the pod, or replaces one from another spec hash / restart generation (or one that has exited). The name
   * is fixed, so there is never a second pod: the old one is deleted with the spec's grace period and its successor
   * created once it is gone, if that happens within replaceWaitMs; otherwise a later apply creates it. A pod that is
   * current but shows older files (a config change the claw applies in place) keeps running: its config-hash
   * annotation is updated, which also makes the kubelet sync the pod, and so its ConfigMap volume, at once rather
   * than at its next periodic sync (up to a minute or more).
   */
  private async syncPod(spec: WorkloadSpec, names: InstanceNames): Promise<void> {
    const { core } = this;
    const { cache, meter } = this.options;
    const what = `pod ${names.base} in ${names.namespace}`;
    const files = spec.configHash ?? configHash(spec.files);
    const current = (pod: V1Pod) => {
      const annotations = pod.metadata?.annotations ?? {};
      const phase = pod.status?.phase;
      return (
        ownedBy(pod, spec.ref.id) &&
        annotations[ANNOTATION_SPEC_HASH] === spec.specHash &&
        annotations[ANNOTATION_RESTART_GENERATION] === String(spec.restartGeneration) &&
        phase !== 'Failed' &&
        phase !== 'Succeeded'
      );
    };
    const filesShown = (pod: V1Pod) => pod.metadata?.annotations?.[ANNOTATION_CONFIG_HASH] === files;
    if (this.cachedAsWanted('pod', cache.pods, names.namespace, names.base, (pod) => current(pod) && filesShown(pod))) return;
    const deadline = Date.now() + this.options.replaceWaitMs;
    for (;;) {
      meter.read('pod', 'api');
      let pod: V1Pod | undefined;
      try {
        pod = await readOrAbsent(() => core.readNamespacedPod({ name: names.base, namespace: names.namespace }));
      } catch (err) {
        throw toRuntimeError(err, what);
      }
      if (!pod) {
        try {
          await retryWhileQuotaPending(() => core.createNamespacedPod({ namespace: names.namespace, body: podManifest(spec, names) }));
          meter.write('pod', 'created');
        } catch (err) {
          // A concurrent apply created it a moment ago: the pod exists, which is what was asked.
          if (isConflict(err)) return;
          throw toRuntimeError(err, what);
        }
        return;
      }
      // Another instance's pod is never replaced (nor waited for): it would mount this instance's volumes in its place.
      assertOwned(pod, spec.ref.id, what);
      if (!pod.metadata?.deletionTimestamp) {
        if (current(pod)) {
          if (!filesShown(pod)) await this.annotateFiles(pod, files, names, what);
          return;
        }
        try {
          await core.deleteNamespacedPod({
            name: names.base,
            namespace: names.namespace,
            gracePeriodSeconds: spec.terminationGraceSeconds,
            // The uid precondition makes sure we delete the outdated pod we looked at, never a successor.
            body: { gracePeriodSeconds: spec.terminationGraceSeconds, preconditions: { uid: pod.metadata?.uid } },
          });
          meter.write('pod', 'deleted');
        } catch (err) {
          if (!isNotFound(err) && !isConflict(err)) throw toRuntimeError(err, `replace ${what}`);
        }
      }
      if (Date.now() >= deadline) return;
      await sleep(POLL_MS);
    }
  }

  /** Merge-patches the pod's config-hash annotation, with its resourceVersion so a pod replaced meanwhile is not touched. */
  private async annotateFiles(pod: V1Pod, files: string, names: InstanceNames, what: string): Promise<void> {
    try {
      await this.core.patchNamespacedPod({
        name: names.base, namespace: names.namespace,
        body: { metadata: { resourceVersion: pod.metadata?.resourceVersion, annotations: { [ANNOTATION_CONFIG_HASH]: files } } },
      }, MERGE_PATCH);
      this.options.meter.write('pod', 'updated');
    } catch (err) {
      // Changed meanwhile (or gone): the watch brings it back and the next pass looks again.
      if (!isNotFound(err) && !isConflict(err)) throw toRuntimeError(err, `annotate ${what}`);
    }
  }
}
