// Alerts: evaluates the rules on the leader, keeps one row per open alert (fingerprint-deduplicated), moves it through
// firing / acknowledged / silenced / resolved, and tells the chats through a notifier. After the grouping window, alerts
// due together with the same group key (routing.groupBy) share one card, and a later one joins a card still open; an
// alert alone has a card of its own. A card is updated in place on every change of a member and on each repeat (once per
// card). Alertmanager's alerts join the same path.
import { In, IsNull, MoreThan, MoreThanOrEqual, Not, type DataSource, type FindOptionsWhere } from 'typeorm';
import { ClawError } from '../../errors/claw-error.js';
import type { ChatGroup } from '../../model/chat-origin.js';
import { parseQuantity } from '../../model/values/quantity.js';
import type { ResourceUsage } from '../../runtime/runtime.js';
import { AlertChatEntity, type AlertChat } from '../../store/entities/alert-chat.js';
import { AlertSilenceEntity, type AlertSilence } from '../../store/entities/alert-silence.js';
import { AlertEntity, type Alert, type AlertSeverity, type AlertState } from '../../store/entities/alert.js';
import { ChatBindingEntity } from '../../store/entities/chat-binding.js';
import { InstanceEventEntity, type InstanceEvent } from '../../store/entities/instance-event.js';
import { InstanceEntity } from '../../store/entities/instance.js';
import { ProjectEntity } from '../../store/entities/project.js';
import { TenantEntity, type Tenant } from '../../store/entities/tenant.js';
import { isUniqueViolation } from '../../store/unique-violation.js';
import { sha256Hex } from '../../util/ids.js';
import type { Logger } from '../../util/logger.js';
import { sleep } from '../../util/sleep.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { ChannelDirectory } from '../channels/channel-directory.js';
import { evaluate, fingerprintOf, inhibit, silenceMatches, type BudgetRow, type Candidate, type DriftFact, type InstanceFacts, type Snapshot, type UsageWindow } from './alert-conditions.js';
import { num, severityRank, SEVERITIES, type AlertRules, type GroupLabel } from './alert-rules.js';
import { severityOf, type AlertmanagerAlert } from './alertmanager-payload.js';
import { RestartHistory } from './restart-history.js';

/** The parts of the usage engine alerts read (src/engines/usage/usage-engine.ts). */
export interface UsageSource {
  /** Oldest first; gaps absent, never zeros. */
  resourceSamples(instanceIds: readonly string[], since: Date): Promise<Map<string, ResourceUsage[]>>;
  totals(filter: { tenantId?: string; projectId?: string; instanceId?: string; since: Date; until: Date }): Promise<{ totalTokens: number }>;
}

/** Claws whose running config differs from the desired one (the lifecycle engine's drift check). */
export interface DriftSource {
  drifted(): DriftFact[];
}

/** Token budgets and what was used of them this month; wired by the budget engine. Without one, token-budget rules see nothing. */
export interface BudgetSource {
  budgets(): Promise<BudgetRow[]>;
}

/** What a card needs besides the alert row. */
export interface AlertCardData {
  alert: Alert;
  tenant: string | null;
  project: string | null;
  /** The claw's name when the alert is about one that exists (Restart and Logs buttons). */
  instance: string | null;
  /** The claw's most recent events, newest last. */
  events: InstanceEvent[];
  silence: AlertSilence | null;
  /** Set when the card shows two or more alerts (`alert` is then the group's leader, whose reminders are the card's). */
  group?: AlertGroupData;
}

/** A card of alerts that fired together: the members share the values of routing.groupBy. */
export interface AlertGroupData {
  /** The labels the members share, in groupBy order (`rule` is the rule's name or Alertmanager's alertname). */
  labels: Array<{ label: GroupLabel; value: string }>;
  /** Every member, the leader first. */
  members: Alert[];
  /** resolved once every member is; firing while any is; silenced when every open one is; else acknowledged. */
  state: AlertState;
  /** The highest severity among the members. */
  severity: AlertSeverity;
}

/** Tells chats about alerts; supplied by the channels (src/channels/alert-cards.ts). */
export interface AlertNotifier {
  /** Posts the card to these groups. */
  opened(card: AlertCardData, to: ChatGroup[]): Promise<void>;
  /** Updates every card posted for the alert. */
  changed(card: AlertCardData): Promise<void>;
}

export interface AlertTiming {
  /** How often the leader evaluates the rules. */
  intervalMs: number;
  /** A new alert waits this long before its card, so alerts that come together are sorted out by inhibition first. */
  groupWaitMs: number;
  /** A firing alert nobody acknowledged is brought up again (its card updated) this often. */
  repeatIntervalMs: number;
  /** A condition must stay away this long before its alert resolves: a flapping claw keeps one alert. */
  resolveDelayMs: number;
}

