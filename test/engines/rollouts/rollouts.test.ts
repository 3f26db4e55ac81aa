// Rollouts on the local runtime with real fake-claw processes: a good config completes canary first then in waves, a
// config that makes claws fail readiness stops at the canary and rolls back, pause / resume / abort / undo, one active
// rollout per claw, config problems refused before anything moves, and approvals holding a publish over the threshold.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../../src/model/principal.js';
import { InstanceEventEntity } from '../../../src/store/entities/instance-event.js';
import { InstanceEntity, type Instance } from '../../../src/store/entities/instance.js';
import type { RolloutCardData } from '../../../src/engines/rollouts/rollout-engine.js';
import type { RolloutState } from '../../../src/store/entities/rollout.js';
import { renderText } from '../../../src/render/text.js';
import { randomToken } from '../../../src/util/ids.js';
import { databaseKinds } from '../../support/databases.js';
import { startTestControlPlane, type TestControlPlane } from '../../support/test-control-plane.js';
import { waitFor } from '../../runtime/runtime-contract.js';
import { stubOpenClawAdapter } from '../../support/stub-openclaw-adapter.js';
import { rolloutClawAdapter } from './rollout-claw-adapter.js';

const CLAWS = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6'];

describe.each(databaseKinds())('rollouts on %s with fake claws', (kind) => {
  let t: TestControlPlane;
  let admin: Principal;
  const tenant = `ro${randomToken(6).toLowerCase()}`;

  async function run(text: string, as: Principal = admin) {
    const r = await t.run(as, text);
    return r.ok ? { ok: true as const, result: r.result as Record<string, any>, text: renderText(r.view), held: r.held, code: null } : { ok: false as const, result: null, text: r.error.messageIn('en'), held: undefined, code: r.error.code };
  }
  async function must(text: string, as: Principal = admin) {
    const r = await run(text, as);
    if (!r.ok) throw new Error(`${text}: ${r.text}`);
    return r;
  }
  const card = (id: number): Promise<RolloutCardData> => t.plane.engines.rollouts.card(id);
  const until = (id: number, states: RolloutState[], timeoutMs = 90_000) =>
    waitFor(`rollout ${id} to be ${states.join(' or ')}`, () => card(id), (c) => states.includes(c.rollout.state), timeoutMs);
  async function instances(): Promise<Map<string, Instance>> {
    const rows = await t.plane.store.dataSource.getRepository(InstanceEntity).findBy({ tenantId: (await t.plane.engines.tenancy.getTenant(tenant)).id });
    return new Map(rows.filter((r) => r.nameKey).map((r) => [r.name, r]));
  }
  /** How often each claw was moved to `version` (instance events the lifecycle records for every applyConfig). */
  async function movesTo(version: number): Promise<Map<string, number>> {
    const byId = new Map([...(await instances()).values()].map((i) => [i.id, i.name]));
    const events = await t.plane.store.dataSource.getRepository(InstanceEventEntity).findBy({ reason: 'ConfigVersion' });
    const counts = new Map<string, number>();
    for (const e of events) {
      const name = byId.get(e.instanceId);
      if (name && e.message.startsWith(`config v${version} `)) counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    return counts;
  }
  async function allReady(): Promise<void> {
    await waitFor('every claw running and ready', async () => [...(await instances()).values()].map((i) => `${i.name}:${i.phase}:${i.ready}`),
      (v) => v.length === CLAWS.length && v.every((x) => x.endsWith(':Running:true')), 90_000);
  }
  async function setName(value: string): Promise<number> {
    const r = await must(`claw config set agent.name=${value} --tenant ${tenant}`);
    return r.result.version as number;
  }

  beforeAll(async () => {
    t = await startTestControlPlane({ database: kind, adapters: [rolloutClawAdapter] });
    admin = await t.principal(t.adminToken);
    await must(`claw tenant create ${tenant}`);
    await must(`claw project create p --tenant ${tenant}`);
    await must(`claw tenant policy ${tenant} --approvals 0`);
    for (const name of CLAWS) await must(`claw create ${name} --tenant ${tenant} --project p`);
    await allReady();
  }, 180_000);
  afterAll(async () => {
    await run(`claw destroy --all --tenant ${tenant} --wait`).catch(() => undefined);
    await t?.close();
  }, 120_000);

  it('a good config moves the canary first, then the rest in waves behind the health gate, and reports each claw restarted', async () => {
    const version = await setName('Helper');
    const before = await instances();
    const dry = await must(`claw config publish --all --tenant ${tenant} --canary 2 --max-unavailable 2 --dry-run`);
    expect(dry.result.targets).toHaveLength(6);
    expect(dry.text).toContain('would move to v');
    expect((await instances()).get('c1')!.generation).toBe(before.get('c1')!.generation);

    const started = await must(`claw config publish --all --tenant ${tenant} --canary 2 --max-unavailable 2 --auto-promote 1s --health-timeout 60s --message "new name"`);
    const id = started.result.rollout.id as number;
    expect(started.text).toContain(`Rollout ${id}: publish config v${version} (6 claws)`);
    expect(started.text).toContain(`claw rollout pause ${id} --tenant ${tenant} --project p`);
    const done = await until(id, ['Completed', 'RolledBack', 'Failed']);
    expect(done.rollout.state).toBe('Completed');
    const { targets } = done;
    expect(targets.map((x) => x.wave).sort()).toEqual([0, 0, 1, 1, 2, 2]);
    expect(targets.every((x) => x.state === 'healthy' && x.effect === 'restarted')).toBe(true);
    // Each wave moved only once the one before it was healthy.
    for (const later of targets) {
      for (const earlier of targets.filter((x) => x.wave < later.wave)) expect(later.appliedAt!.getTime()).toBeGreaterThanOrEqual(earlier.finishedAt!.getTime());
    }
    const now = await instances();
    for (const name of CLAWS) expect(now.get(name)).toMatchObject({ configVersion: version, valuesVersion: version, phase: 'Running', ready: true });
    expect([...(await movesTo(version)).values()]).toEqual([1, 1, 1, 1, 1, 1]);

    const status = await must(`claw rollout status ${id} --tenant ${tenant}`);
    expect(status.text).toMatch(/c1\s+p\s+canary\s+healthy\s+restarted/);
    expect(status.text).toContain('6 restarted');
    expect((await must(`claw rollout status --tenant ${tenant}`)).text).toMatch(new RegExp(`${id}\\s+${tenant}\\s+publish\\s+v${version}\\s+6\\s+Completed`));
    const again = await must(`claw config publish --all --tenant ${tenant}`);
    expect(again.text).toBe(`Nothing to change: the 6 claw(s) already run v${version}.`);
  }, 180_000);

  it('a config that makes claws fail readiness stops at the canary and moves it back; the other claws never move', async () => {
    const before = await instances();
    const bad = await setName('broken-on-purpose');
    const started = await must(`claw config publish --all --tenant ${tenant} --canary 2 --auto-promote 1s --health-timeout 8s`);
    const id = started.result.rollout.id as number;
    const done = await until(id, ['Completed', 'RolledBack', 'Failed']);
    expect(done.rollout.state).toBe('RolledBack');
    expect(done.rollout.detail!.en).toMatch(/^canary failed: c\d \(not healthy within 8s/);
    const canary = done.targets.filter((x) => x.wave === 0);
    expect(canary.map((x) => x.state)).toEqual(['failed', 'failed']);
    expect(done.targets.filter((x) => x.wave > 0).every((x) => x.state === 'pending' && x.generation === null)).toBe(true);
    const moved = new Set(canary.map((x) => x.instanceName));
    await allReady();
    const after = await instances();
    for (const name of CLAWS) {
      const was = before.get(name)!;
      expect(after.get(name), name).toMatchObject({ configVersion: was.configVersion, valuesVersion: was.valuesVersion });
      // Moved there and back (two generations), or never touched.
      expect(after.get(name)!.generation, name).toBe(was.generation + (moved.has(name) ? 2 : 0));
    }
    expect([...(await movesTo(bad)).keys()].sort()).toEqual([...moved].sort());
    const text = (await must(`claw rollout status ${id} --tenant ${tenant}`)).text;
    expect(text).toMatch(/Canary:\s+failed/);
    expect(text).toContain('2 claw(s) moved back to their previous config');
    // The bad value stays staged; put the good one back for the next tests.
    await setName('Helper');
    await must(`claw config publish --all --tenant ${tenant} --max-unavailable 100%`).then((r) => until(r.result.rollout.id as number, ['Completed']));
  }, 180_000);

  it('pauses, resumes, promotes a waiting canary, aborts where it is, and undoes what an aborted rollout moved', async () => {
    const version = await setName('Second');
    const started = await must(`claw config publish c1 c2 c3 c4 --tenant ${tenant} --canary c3 --max-unavailable 1 --health-timeout 60s`);
    const id = started.result.rollout.id as number;
    const waiting = await until(id, ['AwaitingPromotion']);
    expect(waiting.targets.find((x) => x.instanceName === 'c3')).toMatchObject({ wave: 0, state: 'healthy' });
    expect((await run(`claw rollout pause ${id} --tenant ${tenant}`)).code).toBe('CLAW_ROLLOUT_STATE');

    // Another publish cannot take claws this rollout holds.
    const busy = await run(`claw config publish c4 c5 --tenant ${tenant}`);
    expect(busy.code).toBe('CLAW_ROLLOUT_BUSY');
    expect(busy.text).toContain(`Rollout ${id} (Awaiting promotion) still holds c4`);

    const promoted = await must(`claw rollout resume ${id} --tenant ${tenant}`);
    expect(promoted.result.promoted).toBe(true);
    await waitFor('wave 1 to move', () => card(id), (c) => c.targets.some((x) => x.wave === 1 && x.state !== 'pending'), 30_000);
    expect((await must(`claw rollout pause ${id} --tenant ${tenant}`)).text).toContain(`Rollout ${id} paused`);
    // Paused: claws moving finish and are judged; nothing else moves (however far the driver got before the pause).
    const movedAtPause = (await card(id)).targets.filter((x) => x.state !== 'pending').map((x) => x.instanceName).sort();
    await waitFor('the moved claws to be judged', () => card(id), (c) => c.targets.every((x) => x.state === 'pending' || x.state === 'healthy'), 60_000);
    await new Promise((r) => setTimeout(r, 2500));
    const paused = await card(id);
    expect(paused.rollout.state).toBe('Paused');
    expect(paused.targets.filter((x) => x.state !== 'pending').map((x) => x.instanceName).sort()).toEqual(movedAtPause);

    const aborted = await must(`claw rollout abort ${id} --tenant ${tenant}`);
    const movedNames = movedAtPause;
    expect(aborted.text).toContain(`Rollout ${id} aborted: ${movedNames.length} claw(s) moved keep their new config, ${4 - movedNames.length} were never moved.`);
    expect((await run(`claw rollout resume ${id} --tenant ${tenant}`)).code).toBe('CLAW_ROLLOUT_STATE');
    const now = await instances();
    expect(movedNames.length).toBeGreaterThanOrEqual(2);
    for (const name of movedNames) expect(now.get(name)!.configVersion).toBe(version);

    const undo = await must(`claw config rollback --rollout ${id} --tenant ${tenant}`);
    const undoId = undo.result.rollout.id as number;
    const undone = await until(undoId, ['Completed', 'Failed']);
    expect(undone.rollout).toMatchObject({ state: 'Completed', kind: 'rollback', undoes: id, configVersion: null });
    expect(undone.targets.map((x) => x.instanceName).sort()).toEqual(movedNames);
    const back = await instances();
    for (const name of movedNames) expect(back.get(name)!.configVersion).toBe(paused.targets.find((x) => x.instanceName === name)!.fromConfig);
  }, 180_000);

  it('refuses a config the adapter rejects before anything moves, naming each claw and problem', async () => {
    const before = await instances();
    await must(`claw config set model.id="not valid!" --tenant ${tenant}`);
    const refused = await run(`claw config publish --all --tenant ${tenant}`);
    expect(refused.code).toBe('CLAW_ROLLOUT_CONFIG');
    expect(refused.text).toMatch(/does not work for 6 of the claws, so nothing was published: p\/c1: model\.id: /);
    const after = await instances();
    for (const name of CLAWS) expect(after.get(name)!.generation).toBe(before.get(name)!.generation);
    await must(`claw config unset model.id --tenant ${tenant}`);
  });

  it('rolls back to an older version by number, for the claws named', async () => {
    const c5 = (await instances()).get('c5')!;
    const old = c5.configVersion;
    await setName('Third');
    const published = await must(`claw config publish c5 --tenant ${tenant} --project p`);
    await until(published.result.rollout.id as number, ['Completed']);
    expect((await instances()).get('c5')!.configVersion).toBeGreaterThan(old);
    const back = await must(`claw config rollback --to v${old} c5 --tenant ${tenant} --project p`);
    const done = await until(back.result.rollout.id as number, ['Completed']);
    expect(done.rollout).toMatchObject({ kind: 'rollback', configVersion: old });
    expect((await instances()).get('c5')).toMatchObject({ configVersion: old, valuesVersion: old, phase: 'Running', ready: true });
    expect((await run(`claw config rollback --to v999999 c5 --tenant ${tenant}`)).code).toBe('CLAW_NOT_FOUND');
  }, 120_000);
});

describe('rollouts and approvals', () => {
  let t: TestControlPlane;
  let admin: Principal;
  let ops: Principal;
  let approver: Principal;
  const tenant = `ra${randomToken(6).toLowerCase()}`;

  beforeAll(async () => {
    t = await startTestControlPlane({ adapters: [rolloutClawAdapter] });
    admin = await t.principal(t.adminToken);
    const must = async (text: string) => {
      const r = await t.run(admin, text);
      if (!r.ok) throw new Error(`${text}: ${r.error.message}`);
      return r;
    };
    await must(`claw tenant create ${tenant}`);
    await must(`claw project create p --tenant ${tenant}`);
    await must(`claw tenant policy ${tenant} --approvals 1 --batch-threshold 2`);
    for (const name of ['a1', 'a2', 'a3']) await must(`claw create ${name} --tenant ${tenant} --project p`);
    const member = async (name: string, role: string) => {
      await must(`claw member add ${name} --tenant ${tenant} --role ${role}`);
      const token = await must(`claw token create --member ${name} --tenant ${tenant}`);
      return t.principal((token.result as { token: string }).token);
    };
    ops = await member('olly', 'operator');
    approver = await member('abby', 'approver');
  }, 120_000);
  afterAll(async () => {
    await t.run(admin, `claw tenant policy ${tenant} --approvals 0`);
    await t.run(admin, `claw destroy --all --tenant ${tenant} --wait`);
    await t?.close();
  }, 120_000);

  it('holds a publish over the batch threshold until someone else approves, then runs it as the requester', async () => {
    await t.run(admin, `claw config set agent.name=Approved --tenant ${tenant}`);
    const held = await t.run(ops, `claw config publish --all --tenant ${tenant} --auto-promote 1s --canary 1`);
    expect(held.ok && held.held).toBeTruthy();
    expect(await t.plane.engines.rollouts.list({ tenants: 'all', limit: 10 })).toHaveLength(0);
    // Two claws are not a batch over the threshold of 2.
    const two = await t.run(ops, `claw config publish a1 a2 --tenant ${tenant} --dry-run`);
    expect(two.ok && !two.held).toBe(true);

    const id = held.ok ? held.held!.id : 0;
    const approved = await t.run(approver, `claw approve ${id}`);
    expect(approved.ok, approved.ok ? '' : approved.error.message).toBe(true);
    const [rollout] = await waitFor('the approved publish to start', () => t.plane.engines.rollouts.list({ tenants: 'all', limit: 10 }), (rows) => rows.length === 1, 30_000);
    expect(rollout).toMatchObject({ createdBy: 'olly', targets: 3, kind: 'publish' });
    await waitFor('it to complete', () => t.plane.engines.rollouts.get(rollout!.id), (r) => r.state === 'Completed', 90_000);
  }, 150_000);
});

describe('what each claw did with a rollout', () => {
  let t: TestControlPlane;
  let admin: Principal;
  const tenant = `rl${randomToken(6).toLowerCase()}`;
  const must = async (text: string) => {
    const r = await t.run(admin, text);
    if (!r.ok) throw new Error(`${text}: ${r.error.message}`);
    return r.result as Record<string, any>;
  };

  beforeAll(async () => {
    // The stand-in claw with OpenClaw's hot reload: a change of agent.name rewrites its files in place.
    t = await startTestControlPlane({ adapters: [stubOpenClawAdapter] });
    admin = await t.principal(t.adminToken);
    await must(`claw tenant create ${tenant}`);
    await must(`claw project create p --tenant ${tenant}`);
    await must(`claw tenant policy ${tenant} --approvals 0`);
    for (const name of ['l1', 'l2']) await must(`claw create ${name} --tenant ${tenant} --project p`);
    const tenantRow = await t.plane.engines.tenancy.getTenant(tenant);
    await waitFor('claws ready', async () => (await t.plane.engines.lifecycle.list({ tenant: tenantRow })).filter((v) => v.instance.phase === 'Running' && v.instance.ready).length, (n) => n === 2, 60_000);
  }, 120_000);
  afterAll(async () => {
    await t.run(admin, `claw destroy --all --tenant ${tenant} --wait`).catch(() => undefined);
    await t?.close();
  }, 120_000);

  it('reports a claw that took the change in place as reloaded, and one given a new secret as restarted', async () => {
    await must(`claw config set agent.name=Hot --tenant ${tenant}`);
    const plan = await must(`claw config publish --all --tenant ${tenant} --dry-run`);
    expect(plan.targets.map((x: { expected: string }) => x.expected)).toEqual(['reload', 'reload']);
    const hot = await must(`claw config publish --all --tenant ${tenant}`);
    const reloaded = await waitFor('the reload rollout', () => t.plane.engines.rollouts.card(hot.rollout.id), (c) => c.rollout.state === 'Completed', 60_000);
    expect(reloaded.targets.map((x) => x.effect)).toEqual(['reloaded', 'reloaded']);

    await must(`claw config set model.apiKey=sk-rollout-test-key-123456 --instance l1 --tenant ${tenant}`);
    const cold = await must(`claw config publish l1 --tenant ${tenant} --project p`);
    const restarted = await waitFor('the restart rollout', () => t.plane.engines.rollouts.card(cold.rollout.id), (c) => c.rollout.state === 'Completed', 60_000);
    expect(restarted.targets.map((x) => [x.instanceName, x.expected, x.effect])).toEqual([['l1', 'restart', 'restarted']]);
  }, 120_000);
});
