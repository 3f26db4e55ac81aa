// Idle cost on the local runtime: control-plane CPU seconds per minute and RSS with no claws and with 20 running claws
// (test/fixtures/fake-claw.mjs in place of OpenClaw, through the stand-in adapter: the count is what matters here).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings } from '../src/config/settings.js';
import { createControlPlane } from '../src/control-plane.js';
import { stubOpenClawAdapter } from '../test/support/stub-openclaw-adapter.js';
import { cpuPerMinute, rssMiB } from './cpu.js';

export interface IdleFigure {
  claws: number;
  cpuSecondsPerMinute: number;
  rssMiB: number;
}

export async function localIdle(sizes: number[] = [0, 20], windowMs = 30_000): Promise<IdleFigure[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'claw-bench-local-'));
  const adminToken = 'claw_bench_local_token_0123456789';
  const plane = await createControlPlane(
    {
      ...loadSettings({ env: {} }),
      host: '127.0.0.1', port: 0, dataDir, database: { kind: 'sqlite', path: join(dataDir, 'claw.db') }, adminToken, logLevel: 'silent',
      rateLimit: { perMinute: 10_000_000, burst: 1_000_000 }, cacheDir: join(dataDir, 'cache'),
    },
    { adapters: [stubOpenClawAdapter] },
  );
  const figures: IdleFigure[] = [];
  const url = await plane.listen();
  const command = async (text: string) => {
    const r = await fetch(`${url}/api/v1/commands`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` }, body: JSON.stringify({ text }) });
    const body = (await r.json()) as { ok: boolean; text: string };
    if (!body.ok) throw new Error(`${text}: ${body.text}`);
  };
  try {
    await command('claw tenant policy default --approvals 0');
    let created = 0;
    for (const size of sizes) {
      const batch: Array<Promise<void>> = [];
      for (; created < size; created++) batch.push(command(`claw create idle-${created} --cpu 50m --memory 64Mi --wait --timeout 120s`));
      await Promise.all(batch);
      // Let start-up work (first probes, JIT) pass before measuring.
      await new Promise((r) => setTimeout(r, 5_000));
      const cpu = await cpuPerMinute(windowMs);
      figures.push({ claws: size, cpuSecondsPerMinute: cpu.self, rssMiB: rssMiB() });
    }
  } finally {
    // Local claws outlive the control plane (its successor would adopt them): remove them, even after a failure.
    await command('claw destroy --all --wait --timeout 120s').catch(() => undefined);
    await plane.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return figures;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const f of await localIdle()) console.log(`local runtime idle, ${f.claws} claws: ${f.cpuSecondsPerMinute.toFixed(2)} CPU s/min, RSS ${f.rssMiB.toFixed(0)} MiB`);
}
