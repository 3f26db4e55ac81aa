// Sends every subscription's digest on its schedule, from the leader only. node-cron fires each slot; the slot is
// claimed in the database (one row per subscription and time, unique), so whichever replica leads and however often
// the control plane restarts, a slot's digest is made once; then it goes into the outbox, which delivers it. The latest
// slot that fell due while no leader ran goes out when one starts, marked late; earlier missed ones are skipped.
import cron, { type ScheduledTask } from 'node-cron';
import { In, LessThan, type DataSource } from 'typeorm';
import { DigestSlotEntity, type DigestSlot } from '../../store/entities/digest-slot.js';
import { DigestSubscriptionEntity, type DigestSubscription } from '../../store/entities/digest-subscription.js';
import { isUniqueViolation } from '../../store/unique-violation.js';
import type { Logger } from '../../util/logger.js';
import { sleep } from '../../util/sleep.js';
import type { DigestData } from './digest-data.js';
import type { DigestEngine } from './digest-engine.js';
import { DigestSchedule } from './digest-schedule.js';

/** Puts a digest into a subscription's chat; implemented by the chat side (src/channels/digest-sender.ts). */
export interface DigestDelivery {
  /** Queues the digest's messages in the outbox, every one tagged with `correlation`. */
  send(subscription: DigestSubscription, digest: DigestData, correlation: string): Promise<void>;
  /** The outbox already holds messages tagged `correlation` (a claim cut off after queuing them). */
  queued(correlation: string): Promise<boolean>;
}

export interface DigestSchedulerOptions {
  db: DataSource;
  engine: DigestEngine;
  /** Names this replica in the claims it makes (for the log). */
  replica: string;
  logger: Logger;
  now?: () => Date;
}

/** Subscriptions changed on another replica, and claims left behind, are picked up within this. */
const SWEEP_MS = 30_000;
/** A claim this old whose messages are not queued was cut off (its replica died) or failed: it is tried again. */
const STALE_CLAIM_MS = 120_000;
/** A digest that cannot be made or queued this many times is given up on (and says so in the log). */
const MAX_ATTEMPTS = 5;
/** node-cron fires on the second: a slot it should have fired that is still unclaimed this long after is caught up. */
const CATCH_UP_AFTER_MS = 2_000;
/** Slot rows are kept this long (the newest of each subscription always: it is where catching up starts). */
const SLOT_RETENTION_MS = 30 * 86_400_000;
const PRUNE_EVERY_MS = 3_600_000;

export const slotCorrelation = (slot: Pick<DigestSlot, 'id'>): string => `digest:${slot.id}`;

/** One subscription as this leadership term schedules it. */
interface Plan {
  subscription: DigestSubscription;
  schedule: DigestSchedule;
  task: ScheduledTask;
  /** When node-cron started firing this plan's slots: earlier ones can only be caught up. */
  firingFrom: number;
  /** The newest slot known to be claimed (by anyone): nothing at or before it is claimed again. */
  claimedUpTo: number;
}

export class DigestScheduler {
  /** Set by the chat side; without it (no chat channel) claims fail and are retried, then given up on. */
  delivery: DigestDelivery | undefined;
  private readonly now: () => Date;

  constructor(private readonly o: DigestSchedulerOptions) {
    this.now = o.now ?? (() => new Date());
  }

  /** Runs for one leadership term: schedules every subscription, catches up, and sweeps until the signal aborts. */
  start(signal: AbortSignal): void {
    const plans = new Map<number, Plan>();
    let syncing: Promise<void> = Promise.resolve();
    const sync = () => {
      syncing = syncing.then(() => this.sync(plans, signal)).catch((error: unknown) => this.o.logger.warn({ err: error }, 'digest schedule sync failed'));
      return syncing;
    };
    this.o.engine.onChange = () => void sync();
    signal.addEventListener('abort', () => {
      this.o.engine.onChange = () => undefined;
      for (const plan of plans.values()) this.drop(plan);
      plans.clear();
    }, { once: true });
    void this.sweep(plans, signal, sync);
  }

