// Usage storage on SQLite and MariaDB: claws' daily token readings counted exactly once (repeats, stale answers, counter
// resets, a new leader), summed per instance, project, tenant and model with reported or estimated cost; resource samples
// rolled up per 5 minutes, hour and day with gaps kept as gaps; rows pruned past their retention.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import type { ClawUsageDay, ClawUsageReport } from '../../../src/engines/adapters/claw-adapter.js';
import { PriceTable } from '../../../src/engines/usage/price-table.js';
import { UsageEngine } from '../../../src/engines/usage/usage-engine.js';
import { UsageStore } from '../../../src/engines/usage/usage-store.js';
import { openStore, type Store } from '../../../src/store/data-source.js';
import { InstanceEntity, instanceNameKey, type Instance } from '../../../src/store/entities/instance.js';
import { UsageResourceRollupEntity, UsageResourceSampleEntity } from '../../../src/store/entities/usage-resource-sample.js';
import { UsageTokenDayEntity } from '../../../src/store/entities/usage-token-day.js';
import { TenancyEngine } from '../../../src/engines/tenancy/tenancy-engine.js';
import { newId } from '../../../src/util/ids.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../support/databases.js';

const RETENTION = { raw: 2 * 86_400_000, fiveMinutes: 14 * 86_400_000, hourly: 90 * 86_400_000, daily: 730 * 86_400_000 };
const PRICES = new PriceTable('CNY', new Map([['qwen3-32b', { input: 2, output: 8, cacheRead: 0.5, cacheWrite: 2 }]]));
const TODAY = '2026-03-10';
const YESTERDAY = '2026-03-09';

const at = (iso: string) => new Date(iso);
function day(date: string, tokens: { input: number; output: number; cacheRead?: number; cost?: number }, model = 'qwen3-32b'): ClawUsageDay {
  const cacheRead = tokens.cacheRead ?? 0;
  return {
    date, model, inputTokens: tokens.input, outputTokens: tokens.output, cacheReadTokens: cacheRead, cacheWriteTokens: 0,
    totalTokens: tokens.input + tokens.output + cacheRead, cost: tokens.cost ?? 0,
  };
}
const report = (complete: boolean, ...days: ClawUsageDay[]): ClawUsageReport => ({ complete, days });

function instanceRow(tenantId: string, projectId: string, name: string): Instance {
  const now = new Date();
  return {
    id: newId(), tenantId, projectId, name, nameKey: instanceNameKey(projectId, name), type: 'openclaw', version: '1',
    template: 'default', configVersion: 1, valuesVersion: 1, labels: {}, cpu: '1', memory: '1Gi', storage: '1Gi', desiredPhase: 'Running',
    generation: 1, restartGeneration: 0, stopForce: false, keepData: false, gatewayToken: 'sealed', phase: 'Running', ready: true, restarts: 0,
    reason: null, message: null, node: null, endpoint: null, startedAt: now, lastTransitionAt: now, observedGeneration: 1, reconciledGeneration: 1,
    observedRestartGeneration: 0, troubleSince: null, createdAt: now, createdBy: 'test', updatedAt: now, destroyedAt: null,
  };
}

