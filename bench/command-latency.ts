// Latency of POST /api/v1/commands for `claw whoami` (token lookup, RBAC, audit append) against a bare fastify route.
import Fastify from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings } from '../src/config/settings.js';
import { createControlPlane } from '../src/control-plane.js';
import { measure, type LatencyStats } from './http-client.js';

export interface CommandLatency {
  command: LatencyStats;
  bare: LatencyStats;
  ratioP50: number;
  ratioP99: number;
}

export async function commandLatency(n = 3000): Promise<CommandLatency> {
  const dataDir = mkdtempSync(join(tmpdir(), 'claw-bench-'));
  const adminToken = 'claw_bench_token_0123456789abcdef';
  const plane = await createControlPlane({
    ...loadSettings({ env: {} }),
    host: '127.0.0.1', port: 0, dataDir, database: { kind: 'sqlite', path: join(dataDir, 'claw.db') }, adminToken,
    rateLimit: { perMinute: 10_000_000, burst: 1_000_000 }, logLevel: 'silent',
  });
  const bare = Fastify({ logger: false });
  try {
    const url = await plane.listen();
    const body = JSON.stringify({ text: 'claw whoami' });
    const headers = { authorization: `Bearer ${adminToken}` };
    // The bare route answers with the very JSON the real one produces, so the difference is the control plane's work.
    const sample = await (await fetch(`${url}/api/v1/commands`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body })).json();
    bare.post('/bare', async () => sample);
    const bareUrl = await bare.listen({ host: '127.0.0.1', port: 0 });
    const command = await measure(`${url}/api/v1/commands`, body, headers, n);
    const plain = await measure(`${bareUrl}/bare`, body, headers, n);
    return { command, bare: plain, ratioP50: command.p50 / plain.p50, ratioP99: command.p99 / plain.p99 };
  } finally {
    await bare.close();
    await plane.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
