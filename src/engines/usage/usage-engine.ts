// Reads token use and resource samples the collector stored: totals and rows grouped for `claw usage`, latest samples for `claw status`.
import { In, MoreThanOrEqual, type DataSource } from 'typeorm';
import type { UsageSettings } from '../../config/settings.js';
import type { TokenCounters } from '../../model/token-counters.js';
import type { ResourceUsage } from '../../runtime/runtime.js';
import { InstanceEntity } from '../../store/entities/instance.js';
import { ProjectEntity } from '../../store/entities/project.js';
import { TenantEntity } from '../../store/entities/tenant.js';
import { UsageResourceRollupEntity, UsageResourceSampleEntity } from '../../store/entities/usage-resource-sample.js';
import { UsageTokenRollupEntity } from '../../store/entities/usage-token-rollup.js';
import { floorTo, resolutionFor } from './buckets.js';
import type { PriceTable } from './price-table.js';

export type UsageGrouping = 'instance' | 'project' | 'tenant' | 'model';

export interface UsageFilter {
  /** undefined: all tenants */
  tenantId?: string;
  projectId?: string;
  instanceId?: string;
  since: Date;
  until: Date;
}

export interface TokenTotals extends TokenCounters {
  currency: string;
  /** some of the cost is estimated from configs/prices.yaml */
  estimated: boolean;
}

export interface UsageRow extends TokenTotals {
  key: string;
  label: string;
  /** By instance: its project's name; by instance or project: its tenant's name. */
  project?: string;
  tenant?: string;
}

const GROUP_COLUMN: Record<UsageGrouping, string> = { instance: 'r.instanceId', project: 'r.projectId', tenant: 'r.tenantId', model: 'r.model' };
/** A sample older than this is not "now" for `claw status` (the collector samples every usage.interval). */
const DEFAULT_MAX_AGE_MS = 5 * 60_000;
/** Ids per IN list: well under both databases' limits on parameters. */
const ID_CHUNK = 500;

interface SumRow {
  key: string;
  model: string;
  input: string | number | null;
  output: string | number | null;
  cacheRead: string | number | null;
  cacheWrite: string | number | null;
  total: string | number | null;
  cost: string | number | null;
  /** Tokens of buckets whose claw reported no cost: what the price table estimates. */
  unpricedInput: string | number | null;
  unpricedOutput: string | number | null;
  unpricedCacheRead: string | number | null;
  unpricedCacheWrite: string | number | null;
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += ID_CHUNK) out.push(items.slice(i, i + ID_CHUNK));
  return out;
}

