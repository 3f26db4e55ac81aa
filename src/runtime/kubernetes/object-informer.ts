// A cluster-wide list+watch of one kind of managed object, kept in memory (like client-go's informer): reconcile passes
// read from it instead of the apiserver, and watchers hear about an instance only when one of its objects changed.
import { Watch, type KubeConfig, type V1ObjectMeta } from '@kubernetes/client-node';
import { apiMessage, httpStatus } from './api-errors.js';
import { LABEL_INSTANCE_ID } from './names.js';
import type { Logger } from '../../util/logger.js';

/** What every cached object has; `slim` keeps at least this. */
export interface KubeObject {
  metadata?: V1ObjectMeta;
}

export interface ObjectInformerOptions<T extends KubeObject> {
  kc: KubeConfig;
  /** The kind, for logs and metrics: `pod`, `secret`, ... */
  kind: string;
  /** Lists every object of the kind across namespaces (with `labelSelector`). */
  list(labelSelector: string): Promise<{ items: T[]; metadata?: { resourceVersion?: string } }>;
  /** The watch path of the kind across namespaces, e.g. `/api/v1/pods`. */
  watchPath: string;
  labelSelector: string;
  /** What to keep of an object: less memory, and no secret values in memory (see slimObject). */
  slim(object: T): T;
  /** Called with the instance id of every object that was added, changed or deleted. */
  onChange(instanceId: string): void;
  logger: Logger;
  /** First retry delay after a failure; doubles up to maxBackoffMs. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** The apiserver ends each watch after this long (we then resume from the last resourceVersion). */
  watchTimeoutSeconds?: number;
}

/** Short first retry: most failures are a restarting apiserver or a dropped connection, gone in a moment. */
const DEFAULT_INITIAL_BACKOFF_MS = 250;
/** Capped so a long outage is noticed within half a minute of its end. */
const DEFAULT_MAX_BACKOFF_MS = 30_000;
/** Five minutes like client-go's reflector range: long enough to be cheap, short enough to detect a silently dead connection. */
const DEFAULT_WATCH_TIMEOUT_SECONDS = 300;
/** A watch that delivered events or lasted this long was healthy: the next failure starts the backoff afresh. */
const HEALTHY_WATCH_MS = 5_000;

type WatchEvent<T> = { type: string; object: T & { code?: number } };

const keyOf = (meta: V1ObjectMeta | undefined) => `${meta?.namespace ?? ''}/${meta?.name ?? ''}`;

/** Drops what no reader needs and the apiserver repeats on every object: managedFields is often half an object's size. */
export function withoutManagedFields<T extends KubeObject>(object: T): T {
  if (!object.metadata?.managedFields) return object;
  const { managedFields: _dropped, ...metadata } = object.metadata;
  return { ...object, metadata };
}

export class ObjectInformer<T extends KubeObject> {
  private readonly objects = new Map<string, T>();
  private resourceVersion: string | undefined;
  private listedOnce = false;
  private backoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly watchTimeoutSeconds: number;
  private retryTimer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private current: AbortController | undefined;
  private stopped = true;
  /** Bumped by stop(): a list or watch begun before it must not touch the cache after it. */
  private term = 0;

  constructor(private readonly o: ObjectInformerOptions<T>) {
    this.backoffMs = o.initialBackoffMs ?? DEFAULT_INITIAL_BACKOFF_MS;
    this.maxBackoffMs = o.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS;
    this.watchTimeoutSeconds = o.watchTimeoutSeconds ?? DEFAULT_WATCH_TIMEOUT_SECONDS;
  }

  /** True once the first list has filled the cache (and until stop): only then is get() an answer. */
  get synced(): boolean {
    return this.listedOnce && !this.stopped;
  }

  get size(): number {
    return this.objects.size;
  }

  /** The cached object, or undefined when it does not exist (as far as the watch has told us). */
  get(namespace: string, name: string): T | undefined {
    return this.objects.get(`${namespace}/${name}`);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.relist();
  }

  /** Ends the watch and forgets everything: a stopped informer is never read from stale. */
  stop(): void {
    this.stopped = true;
    this.term++;
    clearTimeout(this.retryTimer);
    clearTimeout(this.watchdog);
    this.retryTimer = this.watchdog = undefined;
    this.current?.abort();
    this.current = undefined;
    this.objects.clear();
    this.listedOnce = false;
    this.resourceVersion = undefined;
  }

  private notify(object: T | undefined): void {
    const id = object?.metadata?.labels?.[LABEL_INSTANCE_ID];
    if (!id || this.stopped) return;
    try {
      this.o.onChange(id);
    } catch (err) {
      this.o.logger.error({ err: apiMessage(err), instanceId: id }, `${this.o.kind} watch listener threw`);
    }
  }