  private async sweep(plans: Map<number, Plan>, signal: AbortSignal, sync: () => Promise<void>): Promise<void> {
    let prunedAt = 0;
    while (!signal.aborted) {
      await sync();
      try {
        await this.recover(plans, signal);
        if (this.now().getTime() - prunedAt >= PRUNE_EVERY_MS) {
          await this.prune(plans);
          prunedAt = this.now().getTime();
        }
      } catch (error) {
        this.o.logger.warn({ err: error }, 'digest sweep failed');
      }
      await sleep(SWEEP_MS, signal);
    }
  }

  /** Brings the plans in line with the stored subscriptions, then claims any slot that fell due unclaimed. */
  private async sync(plans: Map<number, Plan>, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    const stored = await this.o.db.getRepository(DigestSubscriptionEntity).find({ order: { id: 'ASC' } });
    if (signal.aborted) return;
    const ids = new Set(stored.map((s) => s.id));
    for (const [id, plan] of plans) {
      if (!ids.has(id)) {
        this.drop(plan);
        plans.delete(id);
      }
    }
    for (const subscription of stored) {
      const plan = plans.get(subscription.id);
      if (plan && plan.subscription.updatedAt.getTime() === subscription.updatedAt.getTime()) continue;
      if (plan) {
        this.drop(plan);
        plans.delete(subscription.id);
      }
      const newest = await this.o.db.getRepository(DigestSlotEntity).findOne({ where: { subscriptionId: subscription.id }, order: { slotAt: 'DESC' } });
      if (signal.aborted) return;
      try {
        plans.set(subscription.id, this.plan(subscription, newest?.slotAt.getTime() ?? 0, signal));
      } catch (error) {
        // A zone this Node no longer knows (an ICU update): that subscription waits, the others run.
        this.o.logger.warn({ err: error, subscription: subscription.id }, 'digest schedule cannot be read; not scheduled');
      }
    }
    for (const plan of plans.values()) this.catchUp(plan);
  }

  private plan(subscription: DigestSubscription, claimedUpTo: number, signal: AbortSignal): Plan {
    const schedule = new DigestSchedule(subscription.cron, subscription.timeZone);
    const plan: Plan = { subscription, schedule, claimedUpTo, firingFrom: this.now().getTime(), task: undefined as unknown as ScheduledTask };
    plan.task = cron.schedule(subscription.cron, (context) => {
      if (!signal.aborted) this.claim(plan, context.date, false);
    }, { timezone: subscription.timeZone });
    // A slot node-cron could not fire on time (the event loop was busy) is caught up like one missed while down.
    plan.task.on('execution:missed', () => {
      if (!signal.aborted) this.catchUp(plan, true);
    });
    return plan;
  }

  private drop(plan: Plan): void {
    void plan.task.destroy();
    plan.schedule.close();
  }

  /**
   * Claims the latest slot since the subscription last changed, if nobody has: a slot due before node-cron fired for this
   * term (the control plane was down, or leadership moved), or one it did not fire (`missed`). It goes out marked late.
   */
  private catchUp(plan: Plan, missed = false): void {
    const after = Math.max(plan.claimedUpTo, plan.subscription.updatedAt.getTime());
    const now = this.now().getTime();
    const latest = plan.schedule.latest(new Date(after), new Date(now));
    if (!latest) return;
    // node-cron fires this one itself (or has just now): leave it to it.
    if (!missed && latest.getTime() >= plan.firingFrom && now - latest.getTime() < CATCH_UP_AFTER_MS) return;
    this.claim(plan, latest, true);
  }

  private claim(plan: Plan, at: Date, late: boolean): void {
    if (at.getTime() <= plan.claimedUpTo) return;
    plan.claimedUpTo = at.getTime();
    void this.claimAndSend(plan, at, late).catch((error: unknown) => this.o.logger.warn({ err: error, subscription: plan.subscription.id }, 'digest claim failed'));
  }

