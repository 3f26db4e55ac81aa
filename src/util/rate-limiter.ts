// Token-bucket rate limiting: per API token (or client address) for the API, per chat and per bot for the outbox.

export interface RateLimitDecision {
  allowed: boolean;
  /** Seconds until one more request would be allowed; only when refused. */
  retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  updated: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly refillPerMs: number;

  constructor(
    perMinute: number,
    private readonly burst: number,
    /** Idle buckets are forgotten after this, so a scan of many keys cannot grow memory without bound. */
    private readonly idleMs = 10 * 60_000,
    private readonly now: () => number = Date.now,
  ) {
    this.refillPerMs = perMinute / 60_000;
  }

  /** How long until one token is available for the key (0 = now), without taking it. */
  waitMs(key: string): number {
    const bucket = this.refill(key);
    return bucket.tokens >= 1 ? 0 : Math.ceil((1 - bucket.tokens) / this.refillPerMs);
  }

  private refill(key: string): Bucket {
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size > 10_000) this.sweep(now);
      bucket = { tokens: this.burst, updated: now };
      this.buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(this.burst, bucket.tokens + (now - bucket.updated) * this.refillPerMs);
    bucket.updated = now;
    return bucket;
  }

  take(key: string): RateLimitDecision {
    const bucket = this.refill(key);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true, retryAfterSeconds: 0 };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.refillPerMs / 1000)) };
  }

  private sweep(now: number): void {
    for (const [key, bucket] of this.buckets) if (now - bucket.updated > this.idleMs) this.buckets.delete(key);
  }
}
