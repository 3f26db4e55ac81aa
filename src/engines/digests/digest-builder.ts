// Gathers a digest's figures for a tenant or project and a period: instances from the store, tokens from the usage
// engine, alerts and budgets from their engines when this control plane has them (DigestSources).
import { Not, type DataSource } from 'typeorm';
import { InstanceEntity } from '../../store/entities/instance.js';
import { ProjectEntity } from '../../store/entities/project.js';
import { monthIn } from '../../util/zoned-time.js';
import type { BudgetUse } from '../budgets/token-budgets.js';
import type { UsageFilter, UsageRow, UsageEngine } from '../usage/usage-engine.js';
import type { AlertSummary, BudgetBurn, DigestData, DigestWindow, TokenLine } from './digest-data.js';

/** Where a digest's figures come from besides the store; the alert and budget sources are optional. */
export interface DigestSources {
  usage: Pick<UsageEngine, 'tokens' | 'totals'>;
  /** Alerts raised in a period and firing now; absent until an alerts engine is wired in. */
  alerts?: { inPeriod(filter: { tenantId?: string; projectId?: string; since: Date }): Promise<AlertSummary> };
  /** Monthly token budgets and their use; absent until budgets are wired in. */
  budgets?: { current(at?: Date, tenantId?: string): Promise<BudgetUse[]> };
}

/** Lines a chat message can hold and a reader takes in at a glance. */
const BREAKDOWN_LINES = 8;
const TOP_CLAWS = 5;
const MOVERS = 3;
const FAILED_NAMES = 5;
const TOP_RESTARTS = 3;

export interface DigestRequest {
  tenant: { id: string; name: string };
  project: { id: string; name: string } | null;
  period: DigestWindow;
  timeZone: string;
  slot?: { at: Date; late: boolean };
  /** Restart counters at the previous digest of the same subscription; without them the counters themselves are shown. */
  baseline?: Record<string, number>;
}

