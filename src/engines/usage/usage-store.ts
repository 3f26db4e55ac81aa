// Writes what the collector measured: token readings as exactly-once day totals and time buckets, resource samples and
// their rollups, and the pruning of rows past their retention. Only the leader writes here.
import { In, LessThan, type DataSource, type EntityManager } from 'typeorm';
import type { UsageSettings } from '../../config/settings.js';
import type { ResourceUsage } from '../../runtime/runtime.js';
import { UsageResourceRollupEntity, UsageResourceSampleEntity, type UsageResourceRollup, type UsageResourceSample } from '../../store/entities/usage-resource-sample.js';
import { UsageTokenDayEntity, type TokenCounters, type UsageTokenDay } from '../../store/entities/usage-token-day.js';
import { UsageTokenRollupEntity, type Resolution } from '../../store/entities/usage-token-rollup.js';
import type { ClawUsageReport } from '../adapters/claw-adapter.js';
import { attributionTime, BUCKET_MS, floorTo, RESOLUTIONS, retentionOf, utcDay } from './buckets.js';
import { addCounters, applyReading, sameCounters, ZERO, type DayCounter } from './token-counter.js';

export interface InstanceKeys {
  id: string;
  tenantId: string;
  projectId: string;
}

export interface TokenRecordResult {
  /** Day rows whose totals grew (or whose counters reset). */
  counted: number;
  resets: number;
  /** Readings lower than counted while the claw was still counting: ignored. */
  stale: number;
}

/** Rows a statement inserts at most: both databases take this many parameters and more. */
const INSERT_CHUNK = 200;
/** How much source one rollup step reads: an hour of raw samples, a day of 5-minute rows, a day of hourly rows. */
const CHUNK_MS: Record<Resolution, number> = { '5m': 3_600_000, '1h': 86_400_000, '1d': 86_400_000 };
const SOURCE: Record<Resolution, Resolution | 'raw'> = { '5m': 'raw', '1h': '5m', '1d': '1h' };

const dayKey = (day: string, model: string) => `${day}\u0000${model}`;
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

function counters(c: TokenCounters): TokenCounters {
  return { inputTokens: c.inputTokens, outputTokens: c.outputTokens, cacheReadTokens: c.cacheReadTokens, cacheWriteTokens: c.cacheWriteTokens, totalTokens: c.totalTokens, cost: c.cost };
}

export class UsageStore {
  /**
   * The last reading per instance and day/model (zeros for a day without a row), so an answer like the last costs no
   * query: a fleet whose use does not change reads nothing from the database for tokens.
   */
  private readonly reported = new Map<string, Map<string, TokenCounters>>();
  /** Per rollup, the first bucket not rolled up yet (filled from the database on first use). */
  private readonly watermark = new Map<Resolution, number>();

  constructor(private readonly db: DataSource) {}

  /** True when every figure of the report is the one last read from this claw: recording it would do nothing. */
  unchanged(instanceId: string, report: ClawUsageReport): boolean {
    const known = this.reported.get(instanceId);
    return known !== undefined && report.days.every((d) => {
      const last = known.get(dayKey(d.date, d.model));
      return last !== undefined && sameCounters(last, d);
    });
  }

