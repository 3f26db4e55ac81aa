// A keyed work queue like client-go's: a key is never processed twice at once, re-adds while processing are kept,
// and failures requeue with per-key exponential backoff.

export interface BackoffOptions {
  /** First retry delay. */
  initialMs: number;
  /** Longest retry delay. */
  maxMs: number;
}

/** Half a second, doubling to a minute: quick recovery from a blip, no hammering of a broken API. */
export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 60_000 };

/**
 * `urgent`: a command or a runtime event asked for it; `background`: the periodic resync. Urgent keys are handed out
 * first, so a full resync of thousands of instances never stands between a command and its instance.
 */
export type Priority = 'urgent' | 'background';

export class WorkQueue {
  /** Keys waiting, oldest first (a Map keeps insertion order), with when they were queued. */
  private readonly urgent = new Map<string, number>();
  private readonly background = new Map<string, number>();
  private readonly processing = new Set<string>();
  /** Added while processing: queued again when done, with the highest priority asked for. */
  private readonly dirty = new Map<string, Priority>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly waiters: Array<(key: string | null) => void> = [];
  private closed = false;

  constructor(private readonly backoff: BackoffOptions = DEFAULT_BACKOFF) {}

  add(key: string, priority: Priority = 'urgent'): void {
    if (this.closed) return;
    if (this.processing.has(key)) {
      if (this.dirty.get(key) !== 'urgent') this.dirty.set(key, priority);
      return;
    }
    if (this.urgent.has(key)) return;
    if (this.background.has(key)) {
      if (priority === 'background') return;
      // Promoted, keeping its age: it has waited since the resync queued it.
      this.urgent.set(key, this.background.get(key)!);
      this.background.delete(key);
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter) {
      this.processing.add(key);
      waiter(key);
      return;
    }
    (priority === 'urgent' ? this.urgent : this.background).set(key, Date.now());
  }

  /** Adds the key after a delay; an earlier pending delay for the same key wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.closed) return;
    if (delayMs <= 0) return this.add(key);
    if (this.timers.has(key)) return;
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref();
    this.timers.set(key, timer);
  }

  /** Requeues after this key's next backoff delay and returns the delay. */
  addRateLimited(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    const delay = Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** n);
    this.addAfter(key, delay);
    return delay;
  }

  /** Resets the key's backoff after a success. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  failureCount(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** The next key to process, or null once the queue is shut down. The caller must call done(key). */
  get(): Promise<string | null> {
    if (this.closed) return Promise.resolve(null);
    const key = first(this.urgent) ?? first(this.background);
    if (key !== undefined) {
      this.urgent.delete(key);
      this.background.delete(key);
      this.processing.add(key);
      return Promise.resolve(key);
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  done(key: string): void {
    this.processing.delete(key);
    const priority = this.dirty.get(key);
    if (priority) {
      this.dirty.delete(key);
      this.add(key, priority);
    }
  }

  /** Keys waiting for a worker (not those in progress or waiting for a delay). */
  get length(): number {
    return this.urgent.size + this.background.size;
  }

  /** How long the oldest waiting key has waited, in ms (0 when none waits): the reconciler's lag. */
  oldestAgeMs(now = Date.now()): number {
    const times = [this.urgent.values().next().value, this.background.values().next().value].filter((t): t is number => t !== undefined);
    return times.length === 0 ? 0 : now - Math.min(...times);
  }

  shutDown(): void {
    this.closed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const waiter of this.waiters.splice(0)) waiter(null);
    this.urgent.clear();
    this.background.clear();
  }
}

function first(map: Map<string, number>): string | undefined {
  return map.keys().next().value;
}
