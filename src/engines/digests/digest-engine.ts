// Usage digests: which chat gets which tenant's (or project's) digest on which schedule, and the digest itself, for a
// scheduled slot or a preview now. The scheduler (digest-scheduler.ts) decides when; channels send.
import { LessThan, Not, IsNull, type DataSource } from 'typeorm';
import { ClawError } from '../../errors/claw-error.js';
import type { Locale } from '../../i18n/locale.js';
import type { ChatPlatform } from '../../model/chat-platforms.js';
import { DigestSlotEntity } from '../../store/entities/digest-slot.js';
import { DigestSubscriptionEntity, type DigestSubscription } from '../../store/entities/digest-subscription.js';
import { ProjectEntity } from '../../store/entities/project.js';
import { TenantEntity } from '../../store/entities/tenant.js';
import { isUniqueViolation } from '../../store/unique-violation.js';
import { isTimeZone } from '../../util/zoned-time.js';
import type { DigestBuilder } from './digest-builder.js';
import type { DigestData } from './digest-data.js';
import { DigestSchedule, scheduleProblem } from './digest-schedule.js';

/** A digest that has no earlier slot to measure from (its first, or a yearly one) covers a week. */
const FALLBACK_PERIOD_MS = 7 * 86_400_000;

export interface DigestTarget {
  platform: ChatPlatform;
  orgId: string;
  chatId: string;
}

export interface DigestDefaults {
  cron: string;
  timeZone: string;
  locale: Locale;
  /** Schedules whose digests would come closer together than this are refused. */
  minIntervalMs: number;
}

export function chatKeyOf(target: DigestTarget): string {
  return `${target.platform}/${target.orgId}/${target.chatId}`;
}

export class DigestEngine {
  /** Called after a subscription changed, so this replica's scheduler reloads at once (others within a sweep). */
  onChange: () => void = () => undefined;

  constructor(
    private readonly db: DataSource,
    private readonly builder: DigestBuilder,
    readonly defaults: DigestDefaults,
  ) {}

  /** Throws the user's error for a schedule node-cron cannot read, an unknown zone, or digests too close together. */
  checkSchedule(cron: string, timeZone: string): void {
    const problem = scheduleProblem(cron, timeZone, this.defaults.minIntervalMs);
    if (problem) throw new ClawError('CLAW_ARG_INVALID', { what: problem.what, reason: problem.reason });
  }

  /** Throws the user's error for a time zone Intl does not know. */
  checkTimeZone(timeZone: string): void {
    if (!isTimeZone(timeZone)) {
      throw new ClawError('CLAW_ARG_INVALID', { what: '--tz', reason: { en: `"${timeZone}" is not a time zone; use an IANA name such as Asia/Shanghai or UTC`, zh: `"${timeZone}" 不是有效的时区，请使用 IANA 名称，如 Asia/Shanghai 或 UTC` } });
    }
  }

  /** Subscribes a chat to a scope's digest; the same chat and scope again changes the schedule instead of doubling it. */
  async subscribe(input: {
    tenantId: string; projectId: string | null; target: DigestTarget; cron: string; timeZone: string; locale: Locale; createdBy: string;
  }): Promise<{ subscription: DigestSubscription; created: boolean }> {
    this.checkSchedule(input.cron, input.timeZone);
    const repo = this.db.getRepository(DigestSubscriptionEntity);
    const keys = { chatKey: chatKeyOf(input.target), scopeKey: `${input.tenantId}/${input.projectId ?? '*'}` };
    const now = new Date();
    const change = { cron: input.cron, timeZone: input.timeZone, locale: input.locale, updatedAt: now };
    for (let attempt = 0; ; attempt++) {
      const existing = await repo.findOneBy(keys);
      if (existing) {
        const same = existing.cron === input.cron && existing.timeZone === input.timeZone && existing.locale === input.locale;
        if (same) return { subscription: existing, created: false };
        await repo.update({ id: existing.id }, change);
        this.onChange();
        return { subscription: { ...existing, ...change }, created: false };
      }
      try {
        const subscription = await repo.save({
          ...keys, ...change, tenantId: input.tenantId, projectId: input.projectId, platform: input.target.platform, orgId: input.target.orgId,
          chatId: input.target.chatId, createdBy: input.createdBy, createdAt: now,
        });
        this.onChange();
        return { subscription, created: true };
      } catch (error) {
        // Someone subscribed the same chat and scope a moment ago: theirs is the row to change.
        if (!isUniqueViolation(error) || attempt > 0) throw error;
      }
    }
  }

  /** Subscriptions of a tenant, or of every tenant; oldest first. */
  list(tenantId?: string): Promise<DigestSubscription[]> {
    return this.db.getRepository(DigestSubscriptionEntity).find({ where: tenantId ? { tenantId } : {}, order: { id: 'ASC' } });
  }

  find(id: number): Promise<DigestSubscription | null> {
    return this.db.getRepository(DigestSubscriptionEntity).findOneBy({ id });
  }

  async unsubscribe(subscription: DigestSubscription): Promise<void> {
    await this.db.transaction(async (em) => {
      await em.getRepository(DigestSlotEntity).delete({ subscriptionId: subscription.id });
      await em.getRepository(DigestSubscriptionEntity).delete({ id: subscription.id });
    });
    this.onChange();
  }

  /** The next times a subscription's digest goes out. */
  nextRuns(subscription: Pick<DigestSubscription, 'cron' | 'timeZone'>, count: number): Date[] {
    const schedule = new DigestSchedule(subscription.cron, subscription.timeZone);
    try {
      return schedule.next(count);
    } finally {
      schedule.close();
    }
  }

  /** The digest now, over the last `periodMs`, without a baseline (restarts are the counters themselves). */
  preview(input: { tenant: { id: string; name: string }; project: { id: string; name: string } | null; periodMs: number; timeZone: string }): Promise<DigestData> {
    const until = new Date();
    return this.builder.build({ tenant: input.tenant, project: input.project, timeZone: input.timeZone, period: { since: new Date(until.getTime() - input.periodMs), until } });
  }

  /**
   * The digest for one slot of a subscription: the period runs from the schedule's previous slot to this one, and
   * restarts count from the previous digest this subscription sent. Null when the tenant or project is gone.
   */
  async forSlot(subscription: DigestSubscription, schedule: DigestSchedule, slot: { at: Date; late: boolean }): Promise<DigestData | null> {
    const [tenant, project] = await Promise.all([
      this.db.getRepository(TenantEntity).findOneBy({ id: subscription.tenantId }),
      subscription.projectId ? this.db.getRepository(ProjectEntity).findOneBy({ id: subscription.projectId }) : Promise.resolve(null),
    ]);
    if (!tenant || (subscription.projectId && !project)) return null;
    const since = schedule.previous(slot.at) ?? new Date(slot.at.getTime() - FALLBACK_PERIOD_MS);
    const before = await this.db.getRepository(DigestSlotEntity).findOne({
      where: { subscriptionId: subscription.id, slotAt: LessThan(slot.at), restarts: Not(IsNull()) }, order: { slotAt: 'DESC' },
    });
    return this.builder.build({
      tenant: { id: tenant.id, name: tenant.name }, project: project ? { id: project.id, name: project.name } : null,
      timeZone: subscription.timeZone, slot, period: { since, until: slot.at },
      ...(before?.restarts ? { baseline: JSON.parse(before.restarts) as Record<string, number> } : {}),
    });
  }
}
