// What a runtime does to its backend, counted for /metrics: a reconcile loop or a noisy watch shows up as a rising rate.

/** What was written: `file` (local generated files, runtime.json), or a Kubernetes kind in lower case (`pod`, `secret`...). */
export type WriteOutcome = 'created' | 'updated' | 'deleted';

export interface RuntimeMeter {
  /** One write to the backend: a file written, an object created, replaced or deleted. Unchanged specs write nothing. */
  write(kind: string, outcome: WriteOutcome): void;
  /**
   * One decision about telling watchers of a possible change: `sent` when something observable changed, `suppressed`
   * when the runtime looked and found nothing new (a healthy steady state has only these, and few of them).
   */
  notification(outcome: 'sent' | 'suppressed'): void;
  /** One read of an object's state: `cache` from a watch-fed cache, `api` from the backend itself. */
  read(kind: string, source: 'cache' | 'api'): void;
}

/** For runtimes built without metrics (tests of the runtime alone). */
export const NO_METER: RuntimeMeter = { write: () => undefined, notification: () => undefined, read: () => undefined };
