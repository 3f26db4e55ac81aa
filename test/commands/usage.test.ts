// claw usage (and GET /api/v1/usage): tokens and cost per instance, project, tenant or model over a period, on fake
// claws (stand-ins for OpenClaw) whose token readings are recorded the way the collector records a real claw's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClawUsageDay } from '../../src/engines/adapters/claw-adapter.js';
import { PriceTable } from '../../src/engines/usage/price-table.js';
import { UsageStore } from '../../src/engines/usage/usage-store.js';
import { InstanceEntity } from '../../src/store/entities/instance.js';
import { stubOpenClawAdapter } from '../support/stub-openclaw-adapter.js';
import { useControlPlane } from './fixture.js';

const prices = PriceTable.load();

function reading(tokens: { input: number; output: number }, date = new Date().toISOString().slice(0, 10), model = 'qwen3-32b'): ClawUsageDay {
  return { date, model, inputTokens: tokens.input, outputTokens: tokens.output, cacheReadTokens: 0, cacheWriteTokens: 0, totalTokens: tokens.input + tokens.output, cost: 0 };
}

describe('claw usage', () => {
  const c = useControlPlane({ adapters: [stubOpenClawAdapter] });

  beforeAll(async () => {
    await c.must('claw tenant policy default --approvals 0');
    await c.must('claw project create ops');
    await c.must('claw create alpha --wait --timeout 60s');
    await c.must('claw create beta --project ops --set model.id=qwen3-72b --wait --timeout 60s');
    const db = c.t.plane.store.dataSource;
    const store = new UsageStore(db);
    const row = (name: string) => db.getRepository(InstanceEntity).findOneByOrFail({ name });
    await store.recordTokens(await row('alpha'), { complete: true, days: [reading({ input: 120_000, output: 3_000 })] }, new Date());
    await store.recordTokens(await row('beta'), { complete: true, days: [reading({ input: 40_000, output: 1_000 }, undefined, 'qwen3-72b')] }, new Date());
  }, 120_000);
  // Closing a control plane leaves claws running for the next one to adopt; a test must not leave them behind.
  afterAll(async () => {
    await c.run('claw destroy --all --wait');
  });

  it('lists each instance of the tenant with its tokens and the estimated cost, most first', async () => {
    const r = await c.must('claw usage --tenant default');
    expect(r.result.by).toBe('instance');
    expect(r.result.rows.map((x: { label: string; project: string; totalTokens: number }) => [x.label, x.project, x.totalTokens])).toEqual([['alpha', 'default', 123_000], ['beta', 'ops', 41_000]]);
    const alphaCost = prices.estimate('qwen3-32b', { inputTokens: 120_000, outputTokens: 3_000, cacheReadTokens: 0, cacheWriteTokens: 0 })!;
    expect(r.result.rows[0].cost).toBeCloseTo(alphaCost, 9);
    expect(r.result.totals).toMatchObject({ totalTokens: 164_000, currency: prices.currency, estimated: true });
    expect(r.text).toMatch(/alpha\s+default\s+120,000\s+3,000\s+0\/0\s+123,000\s+≈\d/);
    expect(r.text).toContain('default since');
    expect(r.text).toContain('164,000 tokens');
    expect(r.text).toContain('≈ estimated from configs/prices.yaml');
  });

  it('groups by model or project, narrows to one instance or project, and answers in Chinese', async () => {
    const byModel = await c.must('claw usage --by model --since 24h');
    expect(byModel.result.rows.map((x: { label: string; totalTokens: number }) => [x.label, x.totalTokens])).toEqual([['qwen3-32b', 123_000], ['qwen3-72b', 41_000]]);
    const byProject = await c.must('claw usage --by project --tenant default');
    expect(byProject.result.rows.map((x: { label: string }) => x.label)).toEqual(['default', 'ops']);
    const one = await c.must('claw usage beta');
    expect(one.result).toMatchObject({ by: 'model', totals: { totalTokens: 41_000 }, scope: 'ops/beta' });
    expect((await c.must('claw usage --project ops')).result.totals.totalTokens).toBe(41_000);
    const zh = await c.run('claw usage --tenant default', undefined, 'zh');
    expect(zh.text).toContain('缓存读/写');
    expect(zh.text).toContain('≈ 为按 configs/prices.yaml 估算');
  });

  it('takes 1h, 24h, 7d, 30d and ISO dates as --since, and explains a bad one', async () => {
    for (const since of ['1h', '24h', '7d', '30d', new Date(Date.now() - 86_400_000).toISOString().slice(0, 10)]) {
      expect((await c.must(`claw usage --tenant default --since ${since}`)).result.totals.totalTokens, since).toBe(164_000);
    }
    // Use is counted when it became known (now): a period that ended before has none.
    const bad = await c.run('claw usage --since yesterday');
    expect(bad).toMatchObject({ ok: false, code: 'invalid_argument' });
    expect(bad.message).toContain('1h, 24h, 7d or 30d');
    const future = await c.run('claw usage --since 2999-01-01');
    expect(future.message).toContain('in the future');
    expect((await c.run('claw usage --since 2026-02-30')).code).toBe('invalid_argument');
  });

  it('compares tenants only platform-wide, and only for members who may read usage', async () => {
    const narrow = await c.run('claw usage --by tenant --tenant default');
    expect(narrow).toMatchObject({ ok: false, code: 'invalid_argument' });
    expect(narrow.message).toContain('platform-wide');
    const platform = await c.must('claw usage');
    expect(platform.result.by).toBe('tenant');
    expect(platform.result.rows.map((x: { label: string; totalTokens: number }) => [x.label, x.totalTokens])).toEqual([['default', 164_000]]);
    // Approvers decide on approvals; they are not given usage.
    const approver = await c.member('ann', 'default', 'approver');
    expect((await c.run('claw usage --tenant default', approver)).code).toBe('forbidden');
    const viewer = await c.member('vic', 'default', 'viewer');
    expect((await c.run('claw usage', viewer)).result.totals.totalTokens).toBe(164_000);
  });

  it('is served at GET /api/v1/usage and /api/v1/instances/:name/usage with the same answer', async () => {
    const get = (path: string) => fetch(`${c.t.url}${path}`, { headers: { authorization: `Bearer ${c.t.adminToken}` } });
    const all = await get('/api/v1/usage?tenant=default&by=model&since=24h');
    expect(all.status).toBe(200);
    const body = (await all.json()) as { ok: boolean; result: { rows: Array<{ label: string }> } };
    expect(body.result.rows.map((r) => r.label)).toEqual(['qwen3-32b', 'qwen3-72b']);
    const one = (await (await get('/api/v1/instances/alpha/usage?since=7d')).json()) as { result: { totals: { totalTokens: number } } };
    expect(one.result.totals.totalTokens).toBe(123_000);
    expect((await get('/api/v1/usage?by=region')).status).toBe(400);
    const bad = (await (await get('/api/v1/usage?since=soon')).json()) as { ok: boolean; error: { code: string } };
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_argument' } });
  });
});
