// A control plane closed in the middle of a rollout, and a new one started on the same database and data dir: the new
// leader goes on where the rollout was, and no claw is moved twice.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../../src/model/principal.js';
import { InstanceEventEntity } from '../../../src/store/entities/instance-event.js';
import { InstanceEntity } from '../../../src/store/entities/instance.js';
import { randomToken } from '../../../src/util/ids.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../support/databases.js';
import { startTestControlPlane, type TestControlPlane } from '../../support/test-control-plane.js';
import { waitFor } from '../../runtime/runtime-contract.js';
import { rolloutClawAdapter } from './rollout-claw-adapter.js';

const CLAWS = ['k1', 'k2', 'k3', 'k4', 'k5', 'k6'];

describe.each(databaseKinds())('a rollout across a control-plane restart on %s', (kind) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'claw-rollout-'));
  const tenant = `rk${randomToken(6).toLowerCase()}`;
  let db: TestDatabase;
  let plane: TestControlPlane | undefined;
  let admin: Principal;

  async function start(): Promise<TestControlPlane> {
    const t = await startTestControlPlane({ database: db, adapters: [rolloutClawAdapter], settings: { dataDir, cacheDir: join(dataDir, 'cache') }, ...(plane ? { adminToken: plane.adminToken } : {}) });
    admin = await t.principal(t.adminToken);
    return t;
  }
  async function must(text: string) {
    const r = await plane!.run(admin, text);
    if (!r.ok) throw new Error(`${text}: ${r.error.message}`);
    return r.result as Record<string, any>;
  }

  afterAll(async () => {
    if (plane) {
      await plane.run(admin, `claw destroy --all --tenant ${tenant} --wait`).catch(() => undefined);
      await plane.close();
    }
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }, 120_000);

  it('goes on where it was, moving every claw exactly once', async () => {
    db = await createTestDatabase(kind);
    plane = await start();
    await must(`claw tenant create ${tenant}`);
    await must(`claw project create p --tenant ${tenant}`);
    await must(`claw tenant policy ${tenant} --approvals 0`);
    for (const name of CLAWS) await must(`claw create ${name} --tenant ${tenant} --project p`);
    const repo = () => plane!.plane.store.dataSource.getRepository(InstanceEntity);
    const tenantId = (await plane.plane.engines.tenancy.getTenant(tenant)).id;
    await waitFor('claws ready', async () => (await repo().findBy({ tenantId })).filter((i) => i.phase === 'Running' && i.ready).length, (n) => n === CLAWS.length, 90_000);

    const version = (await must(`claw config set agent.name=Survivor --tenant ${tenant}`)).version as number;
    const id = (await must(`claw config publish --all --tenant ${tenant} --canary 1 --auto-promote 1s --max-unavailable 1 --health-timeout 60s`)).rollout.id as number;
    const midway = await waitFor('the rollout to be midway', () => plane!.plane.engines.rollouts.card(id), (c) => c.targets.filter((x) => x.state === 'healthy').length >= 2, 90_000);
    expect(midway.rollout.state).toBe('Progressing');
    await plane.close();

    // Whatever the closed one had moved is on record; the new one must not move those again.
    plane = await start();
    const before = await plane.plane.engines.rollouts.card(id);
    const moved = before.targets.filter((x) => x.state !== 'pending');
    expect(moved.length).toBeGreaterThanOrEqual(2);
    expect(moved.length).toBeLessThan(CLAWS.length);
    const done = await waitFor('the rollout to complete under the new leader', () => plane!.plane.engines.rollouts.card(id), (c) => c.rollout.state !== 'Progressing', 120_000);
    expect(done.rollout.state).toBe('Completed');
    expect(done.targets.every((x) => x.state === 'healthy')).toBe(true);
    for (const x of moved) expect(done.targets.find((y) => y.id === x.id)!.generation).toBe(x.generation);

    const events = await plane.plane.store.dataSource.getRepository(InstanceEventEntity).findBy({ reason: 'ConfigVersion' });
    const ids = new Map((await repo().findBy({ tenantId })).map((i) => [i.id, i.name]));
    const moves = events.filter((e) => ids.has(e.instanceId) && e.message.startsWith(`config v${version} `)).map((e) => ids.get(e.instanceId)!).sort();
    expect(moves).toEqual(CLAWS);
    for (const i of await repo().findBy({ tenantId })) expect(i).toMatchObject({ configVersion: version, phase: 'Running', ready: true });
  }, 300_000);
});
