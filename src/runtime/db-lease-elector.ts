// Leader election through a row in the `leases` table: compare-and-swap updates work the same on SQLite and MySQL.
import type { DataSource } from 'typeorm';
import { LeaseEntity } from '../store/entities/lease.js';
import { isUniqueViolation } from '../store/unique-violation.js';
import { DEFAULT_LEASE_TIMING, type LeaderElector, type LeaseTiming } from './leader-elector.js';

export class DbLeaseElector implements LeaderElector {
  private leader = false;
  private lastHolder: string | null = null;
  private readonly listeners: Array<(leader: boolean) => void> = [];

  constructor(
    private readonly db: DataSource,
    private readonly name: string,
    private readonly identity: string,
    private readonly timing: LeaseTiming = DEFAULT_LEASE_TIMING,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  start(signal: AbortSignal): void {
    let timer: NodeJS.Timeout | undefined;
    const tick = async () => {
      if (signal.aborted) return;
      try {
        this.setLeader(await this.tryAcquireOrRenew());
      } catch (error) {
        // A database hiccup: keep leadership only while the lease cannot have expired for others.
        this.onError(error);
        if (this.leader && Date.now() - this.lastRenewal > this.timing.durationMs - this.timing.renewMs) this.setLeader(false);
      }
      if (!signal.aborted) timer = setTimeout(() => void tick(), this.timing.renewMs);
    };
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      void this.release().catch((error: unknown) => this.onError(error)).finally(() => this.setLeader(false));
    }, { once: true });
    void tick();
  }

  isLeader(): boolean {
    return this.leader;
  }

  holder(): string | null {
    return this.lastHolder;
  }

  onChange(listener: (leader: boolean) => void): void {
    this.listeners.push(listener);
  }

  private lastRenewal = 0;

  private setLeader(leader: boolean): void {
    if (leader === this.leader) return;
    this.leader = leader;
    for (const listener of this.listeners) listener(leader);
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = new Date();
    const expires = new Date(now.getTime() + this.timing.durationMs);
    const repo = this.db.getRepository(LeaseEntity);
    // Take the lease if we hold it or it has expired; the WHERE is evaluated on the current row, so only one wins.
    const result = await repo
      .createQueryBuilder()
      .update()
      .set({
        holder: this.identity,
        renewedAt: now,
        expiresAt: expires,
        acquiredAt: () => `CASE WHEN holder = :identity THEN acquired_at ELSE :now END`,
        transitions: () => `transitions + CASE WHEN holder = :identity THEN 0 ELSE 1 END`,
      })
      .where('name = :name AND (holder = :identity OR expires_at < :now)', { name: this.name, identity: this.identity, now })
      .execute();
    if ((result.affected ?? 0) > 0) {
      this.lastHolder = this.identity;
      this.lastRenewal = now.getTime();
      return true;
    }
    const row = await repo.findOneBy({ name: this.name });
    if (!row) {
      try {
        await repo.insert({ name: this.name, holder: this.identity, acquiredAt: now, renewedAt: now, expiresAt: expires, transitions: 0 });
        this.lastHolder = this.identity;
        this.lastRenewal = now.getTime();
        return true;
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        // Another replica inserted first: learn who, so holder() is right from the first round.
        this.lastHolder = (await repo.findOneBy({ name: this.name }))?.holder ?? null;
        return false;
      }
    }
    this.lastHolder = row.holder;
    return false;
  }

  /** Expires our lease at once so another replica takes over without waiting for the full duration. */
  private async release(): Promise<void> {
    if (!this.leader) return;
    await this.db.getRepository(LeaseEntity).update({ name: this.name, holder: this.identity }, { expiresAt: new Date(0) });
  }
}
