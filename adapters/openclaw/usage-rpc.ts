// Reads a running OpenClaw gateway's token use through its admin RPC `usage.cost` (plugin admin-http-rpc).
import type { ClawEndpoint, ClawUsageDay, ClawUsageReport } from '../../src/engines/adapters/claw-adapter.js';

/** A gateway that takes longer is busy or hung: the collector backs off and tries again later. */
const TIMEOUT_MS = 10_000;

/**
 * What openclaw 2026.9.6 answers (src/gateway/server-methods/usage.ts, session-cost-usage-worker): `{ id, ok, payload }`
 * where payload is `{ updatedAt, days, daily: [{ date, input, output, cacheRead, cacheWrite, totalTokens, totalCost, ... }],
 * totals, cacheStatus?: { status: 'fresh' | 'partial' | 'stale' | 'refreshing', ... } }`. Days without use are listed
 * with zeros. The figures come from a cache the gateway refreshes in the background, about 30 s after a model call.
 */
interface CostDay {
  date?: unknown;
  input?: unknown;
  output?: unknown;
  cacheRead?: unknown;
  cacheWrite?: unknown;
  totalTokens?: unknown;
  totalCost?: unknown;
}

export class UsageRpcError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageRpcError';
  }
}

const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.round(v) : 0);
const money = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0);

/**
 * `usage.cost` over [from, to] (UTC days, the gateway's default day bucket) for every agent of the gateway. usage.cost has
 * no split by model, so each day is labelled with the instance's configured model (template variable `model.id`): the
 * generated config gives every agent that one primary model.
 */
export async function readOpenClawUsage(claw: ClawEndpoint, range: { from: string; to: string }, signal: AbortSignal): Promise<ClawUsageReport> {
  let response: Response;
  try {
    response = await fetch(`${claw.endpoint.replace(/\/+$/, '')}/api/v1/admin/rpc`, {
      method: 'POST',
      headers: { authorization: `Bearer ${claw.gatewayToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'usage.cost', params: { startDate: range.from, endDate: range.to, agentScope: 'all' } }),
      signal: AbortSignal.any([signal, AbortSignal.timeout(TIMEOUT_MS)]),
    });
  } catch (error) {
    throw new UsageRpcError(`usage.cost: ${(error as Error).name === 'TimeoutError' ? `no answer within ${TIMEOUT_MS / 1000} s` : (error as Error).message}`);
  }
  const body = (await response.json().catch(() => undefined)) as { ok?: unknown; payload?: unknown; error?: { message?: unknown } } | undefined;
  if (!response.ok || body?.ok !== true) {
    // The gateway's message, never the request (it carries the token in a header only).
    const reason = typeof body?.error?.message === 'string' ? body.error.message.slice(0, 200) : `HTTP ${response.status}`;
    throw new UsageRpcError(`usage.cost: ${reason}`);
  }
  const payload = body.payload as { daily?: unknown; cacheStatus?: { status?: unknown } } | undefined;
  if (!payload || !Array.isArray(payload.daily)) throw new UsageRpcError('usage.cost: the answer has no daily list');
  const model = String(claw.config.values['model.id'] ?? '') || 'unknown';
  const days = (payload.daily as CostDay[]).flatMap((d): ClawUsageDay[] => {
    if (typeof d?.date !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(d.date)) return [];
    const day = {
      date: d.date, model, inputTokens: count(d.input), outputTokens: count(d.output), cacheReadTokens: count(d.cacheRead), cacheWriteTokens: count(d.cacheWrite),
      totalTokens: count(d.totalTokens), cost: money(d.totalCost),
    };
    return [day];
  });
  // No cacheStatus: a gateway that computes usage synchronously, so the figures are complete.
  const status = payload.cacheStatus?.status;
  return { days, complete: status === undefined || status === 'fresh' };
}