export interface AlertsEngineOptions {
  db: DataSource;
  rules: AlertRules;
  timing: AlertTiming;
  logger: Logger;
  channels?: ChannelDirectory;
  usage?: UsageSource;
  budgets?: BudgetSource;
  /** Records each Alertmanager delivery in the audit trail. */
  audit?: AuditLog;
  now?: () => Date;
}

/** What one evaluation did, for tests and logs. */
export interface PassResult {
  raised: number;
  resolved: number;
  /** Cards posted (a group's card counts once). */
  notified: number;
  /** Cards updated in place (once per card however many of its alerts changed). */
  updated: number;
}

const OPEN_STATES: AlertState[] = ['firing', 'acknowledged', 'silenced'];
/** Usage totals are rollups that change by the minute: asking every pass would cost queries for nothing. */
const USAGE_REFRESH_MS = 5 * 60_000;
const WEEK_MS = 7 * 86_400_000;
/** How many of a claw's events a card shows. */
const CARD_EVENTS = 5;

export class AlertsEngine {
  notifier: AlertNotifier = { opened: async () => undefined, changed: async () => undefined };
  /** Token budgets and their use; without them token-budget rules see nothing. */
  budgets: BudgetSource | undefined;
  /** The chat channels' state and the outbox backlog; without them channel and outbox rules see nothing. */
  channels: ChannelDirectory | undefined;
  /** Config drift found by the drift check; without it config-drift rules see nothing. */
  drift: DriftSource | undefined;
  private readonly now: () => Date;
  private readonly restarts: RestartHistory;
  private usageCache: { at: number; rows: UsageWindow[] } | undefined;

  constructor(private readonly o: AlertsEngineOptions) {
    this.now = o.now ?? (() => new Date());
    this.channels = o.channels;
    this.budgets = o.budgets;
    const windows = [...o.rules.rules, ...Object.values(o.rules.tenants).flatMap((t) => Object.values(t).map((x) => ({ params: x.params ?? {} })))]
      .map((r) => Number(r.params.window ?? 0));
    this.restarts = new RestartHistory(Math.max(3_600_000, ...windows));
  }

  get rules(): AlertRules {
    return this.o.rules;
  }

  /** Leader only: evaluates every interval until the signal aborts. */
  start(signal: AbortSignal): void {
    void (async () => {
      while (!signal.aborted) {
        try {
          await this.evaluate();
        } catch (error) {
          if (!signal.aborted) this.o.logger.warn({ err: error }, 'alert evaluation failed');
        }
        await sleep(this.o.timing.intervalMs, signal);
      }
    })();
  }

  /** One pass: reads the facts, opens, keeps or resolves alerts, and notifies. Writes only what changed. */
  async evaluate(): Promise<PassResult> {
    const now = this.now();
    const result: PassResult = { raised: 0, resolved: 0, notified: 0, updated: 0 };
    const snapshot = await this.snapshot(now);
    const { active, inhibited } = inhibit(evaluate(this.o.rules, snapshot), this.o.rules.inhibit);
    const repo = this.o.db.getRepository(AlertEntity);
    const open = await repo.find({ where: { activeKey: Not(IsNull()), source: 'rule' } });
    const byKey = new Map(open.map((a) => [a.activeKey!, a]));
    const present = new Set([...active, ...inhibited].map((c) => c.fingerprint));
    const silences = await this.activeSilences(now);
    // Cards to draw again once this pass is done: many members resolving together update their card once.
    const touched = new Set<number>();

    for (const c of active) {
      const existing = byKey.get(c.fingerprint);
      if (existing) {
        if (existing.clearedAt) await repo.update({ id: existing.id }, { clearedAt: null });
        continue;
      }
      if (await this.insert(c, now, silences)) result.raised++;
    }
    for (const alert of open) {
      if (present.has(alert.activeKey!)) continue;
      if (!alert.clearedAt) {
        await repo.update({ id: alert.id }, { clearedAt: now });
        alert.clearedAt = now;
      }
      if (now.getTime() - alert.clearedAt.getTime() >= this.o.timing.resolveDelayMs && (await this.resolve(alert, now, touched))) result.resolved++;
    }
    const moved = await this.notifyDue(now, silences, touched);
    result.notified += moved.notified;
    result.updated += moved.updated;
    return result;
  }

