// Leader election: exactly one replica runs the reconciler; the others wait and take over when the lease expires.

export interface LeaderElector {
  /** Campaigns until `signal` aborts, then releases the lease if held. */
  start(signal: AbortSignal): void;
  isLeader(): boolean;
  /** Called with true on becoming leader and false on losing leadership. */
  onChange(listener: (leader: boolean) => void): void;
  /** Who holds the lease now, as far as this replica knows. */
  holder(): string | null;
}

export interface LeaseTiming {
  /** A holder that has not renewed for this long loses the lease. */
  durationMs: number;
  /** How often the holder renews (and others retry). Must be well below durationMs. */
  renewMs: number;
}

/** Fifteen seconds like kube-controller-manager: a dead leader is replaced within about that, renewals are cheap. */
export const DEFAULT_LEASE_TIMING: LeaseTiming = { durationMs: 15_000, renewMs: 5_000 };
