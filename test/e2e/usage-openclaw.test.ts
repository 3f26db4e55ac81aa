// The usage acceptance with real parts: a real OpenClaw gateway on the local runtime uses a loopback
// OpenAI-compatible model with known token counts; messages go through the claw's own /v1/chat/completions; `claw usage`
// then reports exactly those tokens and the price table's cost, once the claw's usage cache has caught up (~30 s).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/config/settings.js';
import { PriceTable } from '../../src/engines/usage/price-table.js';
import { InstanceEntity } from '../../src/store/entities/instance.js';
import { ModelServer } from '../emulators/model-server.js';
import { TEST_CACHE_DIR } from '../support/openclaw-cli.js';
import { startTestControlPlane, type CommandAnswer, type TestControlPlane } from '../support/test-control-plane.js';

/** Install (cold: about a minute; CI prebuilds the cache) plus boot (10-30 s on 2 busy cores). */
const WAIT = '15m';
/** OpenClaw refreshes usage.cost in the background about 30 s after a model call; the collector runs every 2 s here. */
const USAGE_WAIT_MS = 180_000;
const MODEL = 'qwen3-32b';

interface UsageResult {
  totals: { inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheWriteTokens: number; totalTokens: number; cost: number; currency: string; estimated: boolean };
  rows: Array<{ label: string; totalTokens: number; cost: number; estimated: boolean }>;
}

async function waitFor<T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await read();
    if (ok(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
}

describe('claw usage with a real OpenClaw gateway and a loopback model', () => {
  const model = new ModelServer({ model: MODEL, reply: 'pong from the loopback model', usage: { promptTokens: 1500, completionTokens: 42, cachedTokens: 0 } });
  const prices = PriceTable.load();
  let t: TestControlPlane;
  const must = async (text: string): Promise<CommandAnswer> => {
    const r = await t.command(t.adminToken, text);
    if (!r.body.ok) throw new Error(`${text}: ${r.body.text}`);
    return r.body;
  };

  beforeAll(async () => {
    await model.start();
    t = await startTestControlPlane({ settings: { cacheDir: TEST_CACHE_DIR, usage: { ...loadSettings({ env: {} }).usage, intervalMs: 2000 } } });
    await must('claw tenant policy default --approvals 0');
  });
  afterAll(async () => {
    await t?.command(t.adminToken, 'claw destroy meter --wait').catch(() => undefined);
    await t?.close();
    await model.stop();
  });

  it('counts exactly the tokens of messages sent through the claw, priced by configs/prices.yaml', async () => {
    expect(prices.price(MODEL)).toBeDefined();
    await must(`claw create meter --set model.baseUrl=${model.baseUrl} --set model.id=${MODEL} --set model.apiKey=sk-loopback --wait --timeout ${WAIT}`);
    const row = await t.plane.store.dataSource.getRepository(InstanceEntity).findOneByOrFail({ name: 'meter' });
    const token = t.plane.secrets.open(row.gatewayToken);
    const ask = async (text: string, stream: boolean) => {
      const response = await fetch(`${row.endpoint}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'openclaw', stream, messages: [{ role: 'user', content: text }] }),
      });
      expect(response.status).toBe(200);
      return response.text();
    };
    const first = JSON.parse(await ask('ping', false)) as { choices: Array<{ message: { content: string } }> };
    expect(first.choices[0]!.message.content).toContain('pong from the loopback model');
    expect(await ask('ping again', true)).toContain('pong');

    // What the model served is what the claw must report: input (prompt minus cached), output, and their sum.
    const served = model.served();
    expect(served.calls).toBeGreaterThanOrEqual(2);
    const expected = {
      inputTokens: served.promptTokens - served.cachedTokens, outputTokens: served.completionTokens, cacheReadTokens: served.cachedTokens, cacheWriteTokens: 0,
      totalTokens: served.promptTokens + served.completionTokens,
    };
    const usage = async () => (await must('claw usage meter --since 1h')).result as unknown as UsageResult;
    const seen = await waitFor('claw usage to report the served tokens', usage, (u) => u.totals.totalTokens >= expected.totalTokens, USAGE_WAIT_MS);
    expect(seen.totals).toMatchObject(expected);
    // The generated config prices the corp endpoint at 0, so the cost is the price table's estimate.
    const cost = prices.estimate(MODEL, expected)!;
    expect(seen.totals.cost).toBeCloseTo(cost, 9);
    expect(seen.totals).toMatchObject({ currency: prices.currency, estimated: true });
    expect(seen.rows).toEqual([expect.objectContaining({ label: MODEL, totalTokens: expected.totalTokens })]);

    // The tenant's view and the platform's agree, and the text says which figures are estimates.
    const byInstance = await must('claw usage --since 24h --tenant default');
    expect(byInstance.text).toMatch(/meter\s+default\s+[\d,]+\s+[\d,]+\s+0\/0\s+[\d,]+\s+≈/);
    expect(byInstance.text).toContain('≈ estimated from configs/prices.yaml');
    const platform = (await must('claw usage --by tenant --since 24h')).result as unknown as UsageResult;
    expect(platform.rows.find((r) => r.label === 'default')?.totalTokens).toBe(expected.totalTokens);
    // Readings keep coming every pass; the totals stay exact (no reading is counted twice).
    await new Promise((resolve) => setTimeout(resolve, 6000));
    expect((await usage()).totals.totalTokens).toBe(expected.totalTokens);

    // claw status shows what the running claw uses next to its limits, from the collector's samples.
    const status = await waitFor('a resource sample', () => must('claw status'), (s) => /meter\s+default\s+openclaw\s+\S+\s+Running\s+yes\s+\d+\s+\S+ \/ 500m \(\d+%\)/.test(s.text), 60_000);
    expect(status.text).toMatch(/[\d.]+(Mi|Gi) \/ 2Gi \(\d+%\)/);
  }, 20 * 60_000);
});