describe.each(databaseKinds())('usage store on %s', (kind) => {
  let database: TestDatabase;
  let store: Store;
  let db: DataSource;
  let now = at(`${TODAY}T10:02:30.000Z`);
  const engine = () => new UsageEngine(db, PRICES, { intervalMs: 60_000, retentionMs: RETENTION }, () => now);
  let alpha: Instance;
  let beta: Instance;
  let gamma: Instance;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    store = await openStore(database.settings);
    db = store.dataSource;
    const tenancy = new TenancyEngine(db);
    const acme = await tenancy.createTenant({ name: 'acme', createdBy: 'test' });
    const globex = await tenancy.createTenant({ name: 'globex', createdBy: 'test' });
    const sales = await tenancy.createProject({ tenant: acme, name: 'sales', createdBy: 'test' });
    const ops = await tenancy.createProject({ tenant: acme, name: 'ops', createdBy: 'test' });
    const rnd = await tenancy.createProject({ tenant: globex, name: 'rnd', createdBy: 'test' });
    alpha = instanceRow(acme.id, sales.id, 'alpha');
    beta = instanceRow(acme.id, ops.id, 'beta');
    gamma = instanceRow(globex.id, rnd.id, 'gamma');
    await db.getRepository(InstanceEntity).insert([alpha, beta, gamma]);
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it('counts growth once, ignores repeats and stale lower answers, and carries on from the old total after a counter reset', async () => {
    const writer = new UsageStore(db);
    const since = at(`${TODAY}T00:00:00.000Z`);
    const totals = async () => (await engine().totals({ instanceId: alpha.id, since, until: now })).totalTokens;
    // Still counting, but higher than anything counted: taken (the final figure can only be higher).
    expect(await writer.recordTokens(alpha, report(false, day(TODAY, { input: 100, output: 10 })), now)).toEqual({ counted: 1, resets: 0, stale: 0 });
    expect(await totals()).toBe(110);
    // The same answer again, and again from a store that remembers nothing (a new leader): nothing more.
    expect(await writer.recordTokens(alpha, report(true, day(TODAY, { input: 100, output: 10 })), now)).toEqual({ counted: 0, resets: 0, stale: 0 });
    expect(await new UsageStore(db).recordTokens(alpha, report(true, day(TODAY, { input: 100, output: 10 })), now)).toEqual({ counted: 0, resets: 0, stale: 0 });
    now = at(`${TODAY}T10:07:30.000Z`);
    await writer.recordTokens(alpha, report(true, day(TODAY, { input: 300, output: 30 })), now);
    expect(await totals()).toBe(330);
    // A claw whose cache is refreshing answers less than it did: not a reset, nothing changes.
    expect(await writer.recordTokens(alpha, report(false, day(TODAY, { input: 0, output: 0 })), now)).toEqual({ counted: 0, resets: 0, stale: 1 });
    expect(await totals()).toBe(330);
    // A claw restarted without its state reports less, and says so as final: its new use adds to what was counted.
    expect(await writer.recordTokens(alpha, report(true, day(TODAY, { input: 50, output: 5 })), now)).toEqual({ counted: 1, resets: 1, stale: 0 });
    expect(await totals()).toBe(385);
    now = at(`${TODAY}T11:00:30.000Z`);
    await writer.recordTokens(alpha, report(true, day(TODAY, { input: 80, output: 8 })), now);
    expect(await totals()).toBe(418);
    const row = await db.getRepository(UsageTokenDayEntity).findOneByOrFail({ instanceId: alpha.id, day: TODAY });
    expect(row).toMatchObject({ totalTokens: 418, inputTokens: 380, outputTokens: 38, resets: 1, reported: { inputTokens: 80, outputTokens: 8, totalTokens: 88 } });
    // Use lands in the bucket of when it became known: 110 at 10:02, 220 and 55 (after the reset) at 10:07, 33 at 11:00.
    expect((await engine().totals({ instanceId: alpha.id, since: at(`${TODAY}T10:05:00.000Z`), until: at(`${TODAY}T11:00:00.000Z`) })).totalTokens).toBe(275);
    expect((await engine().totals({ instanceId: alpha.id, since: at(`${TODAY}T11:00:00.000Z`), until: now })).totalTokens).toBe(33);
    // Priced by the table, since the claw reported no cost: 380 input at 2 and 38 output at 8 per million.
    const cost = await engine().totals({ instanceId: alpha.id, since, until: now });
    expect(cost).toMatchObject({ inputTokens: 380, outputTokens: 38, currency: 'CNY', estimated: true });
    expect(cost.cost).toBeCloseTo((380 * 2 + 38 * 8) / 1e6, 12);
  });

  it('puts a late count for yesterday in yesterday and groups by instance, project, tenant and model', async () => {
    const writer = new UsageStore(db);
    now = at(`${TODAY}T12:00:30.000Z`);
    // Yesterday's figure grew after midnight: it belongs to yesterday, not to this morning.
    await writer.recordTokens(beta, report(true, day(YESTERDAY, { input: 1000, output: 100 }), day(TODAY, { input: 0, output: 0 })), now);
    // A model the table does not price, with a cost the claw reported itself.
    await writer.recordTokens(gamma, report(true, day(TODAY, { input: 500, output: 50, cost: 0.25 }, 'house-model')), now);
    const today = { since: at(`${TODAY}T00:00:00.000Z`), until: now };
    const twoDays = { since: at(`${YESTERDAY}T00:00:00.000Z`), until: now };
    expect((await engine().totals({ ...today, instanceId: beta.id })).totalTokens).toBe(0);
    expect((await engine().totals({ ...twoDays, instanceId: beta.id })).totalTokens).toBe(1100);

    const byInstance = await engine().tokens({ ...twoDays, tenantId: alpha.tenantId }, 'instance');
    expect(byInstance.map((r) => [r.label, r.project, r.tenant, r.totalTokens])).toEqual([['beta', 'ops', 'acme', 1100], ['alpha', 'sales', 'acme', 418]]);
    const byProject = await engine().tokens(twoDays, 'project');
    expect(byProject.map((r) => [r.label, r.tenant, r.totalTokens])).toEqual([['ops', 'acme', 1100], ['rnd', 'globex', 550], ['sales', 'acme', 418]]);
    const byTenant = await engine().tokens(twoDays, 'tenant');
    expect(byTenant.map((r) => [r.label, r.totalTokens])).toEqual([['acme', 1518], ['globex', 550]]);
    const byModel = await engine().tokens(twoDays, 'model');
    expect(byModel.map((r) => [r.label, r.totalTokens, r.estimated])).toEqual([['qwen3-32b', 1518, true], ['house-model', 550, false]]);
    // A reported cost is taken as it is, not estimated; a tenant's filter sees only its own claws.
    expect(byModel[1]!.cost).toBeCloseTo(0.25, 12);
    expect((await engine().totals({ ...twoDays, tenantId: gamma.tenantId })).totalTokens).toBe(550);
    // 30 days back reads the hourly rollup (the 5-minute one is kept 14 days): the same figures.
    expect((await engine().totals({ since: at('2026-02-10T12:00:00.000Z'), until: now })).totalTokens).toBe(2068);
  });

  it('estimates the tokens of claws that report no cost even when another claw of the same model reports one', async () => {
    const writer = new UsageStore(db);
    // gamma now runs qwen3-32b too and prices it itself; alpha's and beta's qwen3-32b tokens still get the table's price.
    await writer.recordTokens(gamma, report(true, day(TODAY, { input: 1000, output: 100, cost: 1 })), now);
    const qwen = (await engine().tokens({ since: at(`${YESTERDAY}T00:00:00.000Z`), until: now }, 'model')).find((r) => r.label === 'qwen3-32b')!;
    expect(qwen.totalTokens).toBe(2618);
    // 1 reported, plus (1380 input x 2 + 138 output x 8) per million estimated.
    expect(qwen.cost).toBeCloseTo(1.003864, 9);
    expect(qwen.estimated).toBe(true);
  });

  it('keeps resource samples, their 5-minute, hourly and daily averages, gaps as gaps, and prunes past retention', async () => {
    const writer = new UsageStore(db);
    const sample = (instanceId: string, iso: string, cpu: number, mib: number) => ({ instanceId, usage: { cpuMillicores: cpu, memoryBytes: mib * 2 ** 20, sampledAt: at(iso) } });
    await writer.recordSamples([
      sample(alpha.id, `${TODAY}T09:00:10.000Z`, 100, 100),
      sample(alpha.id, `${TODAY}T09:01:10.000Z`, 300, 300),
      // 09:05-09:10 has no sample: the claw did not answer.
      sample(alpha.id, `${TODAY}T09:10:10.000Z`, 200, 200),
      sample(beta.id, `${TODAY}T09:00:20.000Z`, 50, 64),
    ]);
    // The same sample again (a retried write) is not a second row.
    await writer.recordSamples([sample(alpha.id, `${TODAY}T09:00:10.000Z`, 100, 100)]);
    expect(await db.getRepository(UsageResourceSampleEntity).countBy({ instanceId: alpha.id })).toBe(3);

    now = at(`${TODAY}T09:12:00.000Z`);
    const latest = await engine().latestResources([alpha.id, beta.id, gamma.id], 5 * 60_000);
    expect([...latest.keys()]).toEqual([alpha.id]);
    expect(latest.get(alpha.id)).toEqual({ cpuMillicores: 200, memoryBytes: 200 * 2 ** 20, sampledAt: at(`${TODAY}T09:10:10.000Z`) });
    expect((await engine().latestResources([alpha.id, beta.id], 60 * 60_000)).size).toBe(2);

    now = at(`${TODAY}T12:00:00.000Z`);
    const raw = await engine().resourceSamples([alpha.id], at(`${TODAY}T09:00:00.000Z`));
    expect(raw.get(alpha.id)!.map((u) => u.cpuMillicores)).toEqual([100, 300, 200]);

    await writer.rollUp(at('2026-03-11T00:30:00.000Z'), 120_000);
    const rollups = await db.getRepository(UsageResourceRollupEntity).find({ where: { instanceId: alpha.id }, order: { resolution: 'ASC', bucketStart: 'ASC' } });
    expect(rollups.map((r) => [r.resolution, r.bucketStart.toISOString(), r.samples, r.cpuAvg, r.cpuMax])).toEqual([
      ['1d', `${TODAY}T00:00:00.000Z`, 3, 200, 300],
      ['1h', `${TODAY}T09:00:00.000Z`, 3, 200, 300],
      ['5m', `${TODAY}T09:00:00.000Z`, 2, 200, 300],
      ['5m', `${TODAY}T09:10:00.000Z`, 1, 200, 200],
    ]);
    // Rolling up again changes nothing.
    await new UsageStore(db).rollUp(at('2026-03-11T00:30:00.000Z'), 120_000);
    expect(await db.getRepository(UsageResourceRollupEntity).countBy({ instanceId: alpha.id })).toBe(4);

    // Five days later the raw samples are gone from what is read: the 5-minute averages answer, with the gap absent.
    now = at('2026-03-15T00:00:00.000Z');
    const fine = await engine().resourceSamples([alpha.id, gamma.id], at(`${TODAY}T00:00:00.000Z`));
    expect(fine.get(alpha.id)!.map((u) => [u.sampledAt.toISOString(), u.cpuMillicores])).toEqual([[`${TODAY}T09:00:00.000Z`, 200], [`${TODAY}T09:10:00.000Z`, 200]]);
    expect(fine.has(gamma.id)).toBe(false);

    await writer.prune(now, RETENTION);
    expect(await db.getRepository(UsageResourceSampleEntity).count()).toBe(0);
    expect(await db.getRepository(UsageResourceRollupEntity).countBy({ instanceId: alpha.id })).toBe(4);
    await writer.prune(at('2026-04-30T00:00:00.000Z'), RETENTION);
    expect((await db.getRepository(UsageResourceRollupEntity).find({ where: { instanceId: alpha.id } })).map((r) => r.resolution).sort()).toEqual(['1d', '1h']);
    // Token buckets follow the same retention; day totals are kept as long as the daily rollup.
    expect(await db.getRepository(UsageTokenDayEntity).count()).toBe(4);
  });
});

describe('price table', () => {
  it('reads the shipped configs/prices.yaml', () => {
    const table = PriceTable.load();
    expect(table.currency).toMatch(/^[A-Z]{3}$/);
    expect(table.price('qwen3-32b')).toBeDefined();
  });

  it.each([
    ['currency: CNY\nmodels:\n  qwen3-32b: { input: 2, ouptut: 8 }\n', 'models.qwen3-32b: unknown key ouptut'],
    ['currency: CNY\nmodels:\n  qwen3-32b: { input: -2 }\n', 'models.qwen3-32b.input must be a number >= 0'],
    ['currency: CNY\nmodels:\n  qwen3-32b: { input: "2 yuan" }\n', 'models.qwen3-32b.input must be a number >= 0'],
    ['currency: yuan\nmodels: {}\n', 'currency must be a three-letter code'],
    ['currency: CNY\nprices: {}\n', 'unknown key prices'],
  ])('stops the start on a typo: %j', (text, message) => {
    const file = join(mkdtempSync(join(tmpdir(), 'claw-prices-')), 'prices.yaml');
    writeFileSync(file, text);
    expect(() => PriceTable.load(file)).toThrow(message);
  });
});