export class UsageEngine {
  constructor(
    private readonly db: DataSource,
    readonly prices: PriceTable,
    private readonly settings: Pick<UsageSettings, 'intervalMs' | 'retentionMs'>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Tokens and cost in the period, one row per group, most tokens first. */
  async tokens(filter: UsageFilter, by: UsageGrouping): Promise<UsageRow[]> {
    const sums = await this.sums(filter, GROUP_COLUMN[by]);
    const rows = new Map<string, UsageRow>();
    for (const s of sums) {
      const row = rows.get(s.key) ?? { key: s.key, label: s.key, ...this.empty() };
      this.add(row, s);
      rows.set(s.key, row);
    }
    await this.label(by, [...rows.values()]);
    return [...rows.values()].sort((a, b) => b.totalTokens - a.totalTokens || a.label.localeCompare(b.label));
  }

  /** Tokens and cost in the period for the whole filter. */
  async totals(filter: UsageFilter): Promise<TokenTotals> {
    const total = this.empty();
    for (const s of await this.sums(filter, "'all'")) this.add(total, s);
    return total;
  }

  /** The latest raw sample per instance, if it is at most `maxAgeMs` old: one query for a page of `claw status`. */
  async latestResources(instanceIds: readonly string[], maxAgeMs = Math.max(DEFAULT_MAX_AGE_MS, 3 * this.settings.intervalMs)): Promise<Map<string, ResourceUsage>> {
    const out = new Map<string, ResourceUsage>();
    if (instanceIds.length === 0) return out;
    const since = new Date(this.now().getTime() - maxAgeMs);
    for (const ids of chunks(instanceIds)) {
      const rows = await this.db.getRepository(UsageResourceSampleEntity).find({ where: { instanceId: In(ids), sampledAt: MoreThanOrEqual(since) }, order: { sampledAt: 'ASC' } });
      for (const r of rows) out.set(r.instanceId, { cpuMillicores: r.cpuMillicores, memoryBytes: r.memoryBytes, sampledAt: r.sampledAt });
    }
    return out;
  }

  /**
   * CPU and memory over time since `since`, oldest first, from the finest series still kept (raw samples, then 5-minute,
   * hourly and daily averages). A period without samples has no entry: a gap, never a zero.
   */
  async resourceSamples(instanceIds: readonly string[], since: Date): Promise<Map<string, ResourceUsage[]>> {
    const out = new Map<string, ResourceUsage[]>();
    if (instanceIds.length === 0) return out;
    const now = this.now();
    const push = (id: string, u: ResourceUsage) => {
      const list = out.get(id) ?? [];
      list.push(u);
      out.set(id, list);
    };
    const raw = since.getTime() >= now.getTime() - this.settings.retentionMs.raw;
    for (const ids of chunks(instanceIds)) {
      if (raw) {
        const rows = await this.db.getRepository(UsageResourceSampleEntity).find({ where: { instanceId: In(ids), sampledAt: MoreThanOrEqual(since) }, order: { sampledAt: 'ASC' } });
        for (const r of rows) push(r.instanceId, { cpuMillicores: r.cpuMillicores, memoryBytes: r.memoryBytes, sampledAt: r.sampledAt });
        continue;
      }
      const resolution = resolutionFor(since, now, this.settings.retentionMs);
      const rows = await this.db.getRepository(UsageResourceRollupEntity).find({
        where: { resolution, instanceId: In(ids), bucketStart: MoreThanOrEqual(floorTo(since, resolution)) }, order: { bucketStart: 'ASC' },
      });
      for (const r of rows) push(r.instanceId, { cpuMillicores: Math.round(r.cpuAvg), memoryBytes: Math.round(r.memoryAvg), sampledAt: r.bucketStart });
    }
    return out;
  }

  /** Token sums per group and model, from the finest rollup that still covers the period. */
  private async sums(filter: UsageFilter, group: string): Promise<SumRow[]> {
    const resolution = resolutionFor(filter.since, this.now(), this.settings.retentionMs);
    const q = this.db.getRepository(UsageTokenRollupEntity).createQueryBuilder('r')
      .select(group, 'key')
      .addSelect('r.model', 'model')
      .addSelect('SUM(r.inputTokens)', 'input')
      .addSelect('SUM(r.outputTokens)', 'output')
      .addSelect('SUM(r.cacheReadTokens)', 'cacheRead')
      .addSelect('SUM(r.cacheWriteTokens)', 'cacheWrite')
      .addSelect('SUM(r.totalTokens)', 'total')
      .addSelect('SUM(r.cost)', 'cost')
      .addSelect('SUM(CASE WHEN r.cost > 0 THEN 0 ELSE r.inputTokens END)', 'unpricedInput')
      .addSelect('SUM(CASE WHEN r.cost > 0 THEN 0 ELSE r.outputTokens END)', 'unpricedOutput')
      .addSelect('SUM(CASE WHEN r.cost > 0 THEN 0 ELSE r.cacheReadTokens END)', 'unpricedCacheRead')
      .addSelect('SUM(CASE WHEN r.cost > 0 THEN 0 ELSE r.cacheWriteTokens END)', 'unpricedCacheWrite')
      .where('r.resolution = :resolution AND r.bucketStart >= :since AND r.bucketStart < :until', {
        resolution, since: floorTo(filter.since, resolution), until: filter.until,
      });
    if (filter.tenantId !== undefined) q.andWhere('r.tenantId = :tenant', { tenant: filter.tenantId });
    if (filter.projectId !== undefined) q.andWhere('r.projectId = :project', { project: filter.projectId });
    if (filter.instanceId !== undefined) q.andWhere('r.instanceId = :instance', { instance: filter.instanceId });
    if (group !== "'all'") q.groupBy(group);
    q.addGroupBy('r.model');
    return q.getRawMany<SumRow>();
  }

  private empty(): TokenTotals {
    return { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, totalTokens: 0, cost: 0, currency: this.prices.currency, estimated: false };
  }

  /**
   * Adds one model's sums. A cost the claws reported is taken as it is; the tokens of buckets without one (another claw
   * of the same model, or the same claw before it knew its price) get the price table's estimate, and the row says so;
   * a model the table does not list costs 0.
   */
  private add(into: TokenTotals, s: SumRow): void {
    into.inputTokens += Number(s.input ?? 0);
    into.outputTokens += Number(s.output ?? 0);
    into.cacheReadTokens += Number(s.cacheRead ?? 0);
    into.cacheWriteTokens += Number(s.cacheWrite ?? 0);
    into.totalTokens += Number(s.total ?? 0);
    into.cost += Number(s.cost ?? 0);
    const unpriced = {
      inputTokens: Number(s.unpricedInput ?? 0), outputTokens: Number(s.unpricedOutput ?? 0),
      cacheReadTokens: Number(s.unpricedCacheRead ?? 0), cacheWriteTokens: Number(s.unpricedCacheWrite ?? 0),
    };
    const estimate = this.prices.estimate(s.model, unpriced);
    if (estimate !== undefined && estimate > 0) {
      into.cost += estimate;
      into.estimated = true;
    }
  }

  /** Names for the keys: instance, project and tenant names (a destroyed instance keeps its name), models as they are. */
  private async label(by: UsageGrouping, rows: UsageRow[]): Promise<void> {
    if (by === 'model' || rows.length === 0) return;
    const ids = rows.map((r) => r.key);
    const tenants = new Map<string, string>();
    const projects = new Map<string, { name: string; tenantId: string }>();
    const loadProjects = async (projectIds: string[]) => {
      for (const chunk of chunks([...new Set(projectIds)])) for (const p of await this.db.getRepository(ProjectEntity).findBy({ id: In(chunk) })) projects.set(p.id, p);
    };
    const loadTenants = async (tenantIds: string[]) => {
      for (const chunk of chunks([...new Set(tenantIds)])) for (const t of await this.db.getRepository(TenantEntity).findBy({ id: In(chunk) })) tenants.set(t.id, t.name);
    };
    if (by === 'instance') {
      const instances = new Map<string, { name: string; projectId: string; tenantId: string }>();
      for (const chunk of chunks(ids)) for (const i of await this.db.getRepository(InstanceEntity).find({ select: { id: true, name: true, projectId: true, tenantId: true }, where: { id: In(chunk) } })) instances.set(i.id, i);
      await loadProjects([...instances.values()].map((i) => i.projectId));
      await loadTenants([...instances.values()].map((i) => i.tenantId));
      for (const row of rows) {
        const i = instances.get(row.key);
        if (!i) continue;
        row.label = i.name;
        row.project = projects.get(i.projectId)?.name ?? '?';
        row.tenant = tenants.get(i.tenantId) ?? '?';
      }
    } else if (by === 'project') {
      await loadProjects(ids);
      await loadTenants([...projects.values()].map((p) => p.tenantId));
      for (const row of rows) {
        const p = projects.get(row.key);
        if (!p) continue;
        row.label = p.name;
        row.tenant = tenants.get(p.tenantId) ?? '?';
      }
    } else {
      await loadTenants(ids);
      for (const row of rows) row.label = tenants.get(row.key) ?? row.key;
    }
  }
}