  /** Counts a claw's report: each day's growth goes once into its day total and into the 5m/1h/1d buckets. */
  async recordTokens(instance: InstanceKeys, report: ClawUsageReport, now: Date): Promise<TokenRecordResult> {
    const result: TokenRecordResult = { counted: 0, resets: 0, stale: 0 };
    let known = this.reported.get(instance.id);
    const keys = report.days.map((d) => dayKey(d.date, d.model));
    if (!known || keys.some((k) => !known!.has(k))) {
      const rows = await this.db.getRepository(UsageTokenDayEntity).findBy({ instanceId: instance.id, day: In([...new Set(report.days.map((d) => d.date))]) });
      known ??= new Map();
      for (const k of keys) if (!known.has(k)) known.set(k, ZERO);
      for (const row of rows) known.set(dayKey(row.day, row.model), row.reported);
      this.reported.set(instance.id, known);
    }
    const changed = report.days.filter((d) => !sameCounters(known.get(dayKey(d.date, d.model)) ?? ZERO, d));
    if (changed.length === 0) return result;

    const seen = new Map<string, TokenCounters>();
    await this.db.transaction(async (m) => {
      const days = m.getRepository(UsageTokenDayEntity);
      const rows = new Map((await days.findBy({ instanceId: instance.id, day: In([...new Set(changed.map((d) => d.date))]) })).map((r) => [dayKey(r.day, r.model), r]));
      const buckets = new Map<string, { resolution: Resolution; bucketStart: Date; model: string; delta: TokenCounters }>();
      for (const reading of changed) {
        const key = dayKey(reading.date, reading.model);
        const row = rows.get(key);
        const previous: DayCounter | undefined = row ? { totals: counters(row), reported: row.reported, resets: row.resets } : undefined;
        const outcome = applyReading(previous, counters(reading), report.complete);
        if (outcome.kind === 'stale') result.stale++;
        if (outcome.kind !== 'counted') {
          seen.set(key, previous?.reported ?? (outcome.kind === 'unchanged' ? counters(reading) : ZERO));
          continue;
        }
        result.counted++;
        if (outcome.reset) result.resets++;
        const next: UsageTokenDay = {
          instanceId: instance.id, day: reading.date, model: reading.model, tenantId: instance.tenantId, projectId: instance.projectId,
          ...outcome.next.totals, reported: outcome.next.reported, resets: outcome.next.resets, updatedAt: now,
        };
        if (row) await days.update({ instanceId: instance.id, day: reading.date, model: reading.model }, next);
        else await days.insert(next);
        seen.set(key, outcome.next.reported);
        const at = attributionTime(reading.date, now);
        for (const resolution of RESOLUTIONS) {
          const bucketStart = floorTo(at, resolution);
          const bucketKey = `${resolution}\u0000${bucketStart.getTime()}\u0000${reading.model}`;
          const current = buckets.get(bucketKey);
          buckets.set(bucketKey, { resolution, bucketStart, model: reading.model, delta: current ? addCounters(current.delta, outcome.delta) : outcome.delta });
        }
      }
      for (const b of buckets.values()) await this.addToBucket(m, instance, b);
    });
    for (const [key, value] of seen) known.set(key, value);
    return result;
  }

  private async addToBucket(m: EntityManager, instance: InstanceKeys, b: { resolution: Resolution; bucketStart: Date; model: string; delta: TokenCounters }): Promise<void> {
    const repo = m.getRepository(UsageTokenRollupEntity);
    const id = { resolution: b.resolution, instanceId: instance.id, model: b.model, bucketStart: b.bucketStart };
    const existing = await repo.findOneBy(id);
    if (existing) await repo.update(id, addCounters(counters(existing), b.delta));
    else await repo.insert({ ...id, tenantId: instance.tenantId, projectId: instance.projectId, ...b.delta });
  }

  /** Keeps the last readings only of claws still running and of recent days (the collector asks about those). */
  forgetExcept(running: ReadonlySet<string>, oldestDay: string): void {
    for (const [id, days] of this.reported) {
      if (!running.has(id)) {
        this.reported.delete(id);
        continue;
      }
      for (const key of days.keys()) if (key.slice(0, 10) < oldestDay) days.delete(key);
    }
  }