  private retryLater(next: () => Promise<void>, why: string, err?: unknown): void {
    if (this.stopped) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.maxBackoffMs);
    if (err !== undefined) this.o.logger.warn({ err: apiMessage(err), retryInMs: delay }, `${this.o.kind} watch: ${why}`);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void next();
    }, delay);
  }

  private resetBackoff(): void {
    this.backoffMs = this.o.initialBackoffMs ?? DEFAULT_INITIAL_BACKOFF_MS;
  }

  /** Lists to get a consistent resourceVersion; after the first time, reports only what changed while the watch was down. */
  private async relist(): Promise<void> {
    if (this.stopped) return;
    const term = this.term;
    let items: T[];
    let resourceVersion: string | undefined;
    try {
      const list = await this.o.list(this.o.labelSelector);
      items = list.items;
      resourceVersion = list.metadata?.resourceVersion;
    } catch (err) {
      if (term === this.term) this.retryLater(() => this.relist(), 'list failed', err);
      return;
    }
    if (this.stopped || term !== this.term) return;
    this.resourceVersion = resourceVersion;
    const previous = new Map(this.objects);
    this.objects.clear();
    for (const item of items) this.objects.set(keyOf(item.metadata), this.o.slim(item));
    if (this.listedOnce) {
      for (const [key, object] of this.objects) {
        if (previous.get(key)?.metadata?.resourceVersion !== object.metadata?.resourceVersion) this.notify(object);
      }
      for (const [key, object] of previous) if (!this.objects.has(key)) this.notify(object);
    }
    this.listedOnce = true;
    await this.watch();
  }

  private apply(type: string, object: T): void {
    const key = keyOf(object.metadata);
    if (type === 'DELETED') {
      this.objects.delete(key);
    } else {
      // A replayed event (after a resumed watch) carries nothing new.
      if (this.objects.get(key)?.metadata?.resourceVersion === object.metadata?.resourceVersion) return;
      this.objects.set(key, this.o.slim(object));
    }
    this.notify(object);
  }

  private async watch(): Promise<void> {
    if (this.stopped) return;
    const term = this.term;
    const startedAt = Date.now();
    let sawEvents = false;
    let gone = false;
    let ended = false;
    const onEvent = (type: string, object: WatchEvent<T>['object']) => {
      if (term !== this.term) return;
      if (type === 'ERROR') {
        // 410 Gone: our resourceVersion is too old to resume from; anything else ends the watch the same way.
        gone ||= object.code === 410;
        return;
      }
      const rv = object.metadata?.resourceVersion;
      if (rv) this.resourceVersion = rv;
      if (type === 'BOOKMARK') return;
      sawEvents = true;
      this.apply(type, object);
    };
    const onDone = (err: unknown) => {
      if (ended) return;
      ended = true;
      if (term !== this.term) return;
      clearTimeout(this.watchdog);
      this.watchdog = undefined;
      this.current = undefined;
      if (this.stopped) return;
      if (gone || httpStatus(err) === 410) {
        this.resourceVersion = undefined;
        this.retryLater(() => this.relist(), 'resourceVersion expired, relisting');
        return;
      }
      // A watch the server ended on its own schedule (timeoutSeconds) was healthy even if nothing happened meanwhile.
      const healthyAfterMs = Math.min(HEALTHY_WATCH_MS, this.watchTimeoutSeconds * 900);
      const healthy = sawEvents || Date.now() - startedAt >= healthyAfterMs;
      if (healthy) this.resetBackoff();
      if (!err && healthy) {
        // The server's timeoutSeconds ran out: resume where we were, at once.
        void this.watch();
        return;
      }
      this.retryLater(() => this.watch(), 'watch ended', err ?? new Error('closed by the server'));
    };
    let controller: AbortController;
    try {
      controller = await new Watch(this.o.kc).watch(
        this.o.watchPath,
        {
          labelSelector: this.o.labelSelector,
          resourceVersion: this.resourceVersion,
          allowWatchBookmarks: true,
          timeoutSeconds: this.watchTimeoutSeconds,
        },
        onEvent,
        onDone,
      );
    } catch (err) {
      onDone(err);
      return;
    }
    if (ended || this.stopped || term !== this.term) {
      controller.abort();
      return;
    }
    this.current = controller;
    // The client sets no timeout on watches: if the server's own end never arrives, the connection is dead.
    this.watchdog = setTimeout(() => controller.abort(), (this.watchTimeoutSeconds + 30) * 1000);
  }
}
