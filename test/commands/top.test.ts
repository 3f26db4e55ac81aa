// claw top and the "In use" line of claw status NAME, on the local runtime with fake claws (stand-ins for OpenClaw).
import { afterAll, describe, expect, it } from 'vitest';
import { stubOpenClawAdapter } from '../support/stub-openclaw-adapter.js';
import { useControlPlane } from './fixture.js';

describe('claw top', () => {
  const c = useControlPlane({ adapters: [stubOpenClawAdapter] });
  // Closing a control plane leaves claws running for the next one to adopt; a test must not leave them behind.
  afterAll(async () => {
    await c.run('claw destroy --all --wait');
  });

  it('says there is nothing to measure before any claw runs', async () => {
    const r = await c.must('claw top');
    expect(r.text).toContain('No running instances to measure.');
    expect(r.result).toMatchObject({ available: true, instances: [], running: 0 });
  });

  it('lists running claws with CPU and memory in use against their limits, and status NAME shows the same', async () => {
    await c.must('claw tenant policy default --approvals 0');
    await c.must('claw create alpha --wait --timeout 60s');
    await c.must('claw create beta --memory 512Mi --wait --timeout 60s');
    const r = await c.must('claw top');
    expect(r.result.running).toBe(2);
    const rows = r.result.instances as Array<{ name: string; memoryBytes: number; cpuMillicores: number; memoryLimit: string }>;
    expect(rows.map((x) => x.name).sort()).toEqual(['alpha', 'beta']);
    for (const row of rows) expect(row.memoryBytes).toBeGreaterThan(10 * 1024 ** 2);
    expect(rows.find((x) => x.name === 'beta')!.memoryLimit).toBe('512Mi');
    // "23.4Mi / 512Mi (5%)": used, the limit and the share.
    expect(r.text).toMatch(/beta\s+default\s+\S+ \/ 500m \(\d+%\)\s+[\d.]+Mi \/ 512Mi \(\d+%\)/);
    expect((await c.must('claw top --limit 1')).result.instances).toHaveLength(1);
    expect((await c.run('claw top --limit 0')).text).toContain('--limit');

    const detail = await c.must('claw status beta');
    expect(detail.text).toMatch(/In use:\s+cpu \S+ \/ 500m \(\d+%\), memory [\d.]+Mi \/ 512Mi \(\d+%\)/);
    expect(detail.result.usage.memoryBytes).toBeGreaterThan(10 * 1024 ** 2);
    const zh = await c.run('claw top', undefined, 'zh');
    expect(zh.text).toContain('内存（已用 / 上限）');
  }, 120_000);
});
