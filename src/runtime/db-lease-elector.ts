// Leader election through a row in the `leases` table: compare-and-swap updates work the same on SQLite and MySQL.
import type { DataSource } from 'typeorm';
import { LeaseEntity } from '../store/entities/lease.js';
import { isUniqueViolation } from '../store/unique-violation.js';
import { DEFAULT_LEASE_TIMING, LeadershipState, type LeaderElector, type LeaseTiming } from './leader-elector.js';

export class DbLeaseElector extends LeadershipState implements LeaderElector {
  constructor(
    private readonly db: DataSource,
    private readonly name: string,
    private readonly identity: string,
    timing: LeaseTiming = DEFAULT_LEASE_TIMING,
    /** Told of every failure, with what failed in words for the log. */
    private readonly onError: (error: unknown, what: string) => void = () => undefined,
  ) {
    super(timing, (error) => onError(error, 'leader election listener threw'));
  }

  start(signal: AbortSignal): void {
    void this.campaign(
      signal,
      async () => {
        try {
          this.setLeader(await this.tryAcquireOrRenew());
        } catch (error) {
          this.onError(error, 'leader lease renewal failed');
          this.renewalFailed();
        }
      },
      () => this.release().catch((error: unknown) => this.onError(error, 'could not release the leader lease; it expires by itself')),
    );
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = new Date();
    const expires = new Date(now.getTime() + this.timing.durationMs);
    const repo = this.db.getRepository(LeaseEntity);
    // Two statements, not one UPDATE with `CASE WHEN holder = ...` in its SET: MySQL and MariaDB evaluate assignments
    // left to right, so a CASE after `holder = :identity` saw the new holder and a takeover never counted as one.
    // Each WHERE is evaluated on the current row, so of replicas racing for an expired lease only one wins.
    const renewed = await repo.update({ name: this.name, holder: this.identity }, { renewedAt: now, expiresAt: expires });
    const taken = (renewed.affected ?? 0) > 0
      ? renewed
      : await repo
        .createQueryBuilder()
        .update()
        .set({ holder: this.identity, acquiredAt: now, renewedAt: now, expiresAt: expires, transitions: () => 'transitions + 1' })
        .where('name = :name AND holder <> :identity AND expires_at < :now', { name: this.name, identity: this.identity, now })
        .execute();
    if ((taken.affected ?? 0) > 0) {
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

  /** Expires our lease (if we hold it) at once, so another replica takes over without waiting for the full duration. */
  private async release(): Promise<void> {
    await this.db.getRepository(LeaseEntity).update({ name: this.name, holder: this.identity }, { expiresAt: new Date(0) });
  }
}