  private async insert(c: Candidate, now: Date, silences: AlertSilence[]): Promise<boolean> {
    const silence = silences.find((s) => this.silences(s, c.tenantId, c.labels, c.severity));
    try {
      await this.o.db.getRepository(AlertEntity).insert({
        fingerprint: c.fingerprint, activeKey: c.fingerprint, source: 'rule', rule: c.rule, severity: c.severity,
        tenantId: c.tenantId, projectId: c.projectId, instanceId: c.instanceId, labels: c.labels, cause: c.cause, details: c.details,
        state: silence ? 'silenced' : 'firing', startsAt: c.since, raisedAt: now, clearedAt: null, resolvedAt: null, ackedBy: null, ackedAt: null,
        silenceId: silence?.id ?? null, notifiedAt: null, remindedAt: null, repeats: 0, groupLeaderId: null,
      });
      return true;
    } catch (error) {
      // Another writer opened it first (a webhook and the leader, or two leaders in a hand-over): one alert either way.
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  /** Resolves an open alert; its card (if it has one) joins `touched`, to be drawn again by notifyDue. */
  private async resolve(alert: Alert, now: Date, touched: Set<number>): Promise<boolean> {
    const done = await this.o.db.getRepository(AlertEntity).update({ id: alert.id, activeKey: alert.activeKey! }, { state: 'resolved', activeKey: null, resolvedAt: now });
    if (!done.affected) return false;
    if (alert.notifiedAt) touched.add(leaderOf(alert));
    return true;
  }

  /**
   * Posts cards of alerts past their grouping window, one per group key (claimed alert by alert by compare-and-swap, so
   * one card per alert whichever replica posts it), adds later alerts to a card of their key still open, follows
   * silences that began or ended, brings up cards nobody acknowledged, and draws again every card in `touched`.
   */
  private async notifyDue(now: Date, silences: AlertSilence[], touched = new Set<number>()): Promise<{ notified: number; updated: number }> {
    const repo = this.o.db.getRepository(AlertEntity);
    const open = await repo.find({ where: { activeKey: Not(IsNull()) }, order: { id: 'ASC' } });
    let notified = 0;
    const due: Alert[] = [];
    for (const alert of open) {
      const state = this.stateOf(alert, silences);
      if (state.state !== alert.state || state.silenceId !== alert.silenceId) {
        const moved = await repo.update({ id: alert.id, state: alert.state }, state);
        if (!moved.affected) continue;
        Object.assign(alert, state);
        if (alert.notifiedAt) touched.add(leaderOf(alert));
      }
      if (alert.state === 'silenced' || alert.notifiedAt) continue;
      const wait = alert.source === 'alertmanager' ? 0 : this.o.timing.groupWaitMs;
      if (now.getTime() - alert.raisedAt.getTime() >= wait) due.push(alert);
    }

    // Open cards by group key: a card stays open to newcomers while its leader is unresolved (the oldest card wins).
    const cards = new Map<string, Alert>();
    for (const a of open) {
      if (a.notifiedAt && leaderOf(a) === a.id && !cards.has(this.groupKey(a))) cards.set(this.groupKey(a), a);
    }
    const byKey = new Map<string, Alert[]>();
    for (const a of due) byKey.set(this.groupKey(a), [...(byKey.get(this.groupKey(a)) ?? []), a]);
    for (const [key, alerts] of byKey) {
      const card = cards.get(key);
      if (card) {
        if (await this.join(card, alerts, now)) touched.add(card.id);
      } else if (await this.post(alerts, now)) notified++;
    }

    // Reminders once per card, counted on its leader, while any member fires (nobody acknowledged or silenced it).
    const firing = new Set(open.filter((a) => a.notifiedAt && a.state === 'firing').map(leaderOf));
    for (const leaderId of firing) {
      const leader = open.find((a) => a.id === leaderId) ?? (await repo.findOneBy({ id: leaderId }));
      if (!leader?.remindedAt || now.getTime() - leader.remindedAt.getTime() < this.o.timing.repeatIntervalMs) continue;
      const repeated = await repo.update({ id: leader.id, remindedAt: leader.remindedAt }, { remindedAt: now, repeats: leader.repeats + 1 });
      if (repeated.affected) touched.add(leader.id);
    }

    for (const leaderId of touched) await this.notifier.changed(await this.cardOf(leaderId));
    return { notified, updated: touched.size };
  }

  /** Puts these alerts on a card of their own, the first leading: one alert has its single card, several a group card. */
  private async post(alerts: Alert[], now: Date): Promise<boolean> {
    const [leader] = alerts;
    const claimed = await this.claim(alerts, leader!.id, now);
    // Whoever claimed the leader posts the card; members another writer claimed are on its card already.
    if (claimed[0]?.id !== leader!.id) {
      if (claimed.length) await this.notifier.changed(await this.cardOf(leader!.id));
      return false;
    }
    await this.notifier.opened(await this.cardOf(leader!.id), await this.destinationsOf(claimed));
    return true;
  }

  /** Adds alerts to an open card; the card goes to chats it was not in yet that a newcomer is routed to (another project). */
  private async join(leader: Alert, alerts: Alert[], now: Date): Promise<boolean> {
    const before = await this.o.db.getRepository(AlertEntity).find({ where: { groupLeaderId: leader.id } });
    const joined = await this.claim(alerts, leader.id, now);
    if (!joined.length) return false;
    const known = new Set((await this.destinationsOf(before.length ? before : [leader])).map(chatKey));
    const more = (await this.destinationsOf(joined)).filter((g) => !known.has(chatKey(g)));
    if (more.length) await this.notifier.opened(await this.cardOf(leader.id), more);
    return true;
  }

  /** Claims each alert's first card for the leader's card (compare-and-swap); returns those claimed here. */
  private async claim(alerts: Alert[], leaderId: number, now: Date): Promise<Alert[]> {
    const repo = this.o.db.getRepository(AlertEntity);
    const claimed: Alert[] = [];
    for (const alert of alerts) {
      const done = await repo.update({ id: alert.id, notifiedAt: IsNull() }, { notifiedAt: now, remindedAt: now, groupLeaderId: leaderId });
      if (done.affected) claimed.push(Object.assign(alert, { notifiedAt: now, remindedAt: now, groupLeaderId: leaderId }));
    }
    return claimed;
  }

  /**
   * What alerts share to be on one card: the values of routing.groupBy, and always the tenant, whatever groupBy says:
   * a card goes to its members' chats, and one tenant's chats never see another tenant's claws.
   */
  private groupKey(alert: Alert): string {
    return JSON.stringify([alert.tenantId, ...this.o.rules.routing.groupBy.map((label) => groupValue(alert, label))]);
  }

  /** The state an open alert should be in: silenced by a matching silence, else acknowledged or firing. */
  private stateOf(alert: Alert, silences: AlertSilence[]): { state: AlertState; silenceId: number | null } {
    const silence = silences.find((s) => this.silences(s, alert.tenantId, alert.labels, alert.severity));
    if (silence) return { state: 'silenced', silenceId: silence.id };
    return { state: alert.ackedAt ? 'acknowledged' : 'firing', silenceId: null };
  }

  private silences(s: AlertSilence, tenantId: string | null, labels: Record<string, string>, severity: AlertSeverity): boolean {
    return (s.tenantId === null || s.tenantId === tenantId) && silenceMatches(s.matchers, labels, severity);
  }

  private activeSilences(now: Date): Promise<AlertSilence[]> {
    return this.o.db.getRepository(AlertSilenceEntity).find({ where: { endsAt: MoreThan(now), expiredAt: IsNull() }, order: { id: 'ASC' } });
  }

  // ---- facts ----

  private async snapshot(now: Date): Promise<Snapshot> {
    const db = this.o.db;
    const [instances, tenants, projects] = await Promise.all([
      db.getRepository(InstanceEntity).find({ where: { desiredPhase: 'Running', destroyedAt: IsNull() } }),
      db.getRepository(TenantEntity).find(),
      db.getRepository(ProjectEntity).find(),
    ]);
    const tenantName = new Map(tenants.map((t) => [t.id, t.name]));
    const projectName = new Map(projects.map((p) => [p.id, p.name]));
    const t = now.getTime();
    const facts: InstanceFacts[] = instances.flatMap((i) => {
      const tenant = tenantName.get(i.tenantId);
      const project = projectName.get(i.projectId);
      if (!tenant || !project) return [];
      this.restarts.observe(i.id, i.restarts, t);
      return [{
        id: i.id, tenantId: i.tenantId, projectId: i.projectId, tenant, project, name: i.name, phase: i.phase, ready: i.ready, restarts: i.restarts,
        reason: i.reason, message: i.message, troubleSince: i.troubleSince, lastTransitionAt: i.lastTransitionAt,
        cpuLimit: quantity(i.cpu, 'cpu'), memoryLimit: quantity(i.memory, 'bytes'),
      }];
    });
    this.restarts.retain(new Set(facts.map((f) => f.id)));
    const rules = this.o.rules.rules.filter((r) => r.enabled);
    const windows = [...rules, ...Object.values(this.o.rules.tenants).flatMap((x) => Object.values(x).map((o) => ({ kind: '', params: o.params ?? {} })))];
    const longest = (key: string) => Math.max(0, ...windows.map((r) => Number(r.params[key] ?? 0)));
    // Crash and OOM events of the watched claws, within the longest window any rule looks back.
    const events = facts.length
      ? await db.getRepository(InstanceEventEntity).find({
        where: { instanceId: In(facts.map((f) => f.id)), type: 'Warning', reason: In(['OOMKilled', 'CrashLoopBackOff']), occurredAt: MoreThanOrEqual(new Date(t - longest('window'))) },
      })
      : [];
    const eventsOf = new Map<string, InstanceEvent[]>();
    for (const e of events) eventsOf.set(e.instanceId, [...(eventsOf.get(e.instanceId) ?? []), e]);
    const usage = this.o.usage;
    const resourceRules = rules.filter((r) => r.kind === 'resource-high');
    const samples = usage && resourceRules.length && facts.length
      ? await usage.resourceSamples(facts.filter((f) => f.phase === 'Running').map((f) => f.id), new Date(t - longest('for')))
      : new Map<string, ResourceUsage[]>();
    const channels = this.channels;
    return {
      now, instances: facts, samples,
      restartsWithin: (id, windowMs) => Math.max(
        this.restarts.within(id, windowMs, t),
        (eventsOf.get(id) ?? []).filter((e) => e.reason === 'CrashLoopBackOff' && e.occurredAt.getTime() >= t - windowMs).length,
      ),
      oomKilledWithin: (id, windowMs) => {
        const last = (eventsOf.get(id) ?? []).filter((e) => e.reason === 'OOMKilled' && e.occurredAt.getTime() >= t - windowMs).at(-1);
        return last?.occurredAt ?? null;
      },
      channels: channels?.channels() ?? [],
      outbox: channels && rules.some((r) => r.kind === 'outbox-backlog') ? await channels.outbox() : null,
      budgets: this.budgets ? await this.budgets.budgets() : [],
      usage: await this.usageWindows(now, tenants),
      drift: this.drift && rules.some((r) => r.kind === 'config-drift') ? this.drift.drifted() : [],
    };
  }

  private async usageWindows(now: Date, tenants: Tenant[]): Promise<UsageWindow[]> {
    const usage = this.o.usage;
    const rule = this.o.rules.rules.find((r) => r.kind === 'usage-spike' && r.enabled);
    if (!usage || !rule) return [];
    if (this.usageCache && now.getTime() - this.usageCache.at < USAGE_REFRESH_MS) return this.usageCache.rows;
    const window = num(rule, 'window');
    const t = now.getTime();
    const rows: UsageWindow[] = [];
    for (const tenant of tenants) {
      const [current, previous] = await Promise.all([
        usage.totals({ tenantId: tenant.id, since: new Date(t - window), until: now }),
        usage.totals({ tenantId: tenant.id, since: new Date(t - WEEK_MS - window), until: new Date(t - WEEK_MS) }),
      ]);
      rows.push({ tenantId: tenant.id, tenant: tenant.name, current: current.totalTokens, previous: previous.totalTokens });
    }
    this.usageCache = { at: t, rows };
    return rows;
  }

  // ---- routing and cards ----

  /** The groups an alert goes to: chats bound to its tenant and project, and the tenant's alert chat, by severity. */
  async destinations(alert: Pick<Alert, 'tenantId' | 'projectId' | 'severity'>): Promise<ChatGroup[]> {
    const { routing } = this.o.rules;
    let tenantId = alert.tenantId;
    if (!tenantId) tenantId = (await this.o.db.getRepository(TenantEntity).findOneBy({ name: routing.platformTenant }))?.id ?? null;
    if (!tenantId) return [];
    const out = new Map<string, ChatGroup>();
    const add = (g: ChatGroup) => out.set(`${g.platform}/${g.orgId}/${g.chatId}`, { platform: g.platform, orgId: g.orgId, chatId: g.chatId });
    if (severityRank(alert.severity) >= severityRank(routing.boundChats)) {
      const where: FindOptionsWhere<{ tenantId: string; projectId: string | null }>[] = alert.projectId
        ? [{ tenantId, projectId: alert.projectId }, { tenantId, projectId: IsNull() }]
        : [{ tenantId }];
      for (const b of await this.o.db.getRepository(ChatBindingEntity).find({ where, order: { createdAt: 'ASC' } })) add(b);
    }
    if (severityRank(alert.severity) >= severityRank(routing.alertChat)) {
      const chat = await this.alertChat(tenantId);
      if (chat) add(chat);
    }
    return [...out.values()];
  }

  /** Every group any of these alerts goes to. */
  private async destinationsOf(alerts: Alert[]): Promise<ChatGroup[]> {
    const out = new Map<string, ChatGroup>();
    const seen = new Set<string>();
    for (const a of alerts) {
      const route = `${a.tenantId}/${a.projectId}/${a.severity}`;
      if (seen.has(route)) continue;
      seen.add(route);
      for (const g of await this.destinations(a)) out.set(chatKey(g), g);
    }
    return [...out.values()];
  }

  /** The card an alert is on: its leader's, showing every member when there are two or more. */
  async cardOf(leaderId: number): Promise<AlertCardData> {
    const members = await this.o.db.getRepository(AlertEntity).find({ where: { groupLeaderId: leaderId }, order: { id: 'ASC' } });
    const leader = members.find((m) => m.id === leaderId) ?? (await this.get(leaderId));
    if (members.length < 2) return this.card(leader);
    const open = members.filter((m) => m.state !== 'resolved');
    const state: AlertState = !open.length ? 'resolved'
      : open.some((m) => m.state === 'firing') ? 'firing'
        : open.every((m) => m.state === 'silenced') ? 'silenced' : 'acknowledged';
    const shared = (pick: (a: Alert) => string | undefined) => (members.every((m) => pick(m) === pick(leader)) ? (pick(leader) ?? null) : null);
    const silenceId = state === 'silenced' ? open[0]!.silenceId : null;
    return {
      alert: leader, tenant: shared((a) => a.labels.tenant), project: shared((a) => a.labels.project), instance: null, events: [],
      silence: silenceId ? await this.o.db.getRepository(AlertSilenceEntity).findOneBy({ id: silenceId }) : null,
      group: {
        labels: this.o.rules.routing.groupBy.map((label) => ({ label, value: groupValue(leader, label) })),
        members, state, severity: SEVERITIES[Math.max(...members.map((m) => severityRank(m.severity)))]!,
      },
    };
  }

  async card(alert: Alert): Promise<AlertCardData> {
    const db = this.o.db;
    const [instance, silence] = await Promise.all([
      alert.instanceId ? db.getRepository(InstanceEntity).findOneBy({ id: alert.instanceId }) : null,
      alert.silenceId ? db.getRepository(AlertSilenceEntity).findOneBy({ id: alert.silenceId }) : null,
    ]);
    const events = instance
      ? (await db.getRepository(InstanceEventEntity).find({ where: { instanceId: instance.id }, order: { occurredAt: 'DESC' }, take: CARD_EVENTS })).reverse()
      : [];
    return {
      alert, tenant: alert.labels.tenant ?? null, project: alert.labels.project ?? null,
      instance: instance && !instance.destroyedAt ? instance.name : null, events, silence,
    };
  }

  // ---- commands ----

  async get(id: number): Promise<Alert> {
    const alert = await this.o.db.getRepository(AlertEntity).findOneBy({ id });
    if (!alert) throw new ClawError('CLAW_NOT_FOUND', { kind: { en: 'Alert', zh: '告警' }, name: `#${id}` });
    return alert;
  }

  /** Open alerts (or recent ones of every state with `all`) of these tenants; `null` in the list means the platform's. */
  async list(filter: { tenantIds: 'all' | Array<string | null>; all?: boolean; rule?: string; limit?: number }): Promise<Alert[]> {
    const base: FindOptionsWhere<Alert> = { ...(filter.all ? {} : { state: In(OPEN_STATES) }), ...(filter.rule ? { rule: filter.rule } : {}) };
    const where: FindOptionsWhere<Alert>[] = filter.tenantIds === 'all'
      ? [base]
      : filter.tenantIds.map((id) => ({ ...base, tenantId: id === null ? IsNull() : id }));
    if (!where.length) return [];
    return this.o.db.getRepository(AlertEntity).find({ where, order: { id: 'DESC' }, take: filter.limit ?? 200 });
  }

  /** Acknowledges an open alert: no more reminders; the card says who took it. A resolved one is left as it is. */
  async ack(id: number, by: string): Promise<Alert> {
    return (await this.ackAll([id], by))[0]!;
  }

  /** Acknowledges several alerts (a group card's Ack all); each card they are on is drawn again once. */
  async ackAll(ids: readonly number[], by: string): Promise<Alert[]> {
    const now = this.now();
    const touched = new Set<number>();
    const out: Alert[] = [];
    for (const id of ids) {
      const alert = await this.get(id);
      if (alert.state === 'resolved' || alert.ackedAt) {
        out.push(alert);
        continue;
      }
      const state: AlertState = alert.state === 'silenced' ? 'silenced' : 'acknowledged';
      await this.o.db.getRepository(AlertEntity).update({ id }, { ackedBy: by, ackedAt: now, state });
      const acked = { ...alert, ackedBy: by, ackedAt: now, state };
      if (acked.notifiedAt) touched.add(leaderOf(acked));
      out.push(acked);
    }
    for (const leaderId of touched) await this.notifier.changed(await this.cardOf(leaderId));
    return out;
  }

  /** A new silence; open alerts it matches go quiet at once (their cards say until when). */
  async addSilence(input: { tenantId: string | null; matchers: Record<string, string>; durationMs: number; reason: string | null; createdBy: string }): Promise<{ silence: AlertSilence; matched: Alert[] }> {
    const now = this.now();
    const silence = await this.o.db.getRepository(AlertSilenceEntity).save({
      tenantId: input.tenantId, matchers: input.matchers, reason: input.reason, createdBy: input.createdBy, createdAt: now,
      endsAt: new Date(now.getTime() + input.durationMs), expiredAt: null, expiredBy: null,
    });
    await this.notifyDue(now, await this.activeSilences(now));
    const matched = (await this.list({ tenantIds: 'all' })).filter((a) => a.silenceId === silence.id);
    return { silence, matched };
  }

  async getSilence(id: number): Promise<AlertSilence> {
    const silence = await this.o.db.getRepository(AlertSilenceEntity).findOneBy({ id });
    if (!silence) throw new ClawError('CLAW_NOT_FOUND', { kind: { en: 'Silence', zh: '静默' }, name: `#${id}` });
    return silence;
  }

  async listSilences(filter: { tenantIds: 'all' | Array<string | null>; all?: boolean }): Promise<AlertSilence[]> {
    const now = this.now();
    const base: FindOptionsWhere<AlertSilence> = filter.all ? {} : { endsAt: MoreThan(now), expiredAt: IsNull() };
    const where: FindOptionsWhere<AlertSilence>[] = filter.tenantIds === 'all'
      ? [base]
      : filter.tenantIds.map((id) => ({ ...base, tenantId: id === null ? IsNull() : id }));
    if (!where.length) return [];
    return this.o.db.getRepository(AlertSilenceEntity).find({ where, order: { id: 'DESC' }, take: 200 });
  }

  /** Ends a silence now; alerts it held speak again (their cards are updated, or posted if they never were). */
  async expireSilence(id: number, by: string): Promise<AlertSilence> {
    const silence = await this.getSilence(id);
    const now = this.now();
    if (silence.expiredAt || silence.endsAt <= now) return silence;
    await this.o.db.getRepository(AlertSilenceEntity).update({ id, expiredAt: IsNull() }, { expiredAt: now, expiredBy: by });
    await this.notifyDue(now, await this.activeSilences(now));
    return { ...silence, expiredAt: now, expiredBy: by };
  }

  async alertChat(tenantId: string): Promise<AlertChat | null> {
    return this.o.db.getRepository(AlertChatEntity).findOneBy({ tenantId });
  }

  async setAlertChat(tenant: Tenant, chat: ChatGroup | null, by: string): Promise<void> {
    const repo = this.o.db.getRepository(AlertChatEntity);
    await repo.delete({ tenantId: tenant.id });
    if (chat) await repo.insert({ tenantId: tenant.id, platform: chat.platform, orgId: chat.orgId, chatId: chat.chatId, createdAt: this.now(), createdBy: by });
  }

  // ---- Alertmanager ----

  /**
   * Alerts from Prometheus Alertmanager's webhook: routed by their tenant and project labels, deduplicated by
   * fingerprint (a repeat of an open alert changes nothing), resolved in place. Posted at once: Alertmanager grouped them.
   */
  async receive(alerts: readonly AlertmanagerAlert[], requestId = 'alertmanager'): Promise<{ opened: number; duplicates: number; resolved: number; unknown: number }> {
    const started = Date.now();
    const out = { opened: 0, duplicates: 0, resolved: 0, unknown: 0 };
    const now = this.now();
    const repo = this.o.db.getRepository(AlertEntity);
    const silences = await this.activeSilences(now);
    const touched = new Set<number>();
    for (const a of alerts) {
      const key = sha256Hex(`alertmanager:${a.fingerprint ?? fingerprintOf(a.labels.alertname!, a.labels)}`);
      const open = await repo.findOneBy({ activeKey: key });
      if (a.status === 'resolved') {
        if (!open) out.unknown++;
        else if (await this.resolve(open, a.endsAt ?? now, touched)) out.resolved++;
        continue;
      }
      if (open) {
        out.duplicates++;
        continue;
      }
      const where = await this.placeOf(a.labels);
      const severity = severityOf(a.labels);
      const details = { ...a.annotations, ...(a.generatorURL ? { generatorURL: a.generatorURL } : {}) };
      const summary = a.annotations.summary ?? a.annotations.description ?? a.labels.alertname!;
      const silence = silences.find((s) => this.silences(s, where.tenantId, a.labels, severity));
      try {
        await repo.insert({
          fingerprint: key, activeKey: key, source: 'alertmanager', rule: a.labels.alertname!.slice(0, 100), severity,
          tenantId: where.tenantId, projectId: where.projectId, instanceId: where.instanceId, labels: a.labels, cause: { en: summary, zh: summary },
          details: Object.keys(details).length ? details : null, state: silence ? 'silenced' : 'firing', startsAt: a.startsAt, raisedAt: now,
          clearedAt: null, resolvedAt: null, ackedBy: null, ackedAt: null, silenceId: silence?.id ?? null, notifiedAt: null, remindedAt: null, repeats: 0,
          groupLeaderId: null,
        });
        out.opened++;
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        out.duplicates++;
      }
    }
    if (out.opened || touched.size) await this.notifyDue(now, silences, touched);
    const names = [...new Set(alerts.map((a) => `${a.labels.alertname}${a.status === 'resolved' ? ' (resolved)' : ''}`))].join(', ');
    await this.o.audit?.append({
      requestId, channel: 'alertmanager', memberId: null, memberName: null, identity: 'alertmanager', tenantName: null, scope: null, command: 'alertmanager',
      text: `alertmanager: ${names}: opened ${out.opened}, duplicates ${out.duplicates}, resolved ${out.resolved}, unknown ${out.unknown}`.slice(0, 1000),
      decision: 'allowed', outcome: 'success', errorCode: null, durationMs: Date.now() - started,
    });
    return out;
  }

  /** Tenant, project and claw named by an external alert's labels, where they exist. */
  private async placeOf(labels: Record<string, string>): Promise<{ tenantId: string | null; projectId: string | null; instanceId: string | null }> {
    const db = this.o.db;
    const tenant = labels.tenant ? await db.getRepository(TenantEntity).findOneBy({ name: labels.tenant }) : null;
    if (!tenant) return { tenantId: null, projectId: null, instanceId: null };
    const project = labels.project ? await db.getRepository(ProjectEntity).findOneBy({ tenantId: tenant.id, name: labels.project }) : null;
    const instance = project && labels.instance
      ? await db.getRepository(InstanceEntity).findOneBy({ projectId: project.id, name: labels.instance, destroyedAt: IsNull() })
      : null;
    return { tenantId: tenant.id, projectId: project?.id ?? null, instanceId: instance?.id ?? null };
  }

  // ---- figures for digests and /metrics ----

  /** Alerts raised since a time (by severity) and those open now, for a tenant or project or everything. */
  async inPeriod(filter: { tenantId?: string; projectId?: string; since: Date }): Promise<{ raised: number; firing: number; bySeverity: Record<string, number> }> {
    const scope: FindOptionsWhere<Alert> = { ...(filter.tenantId ? { tenantId: filter.tenantId } : {}), ...(filter.projectId ? { projectId: filter.projectId } : {}) };
    const repo = this.o.db.getRepository(AlertEntity);
    const rows = await repo.createQueryBuilder('a').select('a.severity', 'severity').addSelect('COUNT(*)', 'n')
      .where({ ...scope, raisedAt: MoreThanOrEqual(filter.since) }).groupBy('a.severity').getRawMany<{ severity: string; n: string }>();
    const bySeverity = Object.fromEntries(rows.map((r) => [r.severity, Number(r.n)]));
    const firing = await repo.count({ where: { ...scope, state: In(['firing', 'acknowledged']) } });
    return { raised: Object.values(bySeverity).reduce((a, b) => a + b, 0), firing, bySeverity };
  }

  /** Alerts firing now (neither acknowledged nor silenced) by severity, for the claw_alerts_firing gauge. */
  async firingCounts(): Promise<Array<{ severity: string; n: number }>> {
    const rows = await this.o.db.getRepository(AlertEntity).createQueryBuilder('a').select('a.severity', 'severity').addSelect('COUNT(*)', 'n')
      .where({ state: 'firing' }).groupBy('a.severity').getRawMany<{ severity: string; n: string }>();
    return rows.map((r) => ({ severity: r.severity, n: Number(r.n) }));
  }
}

/** The alert whose card shows this one; alerts posted before grouping lead their own. */
const leaderOf = (alert: Pick<Alert, 'id' | 'groupLeaderId'>): number => alert.groupLeaderId ?? alert.id;

const chatKey = (g: ChatGroup) => `${g.platform}/${g.orgId}/${g.chatId}`;

/** An alert's value of a groupBy label; `rule` is the rule (Alertmanager's alertname), a missing label is empty. */
export function groupValue(alert: Pick<Alert, 'rule' | 'severity' | 'labels'>, label: GroupLabel): string {
  if (label === 'rule') return alert.rule;
  if (label === 'severity') return alert.severity;
  return alert.labels[label] ?? '';
}

function quantity(text: string, unit: 'cpu' | 'bytes'): number {
  const q = parseQuantity(text, unit);
  return q.ok ? q.value.value : 0;
}
