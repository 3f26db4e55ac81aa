// Usage at fleet size: one collection pass over 1,000 claws (stand-in gateways: a child process answering OpenClaw's
// `usage.cost` for every claw, not real OpenClaw), its CPU cost and what it does to command latency meanwhile; then
// `claw usage` over 30 days x 1,000 claws.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings } from '../src/config/settings.js';
import { createControlPlane } from '../src/control-plane.js';
import { AdapterRegistry } from '../src/engines/adapters/adapter-registry.js';
import { UsageCollector } from '../src/engines/usage/usage-collector.js';
import { UsageStore } from '../src/engines/usage/usage-store.js';
import { InstanceEntity, instanceNameKey, type Instance } from '../src/store/entities/instance.js';
import { newId } from '../src/util/ids.js';
import { silentLogger } from '../src/util/logger.js';
import { stubOpenClawAdapter } from '../test/support/stub-openclaw-adapter.js';
import { ownCpuSeconds, processCpuSeconds } from './cpu.js';
import { percentile } from './http-client.js';

export interface UsageFigures {
  instances: number;
  pass: { ms: number; cpuSeconds: number; gatewayCpuSeconds: number; tokensRead: number; failures: number };
  /** The same pass again with nothing new: what a steady fleet costs per minute. */
  steady: { ms: number; cpuSeconds: number };
  /** `claw whoami` p50 with nothing else running, during a pass that writes new use, and during a steady pass. */
  whoami: { idleP50: number; busyP50: number; steadyP50: number };
  usageQuery: { days: number; rows: number; byInstanceP50: number; byTenantP50: number };
}

/**
 * A child process standing in for 1,000 gateways: every claw's usage.cost answers the same tokens for today, 1,100 times
 * the generation, which `POST /bump` moves on (so a pass finds new use only when the bench wants it to).
 */
const GATEWAYS = `
const http = require('node:http');
let generation = 1;
const server = http.createServer((req, res) => {
  if (req.url === '/bump') {
    generation++;
    return res.end();
  }
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    const { params } = JSON.parse(body);
    const n = 1000 * generation;
    const daily = [{ date: params.endDate, input: n, output: n / 10, cacheRead: 0, cacheWrite: 0, totalTokens: n * 1.1, totalCost: 0 }];
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ id: 1, ok: true, payload: { daily, cacheStatus: { status: 'fresh' } } }));
  });
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

async function startGateways(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['-e', GATEWAYS], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())));
  return { child, url: `http://127.0.0.1:${port}` };
}

async function whoamiP50(url: string, token: string, n: number, until?: () => boolean): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < n || (until && !until()); i++) {
    const started = performance.now();
    await fetch(`${url}/api/v1/commands`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ text: 'claw whoami' }) });
    samples.push(performance.now() - started);
  }
  return percentile(samples, 50);
}