export class DigestBuilder {
  constructor(
    private readonly db: DataSource,
    private readonly sources: DigestSources,
    /** Budgets run per calendar month in the company's zone: the month-end projection uses it too. */
    private readonly companyTimeZone: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async build(request: DigestRequest): Promise<DigestData> {
    const { tenant, project, period } = request;
    const length = period.until.getTime() - period.since.getTime();
    const previous: DigestWindow = { since: new Date(period.since.getTime() - length), until: period.since };
    const scope = { tenantId: tenant.id, ...(project ? { projectId: project.id } : {}) };
    const filter = (w: DigestWindow): UsageFilter => ({ ...scope, since: w.since, until: w.until });
    const { usage } = this.sources;
    const breakdownBy = project ? 'instance' : 'project';
    const [instances, projects, current, before, rows, previousRows, byInstance, previousByInstance, alerts, budgets] = await Promise.all([
      this.db.getRepository(InstanceEntity).find({
        where: { ...scope, phase: Not('Destroyed') },
        select: { id: true, name: true, projectId: true, phase: true, ready: true, restarts: true },
      }),
      this.db.getRepository(ProjectEntity).find({ where: { tenantId: tenant.id }, select: { id: true, name: true } }),
      usage.totals(filter(period)),
      usage.totals(filter(previous)),
      usage.tokens(filter(period), breakdownBy),
      usage.tokens(filter(previous), breakdownBy),
      project ? Promise.resolve(undefined) : usage.tokens(filter(period), 'instance'),
      project ? Promise.resolve(undefined) : usage.tokens(filter(previous), 'instance'),
      this.sources.alerts ? this.sources.alerts.inPeriod({ ...scope, since: period.since }) : Promise.resolve(null),
      this.sources.budgets ? this.sources.budgets.current(this.now(), tenant.id) : Promise.resolve([]),
    ]);
    const projectNames = new Map(projects.map((p) => [p.id, p.name]));
    // A tenant digest names claws with their project: two projects may each have a `demo`.
    const byId = new Map(instances.map((i) => [i.id, i]));
    const clawLabel = (id: string, fallback: string) => {
      const i = byId.get(id);
      return i && !project ? `${projectNames.get(i.projectId) ?? '?'}/${i.name}` : (i?.name ?? fallback);
    };
    const clawLines = lines(byInstance ?? rows, previousByInstance ?? previousRows, (r) => clawLabel(r.key, r.label));
    const breakdown = project ? clawLines : lines(rows, previousRows, (r) => r.label);

    const byPhase: Record<string, number> = {};
    for (const i of instances) byPhase[i.phase] = (byPhase[i.phase] ?? 0) + 1;
    const running = instances.filter((i) => i.phase === 'Running');
    const counters = Object.fromEntries(instances.map((i) => [i.id, i.restarts]));
    const restarts = instances
      .map((i) => ({ label: clawLabel(i.id, i.name), count: restartsSince(i.restarts, request.baseline?.[i.id], request.baseline !== undefined) }))
      .filter((r) => r.count > 0)
      .sort((a, b) => b.count - a.count || a.label.localeCompare(b.label));

    return {
      tenant: tenant.name,
      project: project?.name ?? null,
      period,
      previous,
      timeZone: request.timeZone,
      ...(request.slot ? { slot: request.slot } : {}),
      generatedAt: this.now(),
      instances: {
        total: instances.length,
        byPhase,
        running: running.length,
        ready: running.filter((i) => i.ready).length,
        failed: instances.filter((i) => i.phase === 'Failed').map((i) => clawLabel(i.id, i.name)).sort().slice(0, FAILED_NAMES),
      },
      restarts: { total: restarts.reduce((n, r) => n + r.count, 0), inPeriod: request.baseline !== undefined, top: restarts.slice(0, TOP_RESTARTS) },
      alerts,
      tokens: {
        current,
        previous: before,
        breakdown: { by: breakdownBy, lines: breakdown.slice(0, BREAKDOWN_LINES) },
        topClaws: clawLines.filter((l) => l.tokens > 0).slice(0, TOP_CLAWS),
        movers: [...clawLines]
          .filter((l) => l.tokens !== l.previousTokens)
          .sort((a, b) => Math.abs(b.tokens - b.previousTokens) - Math.abs(a.tokens - a.previousTokens) || a.label.localeCompare(b.label))
          .slice(0, MOVERS),
      },
      budgets: this.burn(budgets, project?.id),
      estimated: current.estimated || before.estimated || rows.some((r) => r.estimated),
      restartCounters: counters,
    };
  }

  /** The tenant's budget and, in a project digest, that project's own; with the month-end projection at this pace. */
  private burn(uses: BudgetUse[], projectId: string | undefined): BudgetBurn[] {
    const now = this.now();
    const month = monthIn(this.companyTimeZone, now);
    const elapsed = (now.getTime() - month.start.getTime()) / (month.end.getTime() - month.start.getTime());
    return uses
      .filter((u) => !u.project || u.project.id === projectId)
      .map((u) => ({
        label: u.project ? `${u.tenant.name}/${u.project.name}` : u.tenant.name,
        used: u.used, limit: u.limit, share: u.share, month: u.month,
        projectedShare: elapsed > 0 ? u.share / Math.min(1, elapsed) : u.share,
      }));
  }
}

/** This period's rows joined with the previous period's by key, largest first; claws only in the previous period too. */
function lines(current: UsageRow[], previous: UsageRow[], label: (row: UsageRow) => string): TokenLine[] {
  const out = new Map<string, TokenLine>();
  for (const r of current) out.set(r.key, { key: r.key, label: label(r), tokens: r.totalTokens, previousTokens: 0, cost: r.cost, estimated: r.estimated });
  for (const r of previous) {
    const line = out.get(r.key);
    if (line) line.previousTokens = r.totalTokens;
    else out.set(r.key, { key: r.key, label: label(r), tokens: 0, previousTokens: r.totalTokens, cost: 0, estimated: false });
  }
  return [...out.values()].sort((a, b) => b.tokens - a.tokens || b.previousTokens - a.previousTokens || a.label.localeCompare(b.label));
}

/**
 * Restarts since the baseline. A counter below its baseline was reset (the pod or process was replaced): everything it
 * shows happened since. A claw without a baseline is new since the last digest; without any baseline, the counter itself.
 */
function restartsSince(now: number, before: number | undefined, haveBaseline: boolean): number {
  if (!haveBaseline || before === undefined) return now;
  return now >= before ? now - before : now;
}
