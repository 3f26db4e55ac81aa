// The local acceptance through commands: on `npm start` defaults (SQLite, local runtime), `claw create demo`
// brings up a real OpenClaw gateway; status shows it Running and ready; stop, start, restart and destroy work.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_CACHE_DIR } from '../../support/openclaw-cli.js';
import { startTestControlPlane, type CommandAnswer, type TestControlPlane } from '../../support/test-control-plane.js';

/** Install (cold: about a minute; CI prebuilds the cache) plus boot (10-30 s on 2 busy cores). */
const WAIT = '15m';

describe('claw create demo on the embedded defaults', () => {
  let t: TestControlPlane;
  const must = async (text: string): Promise<CommandAnswer> => {
    const r = await t.command(t.adminToken, text);
    if (!r.body.ok) throw new Error(`${text}: ${r.body.text}`);
    return r.body;
  };

  beforeAll(async () => {
    // Only the npm cache is shared with other tests, so the install is paid once per machine.
    t = await startTestControlPlane({ settings: { cacheDir: TEST_CACHE_DIR } });
    // Lifecycle without approvals here; test/engines/approvals covers destroy waiting for someone else.
    await must('claw tenant policy default --approvals 0');
  });
  afterAll(async () => {
    await t?.command(t.adminToken, 'claw destroy demo --wait').catch(() => undefined);
    await t?.close();
  });

  it('creates a real gateway that answers on its endpoint', async () => {
    const created = await must(`claw create demo --wait --timeout ${WAIT}`);
    expect(created.text).toBe('demo: Running (ready)');
    const status = await must('claw status demo');
    const instance = (status.result as { instance: { phase: string; ready: boolean; endpoint: string } }).instance;
    expect(instance).toMatchObject({ phase: 'Running', ready: true, endpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) });
    const ready = await fetch(`${instance.endpoint}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true });
    const table = await must('claw status');
    expect(table.text).toMatch(/demo\s+default\s+openclaw\s+2026\.9\.6\s+Running\s+yes/);
    expect((await must('claw logs demo --tail 200')).text).toMatch(/\[gateway\] ready/);
  }, 20 * 60_000);

  it('stops, starts, restarts and destroys it', async () => {
    const endpoint = ((await must('claw status demo')).result as { instance: { endpoint: string } }).instance.endpoint;
    expect((await must('claw stop demo --wait')).text).toBe('demo: Stopped');
    await expect(fetch(`${endpoint}/healthz`)).rejects.toThrow();
    expect((await must(`claw start demo --wait --timeout ${WAIT}`)).text).toBe('demo: Running (ready)');
    expect((await must(`claw restart demo --wait --timeout ${WAIT}`)).text).toBe('demo: Running (ready)');
    const events = (await must('claw events demo')).text;
    expect(events).toMatch(/RestartRequested/);
    expect((await must('claw destroy demo --wait')).text).toBe('demo: Destroyed');
    await expect(fetch(`${endpoint}/healthz`)).rejects.toThrow();
    expect((await t.command(t.adminToken, 'claw status demo')).body.error?.code).toBe('not_found');
  }, 10 * 60_000);
});