export async function usageBench(instances = 1000, days = 30): Promise<UsageFigures> {
  const dataDir = mkdtempSync(join(tmpdir(), 'claw-bench-usage-'));
  const adminToken = 'claw_bench_usage_token_0123456789';
  const settings = loadSettings({ env: {} });
  const plane = await createControlPlane(
    {
      ...settings, host: '127.0.0.1', port: 0, dataDir, database: { kind: 'sqlite', path: join(dataDir, 'claw.db') }, adminToken, logLevel: 'silent',
      rateLimit: { perMinute: 10_000_000, burst: 1_000_000 }, cacheDir: join(dataDir, 'cache'),
      // The control plane's own collector waits an hour: the bench drives its passes itself.
      usage: { ...settings.usage, intervalMs: 3_600_000 },
    },
    { adapters: [stubOpenClawAdapter] },
  );
  const url = await plane.listen();
  const command = async (text: string) => {
    const r = await fetch(`${url}/api/v1/commands`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` }, body: JSON.stringify({ text }) });
    const body = (await r.json()) as { ok: boolean; text: string };
    if (!body.ok) throw new Error(`${text}: ${body.text}`);
  };
  const gateways = await startGateways();
  try {
    const db = plane.store.dataSource;
    const repo = db.getRepository(InstanceEntity);
    // One instance made by the command, then copies of its row: Running, ready, reachable at the stand-in gateways.
    // A trial tenant: nothing waits for approval (the seed's destroy below).
    await command('claw tenant policy default --approvals 0');
    await command('claw create seed --set model.id=qwen3-72b');
    const seed = await repo.findOneByOrFail({ name: 'seed' });
    // Only its row is wanted: the claw itself goes (a local claw would outlive the control plane).
    await command('claw destroy seed --wait');
    // The copies below are rows only: the reconciler must not start a claw for each (the API keeps answering).
    plane.controller.stop();
    await plane.controller.idle();
    const rows: Instance[] = [];
    for (let i = 0; i < instances; i++) {
      const name = `u-${i}`;
      rows.push({ ...seed, id: newId(), name, nameKey: instanceNameKey(seed.projectId, name), phase: 'Running', desiredPhase: 'Running', ready: true, endpoint: gateways.url });
    }
    for (let i = 0; i < rows.length; i += 200) await repo.insert(rows.slice(i, i + 200));

    const collector = new UsageCollector({
      db, runtime: plane.runtime, adapters: new AdapterRegistry([stubOpenClawAdapter]), configs: plane.configs, secrets: plane.secrets,
      store: new UsageStore(db), settings: settings.usage, logger: silentLogger,
    });
    const signal = new AbortController().signal;
    const bump = () => fetch(`${gateways.url}/bump`, { method: 'POST' });
    // Passes alone, for their CPU: one that finds new use for every claw, then one that finds nothing new.
    let cpu = ownCpuSeconds();
    const gatewayCpu = await processCpuSeconds(gateways.child.pid!);
    const pass = await collector.collect(signal);
    const passCpu = ownCpuSeconds() - cpu;
    const passGatewayCpu = (await processCpuSeconds(gateways.child.pid!)) - gatewayCpu;
    cpu = ownCpuSeconds();
    const again = await collector.collect(signal);
    const steadyCpu = ownCpuSeconds() - cpu;
    // The same two passes again with a client sending `claw whoami` one after another meanwhile.
    const idleP50 = await whoamiP50(url, adminToken, 300);
    const during = async () => {
      let done = false;
      const passing = collector.collect(signal).finally(() => { done = true; });
      const p50 = await whoamiP50(url, adminToken, 20, () => done);
      await passing;
      return p50;
    };
    await bump();
    const busyP50 = await during();
    const steadyP50 = await during();

    // 30 days of history for every claw, recorded as late readings through the store.
    const store = new UsageStore(db);
    const today = Date.now();
    for (const row of rows) {
      const history = Array.from({ length: days }, (_, d) => {
        const n = 10_000 + ((d * 7919 + row.name.length * 31) % 5000);
        return { date: new Date(today - d * 86_400_000).toISOString().slice(0, 10), model: 'qwen3-72b', inputTokens: n, outputTokens: n / 10, cacheReadTokens: 0, cacheWriteTokens: 0, totalTokens: n * 1.1, cost: 0 };
      });
      await store.recordTokens({ id: row.id, tenantId: row.tenantId, projectId: row.projectId }, { complete: true, days: history }, new Date());
    }
    const query = async (text: string, n = 15) => {
      const samples: number[] = [];
      for (let i = 0; i < n; i++) {
        const started = performance.now();
        await command(text);
        samples.push(performance.now() - started);
      }
      return percentile(samples, 50);
    };
    return {
      instances,
      pass: { ms: pass.ms, cpuSeconds: passCpu, gatewayCpuSeconds: passGatewayCpu, tokensRead: pass.tokensRead, failures: pass.tokenFailures },
      steady: { ms: again.ms, cpuSeconds: steadyCpu },
      whoami: { idleP50, busyP50, steadyP50 },
      usageQuery: { days, rows: instances * days, byInstanceP50: await query(`claw usage --since ${days}d --by instance`), byTenantP50: await query(`claw usage --since ${days}d --by project`) },
    };
  } finally {
    gateways.child.kill();
    await plane.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export function formatUsage(f: UsageFigures): string[] {
  const ms = (v: number) => `${v.toFixed(1)} ms`;
  return [
    `usage collection, ${f.instances} claws (stand-in gateways in a child process): one pass ${(f.pass.ms / 1000).toFixed(2)} s, ${f.pass.cpuSeconds.toFixed(2)} CPU s in the control plane (${f.pass.gatewayCpuSeconds.toFixed(2)} in the stand-ins), ${f.pass.tokensRead} read, ${f.pass.failures} failed; per minute that is ${(f.pass.cpuSeconds / 60 * 100).toFixed(1)}% of a core`,
    `  a pass with nothing new: ${(f.steady.ms / 1000).toFixed(2)} s, ${f.steady.cpuSeconds.toFixed(2)} CPU s (${(f.steady.cpuSeconds / 60 * 100).toFixed(1)}% of a core at one pass a minute)`,
    `  claw whoami p50 ${ms(f.whoami.idleP50)} idle, ${ms(f.whoami.busyP50)} during a pass writing new use, ${ms(f.whoami.steadyP50)} during a pass with nothing new`,
    `claw usage --since ${f.usageQuery.days}d over ${f.instances} claws (${f.usageQuery.rows.toLocaleString('en-US')} claw-days): --by instance p50 ${ms(f.usageQuery.byInstanceP50)}, --by project p50 ${ms(f.usageQuery.byTenantP50)}`,
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.env.NO_PROXY = '127.0.0.1,localhost';
  for (const line of formatUsage(await usageBench())) console.log(line);
}
