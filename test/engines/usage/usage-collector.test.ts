// The usage collector over a running fake claw on the local runtime: resource samples from its real process, tokens from
// a stand-in adapter's scripted answers (the real gateway's are covered by test/e2e/usage-openclaw.test.ts), a claw that
// does not answer left as a gap and retried with exponential backoff.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../../src/config/settings.js';
import { AdapterRegistry } from '../../../src/engines/adapters/adapter-registry.js';
import type { ClawAdapter, ClawUsageReport } from '../../../src/engines/adapters/claw-adapter.js';
import { UsageCollector } from '../../../src/engines/usage/usage-collector.js';
import { UsageStore } from '../../../src/engines/usage/usage-store.js';
import { InstanceEntity } from '../../../src/store/entities/instance.js';
import { UsageResourceSampleEntity } from '../../../src/store/entities/usage-resource-sample.js';
import { UsageTokenDayEntity } from '../../../src/store/entities/usage-token-day.js';
import { silentLogger } from '../../../src/util/logger.js';
import { stubOpenClawAdapter } from '../../support/stub-openclaw-adapter.js';
import { startTestControlPlane, type TestControlPlane } from '../../support/test-control-plane.js';

const INTERVAL_MS = 60_000;

describe('usage collector', () => {
  let t: TestControlPlane;
  let answer: () => Promise<ClawUsageReport>;
  const asked: Array<{ from: string; to: string; model: unknown }> = [];
  // The stand-in: the OpenClaw adapter with its usage answers scripted by the test.
  const standIn: ClawAdapter = {
    ...stubOpenClawAdapter,
    readUsage: (claw, range) => {
      asked.push({ ...range, model: claw.config.values['model.id'] });
      return answer();
    },
  };
  let now = new Date();
  let collector: UsageCollector;
  const signal = new AbortController().signal;

  beforeAll(async () => {
    const settings = loadSettings({ env: {} });
    // The control plane's own collector runs once at start and then waits an hour: this test drives its own.
    t = await startTestControlPlane({ adapters: [stubOpenClawAdapter], settings: { usage: { ...settings.usage, intervalMs: 3_600_000 } } });
    const r = await t.command(t.adminToken, 'claw create tally --set model.id=qwen3-72b --wait --timeout 60s');
    if (!r.body.ok) throw new Error(r.body.text);
    const db = t.plane.store.dataSource;
    collector = new UsageCollector({
      db, runtime: t.plane.runtime, adapters: new AdapterRegistry([standIn]), configs: t.plane.configs, secrets: t.plane.secrets,
      store: new UsageStore(db), settings: { ...settings.usage, intervalMs: INTERVAL_MS }, logger: silentLogger, now: () => now,
    });
  }, 120_000);
  afterAll(async () => {
    // A destroy waits for approval by default: let the clean-up through.
    await t?.command(t.adminToken, 'claw tenant policy default --approvals 0');
    await t?.command(t.adminToken, 'claw destroy tally --wait');
    await t?.close();
  });

  it('samples the claw\'s process and counts its tokens, asking a week back first and two days after', async () => {
    const db = t.plane.store.dataSource;
    const today = now.toISOString().slice(0, 10);
    answer = async () => ({ complete: true, days: [{ date: today, model: 'qwen3-72b', inputTokens: 900, outputTokens: 90, cacheReadTokens: 0, cacheWriteTokens: 0, totalTokens: 990, cost: 0 }] });
    const first = await collector.collect(signal);
    expect(first).toMatchObject({ running: 1, sampled: 1, tokensRead: 1, tokenFailures: 0, backingOff: 0 });
    expect(asked.at(-1)).toEqual({ from: new Date(now.getTime() - 6 * 86_400_000).toISOString().slice(0, 10), to: today, model: 'qwen3-72b' });
    const instance = await db.getRepository(InstanceEntity).findOneByOrFail({ name: 'tally' });
    expect(await db.getRepository(UsageTokenDayEntity).findOneByOrFail({ instanceId: instance.id, day: today })).toMatchObject({ totalTokens: 990, model: 'qwen3-72b' });
    const samples = await db.getRepository(UsageResourceSampleEntity).findBy({ instanceId: instance.id });
    expect(samples.length).toBeGreaterThanOrEqual(1);
    expect(samples.at(-1)!.memoryBytes).toBeGreaterThan(10 * 2 ** 20);

    // The same answer again writes no token row; the range is now yesterday and today.
    now = new Date(now.getTime() + INTERVAL_MS);
    await collector.collect(signal);
    expect(asked.at(-1)!.from).toBe(new Date(now.getTime() - 86_400_000).toISOString().slice(0, 10));
    expect(await db.getRepository(UsageTokenDayEntity).findOneByOrFail({ instanceId: instance.id, day: today })).toMatchObject({ totalTokens: 990 });
    // claw status reads the latest sample: CPU and memory in use next to the limits.
    const status = await t.command(t.adminToken, 'claw status');
    expect(status.body.text).toMatch(/tally\s+default\s+openclaw\s+\S+\s+Running\s+yes\s+\d+\s+\S+ \/ 500m \(\d+%\)\s+[\d.]+Mi \/ 2Gi \(\d+%\)/);
  });

  it('leaves a claw that does not answer as a gap and asks it again after 1, 2, 4 intervals', async () => {
    const db = t.plane.store.dataSource;
    const instance = await db.getRepository(InstanceEntity).findOneByOrFail({ name: 'tally' });
    answer = async () => {
      throw new Error('connect ECONNREFUSED');
    };
    const tries: number[] = [];
    const start = now.getTime();
    for (let minute = 1; minute <= 8; minute++) {
      now = new Date(start + minute * INTERVAL_MS);
      const before = asked.length;
      const pass = await collector.collect(signal);
      if (asked.length > before) tries.push(minute);
      expect(pass.tokenFailures + pass.backingOff + pass.tokensRead).toBe(1);
    }
    // Tried at once, then after 1, 2 and 4 intervals.
    expect(tries).toEqual([1, 2, 4, 8]);
    // Nothing was written for the failures: the total is what was counted before, never a zero.
    expect(await db.getRepository(UsageTokenDayEntity).countBy({ instanceId: instance.id })).toBe(1);
    const totals = await t.plane.engines.usage.totals({ instanceId: instance.id, since: new Date(start - 86_400_000), until: now });
    expect(totals.totalTokens).toBe(990);

    // Answering again, it is counted and the backoff is forgotten.
    answer = async () => ({ complete: true, days: [{ date: now.toISOString().slice(0, 10), model: 'qwen3-72b', inputTokens: 1000, outputTokens: 100, cacheReadTokens: 0, cacheWriteTokens: 0, totalTokens: 1100, cost: 0 }] });
    now = new Date(start + 16 * INTERVAL_MS);
    expect(await collector.collect(signal)).toMatchObject({ tokensRead: 1, backingOff: 0 });
    now = new Date(start + 17 * INTERVAL_MS);
    expect(await collector.collect(signal)).toMatchObject({ tokensRead: 1, backingOff: 0 });
  });
});
