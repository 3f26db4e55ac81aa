// Throughput and latency of a concurrent command mix over HTTP (a third `tenant create`, the rest `status` and
// `whoami`) on SQLite and on MariaDB, each audited, and whether the audit chain verifies afterwards.
import { Agent } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { createConnection } from 'mysql2/promise';
import { loadSettings, type DatabaseSettings } from '../src/config/settings.js';
import { createControlPlane } from '../src/control-plane.js';
import { percentile, postJson } from './http-client.js';

export interface CommandMixResult {
  database: 'sqlite' | 'mariadb';
  clients: number;
  commands: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  /** `claw audit verify` over the whole chain after the run. */
  chainOk: boolean;
  auditEvents: number;
  /** CPU time of this process (control plane and clients) per measured command, in ms. */
  cpuMsPerCommand: number;
}

export interface CommandMixOptions {
  /** Commands measured per database (after a warm-up of `clients` * 10, not counted). */
  commands?: number;
  clients?: number;
  databases?: Array<'sqlite' | 'mariadb'>;
  /** MariaDB server for the scratch database `claw_bench_mix` (created and dropped here). */
  mysql?: { host: string; port: number; user: string; password: string };
  /** Called just before and just after the measured run (a profiler or a CPU probe can hook in). */
  onRun?: (phase: 'start' | 'end', database: 'sqlite' | 'mariadb') => void;
}

const ADMIN_TOKEN = 'claw_bench_token_0123456789abcdef';
const SCRATCH_DB = 'claw_bench_mix';

/** Runs the mix on each database in turn and returns one result per database. */
export async function commandMix(options: CommandMixOptions = {}): Promise<CommandMixResult[]> {
  const results: CommandMixResult[] = [];
  for (const database of options.databases ?? ['sqlite', 'mariadb']) results.push(await runOn(database, options));
  return results;
}

async function runOn(database: 'sqlite' | 'mariadb', options: CommandMixOptions): Promise<CommandMixResult> {
  const clients = options.clients ?? 30;
  const commands = options.commands ?? 3000;
  const dataDir = mkdtempSync(join(tmpdir(), 'claw-bench-mix-'));
  const server = options.mysql ?? { host: '127.0.0.1', port: 3306, user: 'root', password: '' };
  const admin = database === 'mariadb' ? await createConnection({ ...server, connectTimeout: 10_000 }) : undefined;
  try {
    let db: DatabaseSettings = { kind: 'sqlite', path: join(dataDir, 'claw.db') };
    if (admin) {
      await admin.query(`DROP DATABASE IF EXISTS \`${SCRATCH_DB}\``);
      await admin.query(`CREATE DATABASE \`${SCRATCH_DB}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
      db = { kind: 'mysql', ...server, database: SCRATCH_DB };
    }
    const plane = await createControlPlane({
      ...loadSettings({ env: {} }),
      host: '127.0.0.1', port: 0, dataDir, database: db, adminToken: ADMIN_TOKEN,
      rateLimit: { perMinute: 10_000_000, burst: 1_000_000 }, logLevel: 'silent',
    });
    try {
      const url = new URL(`${await plane.listen()}/api/v1/commands`);
      await drive(url, clients, clients * 10, 'warm');
      options.onRun?.('start', database);
      const cpu = process.cpuUsage();
      const run = await drive(url, clients, commands, 'run');
      const used = process.cpuUsage(cpu);
      options.onRun?.('end', database);
      const verify = await plane.engines.audit.verify();
      return {
        database, clients, commands, seconds: run.seconds, perSecond: commands / run.seconds,
        p50: percentile(run.samples, 50), p95: percentile(run.samples, 95), p99: percentile(run.samples, 99),
        errors: run.errors, chainOk: verify.ok, auditEvents: verify.checked, cpuMsPerCommand: (used.user + used.system) / 1000 / commands,
      };
    } finally {
      await plane.close();
    }
  } finally {
    if (admin) {
      await admin.query(`DROP DATABASE IF EXISTS \`${SCRATCH_DB}\``);
      await admin.end();
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** `clients` keep-alive connections each sending one command at a time until `total` have been sent. */
async function drive(url: URL, clients: number, total: number, label: string): Promise<{ samples: number[]; errors: number; seconds: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const headers = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const samples: number[] = [];
  let errors = 0;
  let next = 0;
  const started = performance.now();
  const client = async () => {
    for (let i = next++; i < total; i = next++) {
      // Every third command writes (a new tenant); the others read.
      const text = i % 3 === 0 ? `claw tenant create ${label}-${i}` : i % 3 === 1 ? 'claw status' : 'claw whoami';
      const begun = performance.now();
      try {
        await postJson(agent, url, JSON.stringify({ text }), headers);
      } catch {
        errors++;
      }
      samples.push(performance.now() - begun);
    }
  };
  try {
    await Promise.all(Array.from({ length: clients }, client));
    return { samples, errors, seconds: (performance.now() - started) / 1000 };
  } finally {
    agent.destroy();
  }
}

export function formatMix(r: CommandMixResult): string {
  const name = r.database === 'sqlite' ? 'SQLite' : 'MariaDB';
  return `command mix (1/3 tenant create, status, whoami), ${r.clients} clients, ${name}: ${Math.round(r.perSecond)} commands/s  `
    + `p50 ${r.p50.toFixed(1)} ms  p95 ${r.p95.toFixed(1)} ms  p99 ${r.p99.toFixed(1)} ms  errors ${r.errors}  `
    + `audit chain ${r.chainOk ? 'intact' : 'BROKEN'} (${r.auditEvents} events, n=${r.commands}); ${r.cpuMsPerCommand.toFixed(2)} ms CPU/command in-process`;
}

// Alone: `npx tsx bench/command-mix.ts`; CLAW_BENCH_MIX_DB=sqlite|mariadb runs one database, CLAW_BENCH_MIX_COMMANDS sets the count.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.env.NO_PROXY = '127.0.0.1,localhost';
  const databases = process.env.CLAW_BENCH_MIX_DB ? [process.env.CLAW_BENCH_MIX_DB as 'sqlite' | 'mariadb'] : undefined;
  commandMix({ commands: Number(process.env.CLAW_BENCH_MIX_COMMANDS ?? 3000), ...(databases ? { databases } : {}) })
    .then((results) => {
      for (const r of results) console.log(formatMix(r));
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
