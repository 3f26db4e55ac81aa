// Crash accounting for one workload: exponential restart delay and the CrashLoopBackOff verdict, both over a sliding window.

export interface CrashBackoff {
  initialMs: number;
  maxMs: number;
}

/** Like the kubelet: 1 s doubling to 60 s, so a broken claw costs little and a flaky one comes back fast. */
export const DEFAULT_CRASH_BACKOFF: CrashBackoff = { initialMs: 1_000, maxMs: 60_000 };

/** Crashes older than this are forgiven (the kubelet resets its back-off after 10 minutes of running). */
export const CRASH_WINDOW_MS = 10 * 60_000;

/** This many crashes within the window make it a crash loop (failure CrashLoopBackOff). */
export const CRASH_LOOP_THRESHOLD = 5;

export class CrashHistory {
  private times: number[] = [];

  constructor(private readonly backoff: CrashBackoff) {}

  record(now = Date.now()): void {
    this.times.push(now);
    this.prune(now);
  }

  reset(): void {
    this.times = [];
  }

  recent(now = Date.now()): number {
    this.prune(now);
    return this.times.length;
  }

  /** Delay before the next start: initial * 2^(recent crashes - 1), capped. */
  delayMs(now = Date.now()): number {
    const n = Math.max(this.recent(now), 1);
    return Math.min(this.backoff.initialMs * 2 ** Math.min(n - 1, 30), this.backoff.maxMs);
  }

  isLooping(now = Date.now()): boolean {
    return this.recent(now) >= CRASH_LOOP_THRESHOLD;
  }

  private prune(now: number): void {
    while (this.times.length > 0 && now - this.times[0]! > CRASH_WINDOW_MS) this.times.shift();
  }
}
