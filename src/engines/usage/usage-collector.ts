// The leader's usage collector: every usage.interval it samples CPU and memory of all running claws in one runtime call
// and reads each ready claw's tokens (bounded concurrency, per-claw backoff), then rolls up and prunes.
import { In, IsNull, Not, type DataSource } from 'typeorm';
import type { UsageSettings } from '../../config/settings.js';
import { localize } from '../../i18n/locale.js';
import type { Runtime } from '../../runtime/runtime.js';
import { InstanceEntity, type Instance } from '../../store/entities/instance.js';
import { ProjectEntity } from '../../store/entities/project.js';
import type { SecretBox } from '../../store/secret-box.js';
import { TenantEntity } from '../../store/entities/tenant.js';
import type { Logger } from '../../util/logger.js';
import { sleep } from '../../util/sleep.js';
import type { AdapterRegistry } from '../adapters/adapter-registry.js';
import type { ConfigStore } from '../config/config-store.js';
import { utcDay } from './buckets.js';
import type { UsageStore } from './usage-store.js';

export interface UsageCollectorOptions {
  db: DataSource;
  runtime: Runtime;
  adapters: AdapterRegistry;
  /** The claw's config at the versions it runs (the model labels its usage). */
  configs: ConfigStore;
  secrets: SecretBox;
  store: UsageStore;
  settings: UsageSettings;
  logger: Logger;
  now?: () => Date;
}

/** What one pass did; /metrics and tests read the latest. */
export interface CollectionPass {
  at: Date;
  ms: number;
  running: number;
  /** Claws with a new resource sample written. */
  sampled: number;
  /** Why there are no resource samples (a cluster without metrics.k8s.io), when there are none. */
  resourcesUnavailable?: string;
  /** Claws whose tokens were read, failed to answer, or were skipped while backing off. */
  tokensRead: number;
  tokenFailures: number;
  backingOff: number;
}

const DAY_MS = 86_400_000;
/** Days asked for a claw this leader has not read yet: a week of use is caught up after an outage or an upgrade. */
const FIRST_READ_DAYS = 7;
/** A claw that keeps failing is asked at most this rarely. */
const MAX_BACKOFF_MS = 15 * 60_000;
const PRUNE_EVERY_MS = 60 * 60_000;