  /** Raw resource samples; one already stored (same claw, same moment) is left as it is. */
  async recordSamples(samples: ReadonlyArray<{ instanceId: string; usage: ResourceUsage }>): Promise<void> {
    const rows: UsageResourceSample[] = samples.map((s) => ({
      instanceId: s.instanceId, sampledAt: s.usage.sampledAt, cpuMillicores: Math.round(s.usage.cpuMillicores), memoryBytes: Math.round(s.usage.memoryBytes),
    }));
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      await this.db.createQueryBuilder().insert().into(UsageResourceSampleEntity).values(rows.slice(i, i + INSERT_CHUNK)).orIgnore().execute();
    }
  }

  /**
   * Rolls resource samples up into every bucket that ended at least `lagMs` ago (a sample may arrive a little after
   * its moment): 5-minute rows from raw samples, hourly from 5-minute, daily from hourly. Idempotent.
   */
  async rollUp(now: Date, lagMs: number, signal?: AbortSignal): Promise<void> {
    let sourceDone = floorTo(now.getTime() - lagMs, '5m').getTime();
    for (const resolution of RESOLUTIONS) {
      const end = floorTo(sourceDone, resolution).getTime();
      let from = this.watermark.get(resolution) ?? (await this.firstUnrolled(resolution));
      while (from !== undefined && from < end && !signal?.aborted) {
        const to = Math.min(end, from + CHUNK_MS[resolution]);
        await this.rollChunk(resolution, new Date(from), new Date(to));
        from = to;
        this.watermark.set(resolution, from);
        await yieldToLoop();
      }
      sourceDone = Math.min(end, from ?? end);
    }
  }

  private async firstUnrolled(resolution: Resolution): Promise<number | undefined> {
    const latest = await this.db.getRepository(UsageResourceRollupEntity).findOne({ where: { resolution }, order: { bucketStart: 'DESC' } });
    if (latest) return latest.bucketStart.getTime() + BUCKET_MS[resolution];
    const source = SOURCE[resolution];
    const oldest = source === 'raw'
      ? (await this.db.getRepository(UsageResourceSampleEntity).findOne({ where: {}, order: { sampledAt: 'ASC' } }))?.sampledAt
      : (await this.db.getRepository(UsageResourceRollupEntity).findOne({ where: { resolution: source }, order: { bucketStart: 'ASC' } }))?.bucketStart;
    return oldest ? floorTo(oldest, resolution).getTime() : undefined;
  }

  private async rollChunk(resolution: Resolution, from: Date, to: Date): Promise<void> {
    const source = SOURCE[resolution];
    // Weighted by sample count, so an hour with a gap averages what was measured, never zeros.
    const parts: Array<{ instanceId: string; at: Date; samples: number; cpuSum: number; cpuMax: number; memorySum: number; memoryMax: number }> = source === 'raw'
      ? (await this.db.getRepository(UsageResourceSampleEntity).createQueryBuilder('s')
        .where('s.sampledAt >= :from AND s.sampledAt < :to', { from, to }).getMany())
        .map((s) => ({ instanceId: s.instanceId, at: s.sampledAt, samples: 1, cpuSum: s.cpuMillicores, cpuMax: s.cpuMillicores, memorySum: s.memoryBytes, memoryMax: s.memoryBytes }))
      : (await this.db.getRepository(UsageResourceRollupEntity).createQueryBuilder('r')
        .where('r.resolution = :source AND r.bucketStart >= :from AND r.bucketStart < :to', { source, from, to }).getMany())
        .map((r) => ({ instanceId: r.instanceId, at: r.bucketStart, samples: r.samples, cpuSum: r.cpuAvg * r.samples, cpuMax: r.cpuMax, memorySum: r.memoryAvg * r.samples, memoryMax: r.memoryMax }));
    const rolled = new Map<string, UsageResourceRollup & { cpuSum: number; memorySum: number }>();
    for (const p of parts) {
      const bucketStart = floorTo(p.at, resolution);
      const key = `${p.instanceId}\u0000${bucketStart.getTime()}`;
      const r = rolled.get(key) ?? { resolution, instanceId: p.instanceId, bucketStart, samples: 0, cpuAvg: 0, cpuMax: 0, memoryAvg: 0, memoryMax: 0, cpuSum: 0, memorySum: 0 };
      r.samples += p.samples;
      r.cpuSum += p.cpuSum;
      r.memorySum += p.memorySum;
      r.cpuMax = Math.max(r.cpuMax, p.cpuMax);
      r.memoryMax = Math.max(r.memoryMax, p.memoryMax);
      rolled.set(key, r);
    }
    const rows: UsageResourceRollup[] = [...rolled.values()].map(({ cpuSum, memorySum, ...r }) => ({ ...r, cpuAvg: cpuSum / r.samples, memoryAvg: memorySum / r.samples }));
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      await this.db.createQueryBuilder().insert().into(UsageResourceRollupEntity).values(rows.slice(i, i + INSERT_CHUNK)).orIgnore().execute();
    }
  }

  /** Deletes raw samples, rollups and day totals older than their retention. */
  async prune(now: Date, retention: UsageSettings['retentionMs']): Promise<void> {
    const before = (ms: number) => new Date(now.getTime() - ms);
    await this.db.getRepository(UsageResourceSampleEntity).delete({ sampledAt: LessThan(before(retention.raw)) });
    for (const resolution of RESOLUTIONS) {
      const cutoff = before(retentionOf(resolution, retention));
      await this.db.getRepository(UsageResourceRollupEntity).delete({ resolution, bucketStart: LessThan(cutoff) });
      await this.db.getRepository(UsageTokenRollupEntity).delete({ resolution, bucketStart: LessThan(cutoff) });
    }
    await this.db.getRepository(UsageTokenDayEntity).delete({ day: LessThan(utcDay(before(retention.daily))) });
  }
}
