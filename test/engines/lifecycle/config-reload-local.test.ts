// Config changes on the local runtime with the fake claw (which answers config.get like an OpenClaw gateway whose
// watcher applies at once): a hot change rewrites the file and keeps the process (ConfigReloaded, asked once), a
// restart change starts a new process, steady passes ask nothing, and drift is found, alerted on and repaired.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../../src/config/settings.js';
import { instanceDirs } from '../../../src/runtime/local/instance-dirs.js';
import { readRuntimeRecord } from '../../../src/runtime/local/runtime-file.js';
import { InstanceEventEntity } from '../../../src/store/entities/instance-event.js';
import { InstanceEntity, type Instance } from '../../../src/store/entities/instance.js';
import { ProjectEntity } from '../../../src/store/entities/project.js';
import { TenantEntity } from '../../../src/store/entities/tenant.js';
import { AlertEntity } from '../../../src/store/entities/alert.js';
import { startTestControlPlane, type CommandAnswer, type TestControlPlane } from '../../support/test-control-plane.js';
import { stubOpenClawAdapter } from '../../support/stub-openclaw-adapter.js';

describe('config changes on the local runtime (fake claw)', () => {
  let t: TestControlPlane;
  const must = async (text: string): Promise<CommandAnswer> => {
    const r = await t.command(t.adminToken, text);
    if (!r.body.ok) throw new Error(`${text}: ${r.body.text}`);
    return r.body;
  };
  const row = () => t.plane.store.dataSource.getRepository(InstanceEntity).findOneByOrFail({ name: 'hot' });
  const dirsOf = async (i: Instance) => {
    const db = t.plane.store.dataSource;
    const tenant = await db.getRepository(TenantEntity).findOneByOrFail({ id: i.tenantId });
    const project = await db.getRepository(ProjectEntity).findOneByOrFail({ id: i.projectId });
    return instanceDirs(join(t.dataDir, 'instances'), { tenant: tenant.name, project: project.name, name: i.name });
  };
  const pid = async () => (await readRuntimeRecord((await dirsOf(await row())).runtimeFile))?.process?.pid;
  const rpcCalls = async () => {
    const dirs = await dirsOf(await row());
    const lines = [dirs.logFile, dirs.previousLogFile].flatMap((f) => { try { return readFileSync(f, 'utf8').split('\n'); } catch { return []; } });
    return lines.filter((l) => l.endsWith('rpc config.get')).length;
  };
  const events = async (reason: string) => (await t.plane.store.dataSource.getRepository(InstanceEventEntity).findBy({ instanceId: (await row()).id, reason })).length;
  const until = async (what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await ok())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  /** A few full reconcile passes over everything, waited for. */
  const resync = async (times: number) => {
    const { id } = await row();
    for (let i = 0; i < times; i++) {
      const passed = new Promise<void>((resolve) => {
        const off = t.plane.controller.onResult((r) => {
          if (r.instanceId !== id) return;
          off();
          resolve();
        });
      });
      await t.plane.controller.resync();
      await passed;
    }
  };

  beforeAll(async () => {
    const alerts = loadSettings({ env: {} }).alerts;
    t = await startTestControlPlane({
      adapters: [stubOpenClawAdapter],
      // Only what the test triggers reconciles: a resync would repair the drift before the test looks at it.
      settings: { reconciler: { workers: 2, resyncMs: 600_000 }, alerts: { ...alerts, intervalMs: 600_000, groupWaitMs: 0, resolveDelayMs: 0 } },
    });
    await must('claw tenant policy default --approvals 0');
    await must('claw create hot --wait --timeout 60s');
  }, 120_000);
  afterAll(async () => {
    await t?.command(t.adminToken, 'claw destroy hot --wait --timeout 60s').catch(() => undefined);
    await t?.close();
  });

  it('applies a hot change in place: same process, the claw asked once, ConfigReloaded; steady passes ask nothing', async () => {
    const before = await row();
    const firstPid = await pid();
    expect(firstPid).toBeGreaterThan(0);
    expect(before.configHash).toMatch(/^[0-9a-f]{64}$/);
    // Started with these files: recorded without asking the claw.
    expect(await rpcCalls()).toBe(0);

    await must('claw update hot --set agent.name=Renamed --wait --timeout 60s');
    const after = await row();
    expect(await pid()).toBe(firstPid);
    expect(after.restarts).toBe(0);
    expect(after.startedAt?.getTime()).toBe(before.startedAt?.getTime());
    expect(after.configHash).not.toBe(before.configHash);
    expect(after.observedGeneration).toBe(after.generation);
    const file = readFileSync(join((await dirsOf(after)).generated, 'openclaw.json'), 'utf8');
    expect(JSON.parse(file).agents.entries.main.name).toBe('Renamed');
    expect(await events('ConfigReloaded')).toBe(1);
    expect(await rpcCalls()).toBe(1);

    await resync(3);
    expect(await rpcCalls()).toBe(1);
    expect(await events('ConfigReloaded')).toBe(1);
  }, 90_000);

  it('restarts for a change the claw cannot apply in place (a new secret in its environment)', async () => {
    const firstPid = await pid();
    const calls = await rpcCalls();
    await must('claw update hot --set model.apiKey=sk-test-restart --wait --timeout 60s');
    expect(await pid()).not.toBe(firstPid);
    const after = await row();
    expect(after.phase).toBe('Running');
    expect(await events('ConfigReloaded')).toBe(1);
    // The new process read its files at start: nobody asked it.
    expect(await rpcCalls()).toBe(calls);
    expect(JSON.parse(readFileSync(join((await dirsOf(after)).generated, 'openclaw.json'), 'utf8')).models.providers['corp-llm'].apiKey)
      .toEqual({ source: 'env', provider: 'default', id: 'CLAW_MODEL_API_KEY' });
  }, 90_000);

  it('finds drift behind the control plane\'s back, alerts on it, and a reconcile repairs it', async () => {
    const dirs = await dirsOf(await row());
    const path = join(dirs.generated, 'openclaw.json');
    const desired = readFileSync(path, 'utf8');
    const edited = JSON.parse(desired) as Record<string, any>;
    edited.agents.entries.main.name = 'Tampered';
    edited.logging.level = 'debug';
    writeFileSync(`${path}.tmp`, JSON.stringify(edited, null, 2));
    renameSync(`${path}.tmp`, path);

    const check = await must('claw config check');
    const result = check.result as { checked: number; drifted: number; claws: Array<{ instance: string; state: string; paths: string[]; source: string }> };
    expect(result).toMatchObject({ checked: 1, drifted: 1 });
    expect(result.claws[0]).toMatchObject({ instance: 'hot', state: 'drifted', source: 'claw', paths: ['agents.entries.main.name', 'logging.level'] });
    expect(check.text).toContain('agents.entries.main.name');
    expect(check.text).not.toContain('Tampered');

    await t.plane.engines.alerts.evaluate();
    const alerts = () => t.plane.store.dataSource.getRepository(AlertEntity).findBy({ rule: 'config-drift' });
    expect((await alerts()).map((a) => a.state)).toEqual(['firing']);
    expect((await must('claw alerts --rule config-drift')).text).toContain('hot');

    t.plane.controller.enqueue((await row()).id);
    await until('the reconcile to rewrite the file', () => readFileSync(path, 'utf8') === desired);
    expect((await must('claw config check hot')).result).toMatchObject({ checked: 1, drifted: 0 });
    await t.plane.engines.alerts.evaluate();
    expect((await alerts()).map((a) => a.state)).toEqual(['resolved']);
  }, 60_000);
});
