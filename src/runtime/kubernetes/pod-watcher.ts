// A cluster-wide list+watch of managed pods that reports instance ids and survives apiserver hiccups until aborted.
import { Watch, type CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { apiMessage, httpStatus } from './api-errors.js';
import { LABEL_INSTANCE_ID } from './names.js';
import type { RuntimeLogger } from './runtime-logger.js';

export interface PodWatcherOptions {
  kc: KubeConfig;
  core: CoreV1Api;
  labelSelector: string;
  onChange: (instanceId: string) => void;
  signal: AbortSignal;
  logger: RuntimeLogger;
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

type WatchEvent = { type: string; object: V1Pod & { code?: number } };

export class PodWatcher {
  private resourceVersion: string | undefined;
  /** uid -> instance id of the pods seen, so a relist can report pods deleted while the watch was down. */
  private known = new Map<string, string>();
  private listedOnce = false;
  private backoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly watchTimeoutSeconds: number;
  private retryTimer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private current: AbortController | undefined;

  constructor(private readonly options: PodWatcherOptions) {
    this.backoffMs = options.initialBackoffMs ?? DEFAULT_INITIAL_BACKOFF_MS;
    this.maxBackoffMs = options.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS;
    this.watchTimeoutSeconds = options.watchTimeoutSeconds ?? DEFAULT_WATCH_TIMEOUT_SECONDS;
  }

  start(): void {
    const { signal } = this.options;
    if (signal.aborted) return;
    signal.addEventListener('abort', () => this.shutdown(), { once: true });
    void this.relist();
  }

  private shutdown(): void {
    clearTimeout(this.retryTimer);
    clearTimeout(this.watchdog);
    this.retryTimer = this.watchdog = undefined;
    this.current?.abort();
    this.current = undefined;
  }

  private notify(instanceId: string | undefined): void {
    if (!instanceId || this.options.signal.aborted) return;
    try {
      this.options.onChange(instanceId);
    } catch (err) {
      this.options.logger.error({ err: apiMessage(err), instanceId }, 'pod watch listener threw');
    }
  }

  private retryLater(next: () => Promise<void>, why: string, err?: unknown): void {
    if (this.options.signal.aborted) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.maxBackoffMs);
    if (err !== undefined) this.options.logger.warn({ err: apiMessage(err), retryInMs: delay }, `pod watch: ${why}`);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void next();
    }, delay);
  }

  private resetBackoff(): void {
    this.backoffMs = this.options.initialBackoffMs ?? DEFAULT_INITIAL_BACKOFF_MS;
  }

  /** Lists to get a consistent resourceVersion; after the first time, reports every pod since changes may have been missed. */
  private async relist(): Promise<void> {
    if (this.options.signal.aborted) return;
    let pods: V1Pod[];
    try {
      const list = await this.options.core.listPodForAllNamespaces({ labelSelector: this.options.labelSelector });
      pods = list.items;
      this.resourceVersion = list.metadata?.resourceVersion;
    } catch (err) {
      this.retryLater(() => this.relist(), 'list failed', err);
      return;
    }
    if (this.options.signal.aborted) return;
    const previous = this.known;
    this.known = new Map();
    for (const pod of pods) {
      const uid = pod.metadata?.uid;
      const id = pod.metadata?.labels?.[LABEL_INSTANCE_ID];
      if (uid && id) this.known.set(uid, id);
    }
    if (this.listedOnce) {
      const ids = new Set([...this.known.values(), ...[...previous].filter(([uid]) => !this.known.has(uid)).map(([, id]) => id)]);
      for (const id of ids) this.notify(id);
    }
    this.listedOnce = true;
    await this.watch();
  }

  private async watch(): Promise<void> {
    if (this.options.signal.aborted) return;
    const startedAt = Date.now();
    let sawEvents = false;
    let gone = false;
    let ended = false;
    const onEvent = (type: string, object: WatchEvent['object']) => {
      if (type === 'ERROR') {
        // 410 Gone: our resourceVersion is too old to resume from; anything else ends the watch the same way.
        gone ||= object.code === 410;
        return;
      }
      const rv = object.metadata?.resourceVersion;
      if (rv) this.resourceVersion = rv;
      if (type === 'BOOKMARK') return;
      sawEvents = true;
      const uid = object.metadata?.uid;
      const id = object.metadata?.labels?.[LABEL_INSTANCE_ID];
      if (uid && type === 'DELETED') this.known.delete(uid);
      else if (uid && id) this.known.set(uid, id);
      this.notify(id);
    };
    const onDone = (err: unknown) => {
      if (ended) return;
      ended = true;
      clearTimeout(this.watchdog);
      this.watchdog = undefined;
      this.current = undefined;
      if (this.options.signal.aborted) return;
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
      controller = await new Watch(this.options.kc).watch(
        '/api/v1/pods',
        {
          labelSelector: this.options.labelSelector,
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
    if (ended || this.options.signal.aborted) {
      controller.abort();
      return;
    }
    this.current = controller;
    // The client sets no timeout on watches: if the server's own end never arrives, the connection is dead.
    this.watchdog = setTimeout(() => controller.abort(), (this.watchTimeoutSeconds + 30) * 1000);
  }
}
