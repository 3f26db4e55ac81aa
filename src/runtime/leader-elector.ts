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

/**
 * What every elector shares: whether this replica leads, who holds the lease as far as it knows, who to tell when
 * leadership changes (a listener that throws is reported and does not keep the others from hearing), and the campaign
 * loop. Subclasses say only how to take or renew the lease and how to give it up.
 */
export abstract class LeadershipState implements Pick<LeaderElector, 'isLeader' | 'holder' | 'onChange'> {
  protected leader = false;
  protected lastHolder: string | null = null;
  /** When this replica last took or renewed the lease. */
  protected lastRenewal = 0;
  private stopped = false;
  private readonly listeners: Array<(leader: boolean) => void> = [];

  constructor(
    protected readonly timing: LeaseTiming,
    private readonly onListenerError: (error: unknown) => void,
  ) {}

  isLeader(): boolean {
    return this.leader;
  }

  holder(): string | null {
    return this.lastHolder;
  }

  onChange(listener: (leader: boolean) => void): void {
    this.listeners.push(listener);
  }

  /**
   * Runs `tick` now and every renewal period until `stop` aborts. Then steps down at once (a stopped replica must not
   * act as leader while its release is on the wire; a renewal still in flight cannot make it leader again) and, once
   * that renewal has ended, runs `release`. Resolves when released. `tick` and `release` handle their own errors.
   */
  protected campaign(stop: AbortSignal, tick: () => Promise<void>, release: () => Promise<void>): Promise<void> {
    if (stop.aborted) return Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    let inflight: Promise<void> = Promise.resolve();
    const loop = () => {
      if (stop.aborted) return;
      inflight = tick();
      void inflight.then(() => {
        if (!stop.aborted) timer = setTimeout(loop, this.timing.renewMs);
      });
    };
    const released = new Promise<void>((resolve) => {
      stop.addEventListener('abort', () => {
        clearTimeout(timer);
        this.stopped = true;
        this.setLeader(false);
        void inflight.then(release).finally(resolve);
      }, { once: true });
    });
    loop();
    return released;
  }

  /** The lease store is unreachable: keep leadership only while the lease cannot have expired in others' eyes. */
  protected renewalFailed(): void {
    if (this.leader && Date.now() - this.lastRenewal > this.timing.durationMs - this.timing.renewMs) this.setLeader(false);
  }

  protected setLeader(leader: boolean): void {
    if (leader === this.leader || (leader && this.stopped)) return;
    this.leader = leader;
    for (const listener of this.listeners) {
      try {
        listener(leader);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }
}