type RunningInstance = Pick<Instance, 'id' | 'tenantId' | 'projectId' | 'name' | 'type' | 'template' | 'configVersion' | 'valuesVersion' | 'endpoint' | 'gatewayToken' | 'ready'>;

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export class UsageCollector {
  private readonly backoff = new Map<string, { failures: number; nextAt: number }>();
  private readonly lastSampledAt = new Map<string, number>();
  /** Claws read successfully by this leader: later passes ask for yesterday and today only. */
  private readonly caughtUp = new Set<string>();
  private lastPrune = 0;
  private unavailableReason: string | undefined;
  private loop: Promise<void> | undefined;
  lastPass: CollectionPass | undefined;
  /**
   * Token writes, one at a time with a turn of the event loop after each: the reads run 16 at once, but SQLite's driver
   * is synchronous, and 16 writes back to back would hold every command waiting behind them.
   */
  private writes: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: UsageCollectorOptions) {}

  private now(): Date {
    return this.o.now?.() ?? new Date();
  }

  /** Runs a pass every usage.interval until the leadership's signal aborts. */
  start(signal: AbortSignal): void {
    const previous = this.loop ?? Promise.resolve();
    // A new leadership after a lost one waits for the old loop to end: never two passes at once.
    this.loop = previous.then(() => this.run(signal));
  }

  /** Resolves when the loop has ended (after its signal aborted); the control plane waits for it before closing the store. */
  async stopped(): Promise<void> {
    await this.loop;
  }

  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const started = Date.now();
      try {
        await this.collect(signal);
        await this.maintain(signal);
      } catch (error) {
        this.o.logger.warn({ err: error }, 'usage collection pass failed');
      }
      await sleep(Math.max(0, this.o.settings.intervalMs - (Date.now() - started)), signal);
    }
  }

  /** One pass over every running claw. */
  async collect(signal: AbortSignal): Promise<CollectionPass> {
    const at = this.now();
    const started = Date.now();
    const running = await this.running();
    const pass: CollectionPass = { at, ms: 0, running: running.length, sampled: 0, tokensRead: 0, tokenFailures: 0, backingOff: 0 };
    pass.sampled = await this.sampleResources(running, pass);
    await yieldToLoop();

    const due = running.filter((i) => i.ready && i.endpoint && this.o.adapters.types().includes(i.type) && this.o.adapters.get(i.type).readUsage);
    const ready = due.filter((i) => (this.backoff.get(i.id)?.nextAt ?? 0) <= at.getTime());
    pass.backingOff = due.length - ready.length;
    await eachLimited(ready, this.o.settings.concurrency, signal, async (instance) => {
      if (await this.readTokens(instance, signal)) pass.tokensRead++;
      else pass.tokenFailures++;
    });
    const ids = new Set(running.map((i) => i.id));
    for (const map of [this.backoff, this.lastSampledAt]) for (const id of map.keys()) if (!ids.has(id)) map.delete(id);
    for (const id of this.caughtUp) if (!ids.has(id)) this.caughtUp.delete(id);
    this.o.store.forgetExcept(ids, utcDay(at.getTime() - FIRST_READ_DAYS * DAY_MS));
    pass.ms = Date.now() - started;
    this.lastPass = pass;
    return pass;
  }

  /** Rolls resource samples up and, once an hour, prunes what is past its retention. */
  async maintain(signal: AbortSignal): Promise<void> {
    const now = this.now();
    // A sample is written up to a pass after its moment (Kubernetes' metrics are older still): leave buckets that recent.
    await this.o.store.rollUp(now, Math.max(2 * this.o.settings.intervalMs, 60_000), signal);
    if (now.getTime() - this.lastPrune >= PRUNE_EVERY_MS && !signal.aborted) {
      await this.o.store.prune(now, this.o.settings.retentionMs);
      this.lastPrune = now.getTime();
    }
  }

  private async running(): Promise<Array<RunningInstance & { ref: { id: string; tenant: string; project: string; name: string } }>> {
    const rows = await this.o.db.getRepository(InstanceEntity).find({
      select: { id: true, tenantId: true, projectId: true, name: true, type: true, template: true, configVersion: true, valuesVersion: true, endpoint: true, gatewayToken: true, ready: true },
      where: { phase: 'Running', nameKey: Not(IsNull()) },
    });
    if (rows.length === 0) return [];
    const tenants = new Map((await this.o.db.getRepository(TenantEntity).find({ select: { id: true, name: true }, where: { id: In([...new Set(rows.map((r) => r.tenantId))]) } })).map((t) => [t.id, t.name]));
    const projects = new Map((await this.o.db.getRepository(ProjectEntity).find({ select: { id: true, name: true }, where: { id: In([...new Set(rows.map((r) => r.projectId))]) } })).map((p) => [p.id, p.name]));
    return rows.map((r) => ({ ...r, ref: { id: r.id, tenant: tenants.get(r.tenantId) ?? '?', project: projects.get(r.projectId) ?? '?', name: r.name } }));
  }

  /** One runtime call for all; a claw without a sample, or with the one already stored, writes nothing. */
  private async sampleResources(running: Array<{ id: string; ref: { id: string; tenant: string; project: string; name: string } }>, pass: CollectionPass): Promise<number> {
    if (running.length === 0) return 0;
    let report;
    try {
      report = await this.o.runtime.usage(running.map((r) => r.ref));
    } catch (error) {
      this.o.logger.warn({ err: error }, 'resource usage: the runtime did not answer; this pass is a gap');
      return 0;
    }
    if (!report.available) {
      const reason = localize(report.reason, 'en');
      pass.resourcesUnavailable = reason;
      if (reason !== this.unavailableReason) this.o.logger.info({ reason }, 'resource usage is not available from the runtime');
      this.unavailableReason = reason;
      return 0;
    }
    this.unavailableReason = undefined;
    const fresh = [...report.byInstance].filter(([id, u]) => this.lastSampledAt.get(id) !== u.sampledAt.getTime()).map(([instanceId, usage]) => ({ instanceId, usage }));
    if (fresh.length === 0) return 0;
    await this.o.store.recordSamples(fresh);
    for (const s of fresh) this.lastSampledAt.set(s.instanceId, s.usage.sampledAt.getTime());
    return fresh.length;
  }

  private serially<T>(write: () => Promise<T>): Promise<T> {
    const done = this.writes.then(write);
    this.writes = done.then(yieldToLoop, yieldToLoop);
    return done;
  }

  /** Reads and records one claw's tokens; false when it did not answer (a gap, and a longer wait before the next try). */
  private async readTokens(instance: RunningInstance, signal: AbortSignal): Promise<boolean> {
    const now = this.now();
    const adapter = this.o.adapters.get(instance.type);
    const from = utcDay(now.getTime() - (this.caughtUp.has(instance.id) ? 1 : FIRST_READ_DAYS - 1) * DAY_MS);
    try {
      const config = await this.o.configs.resolve(instance);
      const report = await adapter.readUsage!(
        { endpoint: instance.endpoint!, gatewayToken: this.o.secrets.open(instance.gatewayToken), config },
        { from, to: utcDay(now) },
        signal,
      );
      // A claw whose figures did not move (most of a steady fleet) costs no write and no turn in the write queue.
      const result = this.o.store.unchanged(instance.id, report)
        ? { counted: 0, resets: 0, stale: 0 }
        : await this.serially(() => this.o.store.recordTokens(instance, report, this.now()));
      if (result.resets > 0) this.o.logger.info({ instance: instance.id, resets: result.resets }, 'token counters of a claw went back (restarted without its state): counting on from the old totals');
      const failed = this.backoff.get(instance.id);
      if (failed) this.o.logger.info({ instance: instance.id, failures: failed.failures }, 'usage: the claw answers again');
      this.backoff.delete(instance.id);
      this.caughtUp.add(instance.id);
      return true;
    } catch (error) {
      if (signal.aborted) return false;
      const failures = (this.backoff.get(instance.id)?.failures ?? 0) + 1;
      const waitMs = Math.min(MAX_BACKOFF_MS, this.o.settings.intervalMs * 2 ** (failures - 1));
      this.backoff.set(instance.id, { failures, nextAt: now.getTime() + waitMs });
      // The first failure of a run says why; repeats stay quiet (the claw's own status says more).
      const fields = { instance: instance.id, failures, retryInMs: waitMs, reason: (error as Error).message };
      if (failures === 1) this.o.logger.warn(fields, 'usage: the claw did not give its tokens; this pass is a gap');
      else this.o.logger.debug(fields, 'usage: the claw still does not give its tokens');
      return false;
    }
  }
}

/** Runs `fn` over `items`, at most `limit` at once, yielding to other work between items. */
async function eachLimited<T>(items: readonly T[], limit: number, signal: AbortSignal, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (!signal.aborted) {
      const i = next++;
      if (i >= items.length) return;
      await fn(items[i]!);
      await yieldToLoop();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