  private async claimAndSend(plan: Plan, at: Date, late: boolean): Promise<void> {
    const now = this.now();
    let slot: DigestSlot;
    try {
      slot = await this.o.db.getRepository(DigestSlotEntity).save({
        subscriptionId: plan.subscription.id, slotAt: at, late, status: 'claimed',
        claimedBy: this.o.replica, claimedAt: now, attempts: 1, lastError: null, queuedAt: null, restarts: null,
      });
    } catch (error) {
      // Another replica (or this one before a restart) has it: exactly one digest per slot.
      if (isUniqueViolation(error)) return;
      // Not claimed: the next sweep's catch-up tries again.
      plan.claimedUpTo = Math.min(plan.claimedUpTo, at.getTime() - 1);
      throw error;
    }
    this.o.logger.info({ subscription: plan.subscription.id, slot: at.toISOString(), late: slot.late }, 'digest slot claimed');
    await this.produce(plan, slot);
  }

  /** Makes the slot's digest and queues it; a failure leaves the claim for the sweep to retry. */
  private async produce(plan: Plan, slot: DigestSlot): Promise<void> {
    const repo = this.o.db.getRepository(DigestSlotEntity);
    try {
      const digest = await this.o.engine.forSlot(plan.subscription, plan.schedule, { at: slot.slotAt, late: slot.late });
      if (!digest) {
        // The tenant or project was deleted: the subscription goes with it.
        await repo.update({ id: slot.id }, { status: 'failed', lastError: 'the tenant or project no longer exists' });
        await this.o.engine.unsubscribe(plan.subscription);
        this.o.logger.info({ subscription: plan.subscription.id }, 'digest subscription removed: its tenant or project is gone');
        return;
      }
      if (!this.delivery) throw new Error('no chat channel can send digests');
      await this.delivery.send(plan.subscription, digest, slotCorrelation(slot));
      await repo.update({ id: slot.id }, { status: 'queued', queuedAt: this.now(), lastError: null, restarts: JSON.stringify(digest.restartCounters) });
    } catch (error) {
      const failed = slot.attempts >= MAX_ATTEMPTS;
      await repo.update({ id: slot.id }, { status: failed ? 'failed' : 'claimed', lastError: String(error instanceof Error ? error.message : error).slice(0, 1000) });
      this.o.logger.warn({ err: error, subscription: plan.subscription.id, slot: slot.slotAt.toISOString(), attempts: slot.attempts }, failed ? 'digest given up on' : 'digest not sent yet; retried later');
    }
  }

  /** Claims older than STALE_CLAIM_MS whose messages are not queued: finished if they are in the outbox, else made again. */
  private async recover(plans: Map<number, Plan>, signal: AbortSignal): Promise<void> {
    const repo = this.o.db.getRepository(DigestSlotEntity);
    const stale = await repo.find({ where: { status: 'claimed', claimedAt: LessThan(new Date(this.now().getTime() - STALE_CLAIM_MS)) }, order: { id: 'ASC' }, take: 100 });
    for (const slot of stale) {
      if (signal.aborted) return;
      const plan = plans.get(slot.subscriptionId);
      if (!plan) {
        await repo.update({ id: slot.id }, { status: 'failed', lastError: 'the subscription is gone' });
        continue;
      }
      if (await this.delivery?.queued(slotCorrelation(slot))) {
        await repo.update({ id: slot.id }, { status: 'queued', queuedAt: this.now() });
        continue;
      }
      // Compare-and-set on the attempt count: one retry per stale claim, even if two leaders overlap for a moment.
      const retry = { attempts: slot.attempts + 1, claimedAt: this.now(), claimedBy: this.o.replica };
      const taken = await repo.update({ id: slot.id, attempts: slot.attempts, status: 'claimed' }, retry);
      if (taken.affected === 1) await this.produce(plan, { ...slot, ...retry });
    }
  }

  /** Old slot rows go (read first: nothing to prune writes nothing); each subscription's newest stays, as catching up starts there. */
  private async prune(plans: Map<number, Plan>): Promise<void> {
    const repo = this.o.db.getRepository(DigestSlotEntity);
    const old = await repo.find({ where: { slotAt: LessThan(new Date(this.now().getTime() - SLOT_RETENTION_MS)) }, select: { id: true, subscriptionId: true, slotAt: true }, take: 1000 });
    const ids = old.filter((s) => s.slotAt.getTime() < (plans.get(s.subscriptionId)?.claimedUpTo ?? Infinity)).map((s) => s.id);
    if (ids.length) await repo.delete({ id: In(ids) });
  }
}
