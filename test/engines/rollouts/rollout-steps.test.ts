// The rollout step on a real database with a stand-in lifecycle (no claws): a step cut off after claiming or after moving
// a claw is finished without moving it twice; a pause that lands before the claim wins; failures roll back a publish
// once (and stop a rollback); the plan's waves and the gate's verdicts.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { judge } from '../../../src/engines/rollouts/rollout-health.js';
import { assignWaves, parseCanary, parseCount, type WaveCandidate } from '../../../src/engines/rollouts/rollout-plan.js';
import { RolloutSteps } from '../../../src/engines/rollouts/rollout-steps.js';
import { openStore, type Store } from '../../../src/store/data-source.js';
import { InstanceEntity, type Instance } from '../../../src/store/entities/instance.js';
import { RolloutTargetEntity, type RolloutTarget } from '../../../src/store/entities/rollout-target.js';
import { RolloutEntity, type Rollout } from '../../../src/store/entities/rollout.js';
import { silentLogger } from '../../../src/util/logger.js';
import { createTestDatabase, type TestDatabase } from '../../support/databases.js';

describe('rollout steps', () => {
  let db: TestDatabase;
  let store: Store;
  let now = new Date('2026-01-01T00:00:00Z');
  const moves: Array<{ id: string; config: number }> = [];
  let beforeGet: (() => Promise<void>) | undefined;
  let steps: RolloutSteps;

  const instances = () => store.dataSource.getRepository(InstanceEntity);
  const rollouts = () => store.dataSource.getRepository(RolloutEntity);
  const targets = () => store.dataSource.getRepository(RolloutTargetEntity);

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    store = await openStore(db.settings);
    steps = new RolloutSteps({
      db: store.dataSource, logger: silentLogger, now: () => now,
      lifecycle: {
        get: async (id) => {
          await beforeGet?.();
          return instances().findOneBy({ id });
        },
        applyConfig: async (instance, at) => {
          moves.push({ id: instance.id, config: at.config });
          const fresh = await instances().findOneByOrFail({ id: instance.id });
          const change = { configVersion: at.config, valuesVersion: at.values, generation: fresh.generation + 1 };
          await instances().update({ id: instance.id }, change);
          return { ...fresh, ...change };
        },
      },
    });
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });
  beforeEach(() => {
    moves.length = 0;
    beforeGet = undefined;
    now = new Date(now.getTime() + 3_600_000);
  });

  let seq = 0;
  async function claw(overrides: Partial<Instance> = {}): Promise<Instance> {
    const id = `i-${++seq}`;
    const row: Instance = {
      id, tenantId: 't', projectId: 'p', name: `n${seq}`, nameKey: `p/n${seq}`, type: 'openclaw', version: '1', template: 'default', configVersion: 1, valuesVersion: 1,
      labels: {}, cpu: '1', memory: '1Gi', storage: '1Gi', desiredPhase: 'Running', generation: 5, restartGeneration: 0, stopForce: false, keepData: false, gatewayToken: 'x',
      phase: 'Running', ready: true, restarts: 0, reason: null, message: null, node: null, endpoint: null, startedAt: new Date(now.getTime() - 60_000), lastTransitionAt: now,
      observedGeneration: 5, reconciledGeneration: 5, observedRestartGeneration: 0, troubleSince: null, createdAt: now, createdBy: 't', updatedAt: now, destroyedAt: null,
      ...overrides,
    };
    await instances().insert(row);
    return row;
  }
  async function rollout(kind: 'publish' | 'rollback', claws: Array<{ instance: Instance; wave: number; target?: Partial<RolloutTarget> }>, over: Partial<Rollout> = {}): Promise<number> {
    const inserted = await rollouts().insert({
      tenantId: 't', projectId: null, kind, configVersion: 2, valuesVersion: 2, undoes: null, selection: '--all', state: 'Progressing', wave: Math.min(...claws.map((c) => c.wave)),
      waves: Math.max(...claws.map((c) => c.wave)), message: null, detail: null, createdBy: 'alice', chat: null, createdAt: now, updatedAt: now, finishedAt: null,
      strategy: { canary: null, maxUnavailable: '1', autoPromoteMs: 1000, healthTimeoutMs: 60_000 }, ...over,
    });
    const id = Number(inserted.identifiers[0]!.id);
    for (const c of claws) {
      await targets().insert({
        rolloutId: id, instanceId: c.instance.id, activeKey: c.instance.id, instanceName: c.instance.name, projectName: 'p', wave: c.wave, fromConfig: 1, fromValues: 1,
        toConfig: 2, toValues: 2, expected: 'restart', effect: null, state: 'pending', generation: null, restartsBefore: null, startedBefore: null, appliedAt: null,
        finishedAt: null, message: null, ...c.target,
      });
    }
    return id;
  }
  const targetsOf = (id: number) => targets().find({ where: { rolloutId: id }, order: { id: 'ASC' } });
  /** The reconciler's part: the claw runs its new generation, restarted. */
  const converge = (i: Instance) => instances().findOneByOrFail({ id: i.id }).then((x) => instances().update({ id: i.id }, { observedGeneration: x.generation, reconciledGeneration: x.generation, startedAt: now }));

  it('finishes a move cut off after the claw was moved, without moving it again', async () => {
    const a = await claw({ configVersion: 2, valuesVersion: 2, generation: 6 });
    const id = await rollout('publish', [{ instance: a, wave: 1, target: { state: 'applying', appliedAt: now, restartsBefore: 0 } }]);
    await steps.step(id);
    expect(moves).toEqual([]);
    expect((await targetsOf(id))[0]).toMatchObject({ state: 'applying', generation: 6 });
    await converge(a);
    await steps.step(id);
    expect((await rollouts().findOneByOrFail({ id })).state).toBe('Completed');
    expect((await targetsOf(id))[0]).toMatchObject({ state: 'healthy', effect: 'restarted', activeKey: null });
  });

  it('finishes a move cut off after the claim, once', async () => {
    const a = await claw();
    const id = await rollout('publish', [{ instance: a, wave: 1, target: { state: 'applying', appliedAt: now, restartsBefore: 0 } }]);
    await steps.step(id);
    await steps.step(id);
    expect(moves).toEqual([{ id: a.id, config: 2 }]);
    expect((await targetsOf(id))[0]!.generation).toBe(6);
  });

  it('lets a pause that lands before the claim win: nothing moves', async () => {
    const a = await claw();
    const id = await rollout('publish', [{ instance: a, wave: 1 }]);
    beforeGet = async () => {
      await rollouts().update({ id }, { state: 'Paused' });
    };
    await steps.step(id);
    expect(moves).toEqual([]);
    expect((await targetsOf(id))[0]!.state).toBe('pending');
  });

  it('moves a wave only once the one before it passed the gate, and waits for auto-promotion', async () => {
    const [a, b] = [await claw(), await claw()];
    const id = await rollout('publish', [{ instance: a, wave: 0 }, { instance: b, wave: 1 }]);
    await steps.step(id);
    expect(moves.map((m) => m.id)).toEqual([a.id]);
    await steps.step(id);
    expect(moves).toHaveLength(1);
    await converge(a);
    await steps.step(id);
    expect((await targetsOf(id))[0]!.state).toBe('healthy');
    await steps.step(id);
    expect(moves).toHaveLength(1);
    now = new Date(now.getTime() + 1500);
    await steps.step(id);
    expect((await rollouts().findOneByOrFail({ id })).wave).toBe(1);
    await steps.step(id);
    expect(moves.map((m) => m.id)).toEqual([a.id, b.id]);
  });

  it('rolls a publish back when a claw crash-loops, moving each claw it moved back once', async () => {
    const [a, b, c] = [await claw(), await claw(), await claw()];
    const id = await rollout('publish', [{ instance: a, wave: 1 }, { instance: b, wave: 1 }, { instance: c, wave: 2 }]);
    await steps.step(id);
    await converge(a);
    await instances().update({ id: b.id }, { restarts: 2 });
    await steps.step(id);
    const r = await rollouts().findOneByOrFail({ id });
    expect(r.state).toBe('RolledBack');
    expect(r.detail!.en).toBe(`wave 1 failed: ${b.name} (crash loop: restarted 2 times since the change); 2 claw(s) moved back to their previous config`);
    expect(moves).toEqual([{ id: a.id, config: 2 }, { id: b.id, config: 2 }, { id: a.id, config: 1 }, { id: b.id, config: 1 }]);
    expect((await targetsOf(id)).map((t) => t.state)).toEqual(['rolled-back', 'failed', 'pending']);
    await steps.step(id);
    expect(moves).toHaveLength(4);
  });

  it('stops a rollback that fails where it is, moving nothing back', async () => {
    const a = await claw();
    const id = await rollout('rollback', [{ instance: a, wave: 1 }], { strategy: { canary: null, maxUnavailable: '1', autoPromoteMs: null, healthTimeoutMs: 1000 } });
    await steps.step(id);
    now = new Date(now.getTime() + 2000);
    await steps.step(id);
    expect((await rollouts().findOneByOrFail({ id })).state).toBe('Failed');
    expect(moves).toEqual([{ id: a.id, config: 2 }]);
  });
});

describe('rollout plan and gate', () => {
  const c = (name: string, healthy = true): WaveCandidate => ({ key: name, name, path: `p/${name}`, healthy });

  it('reads --canary and --max-unavailable as counts, shares or names', () => {
    expect(parseCanary('2')).toEqual({ count: 2 });
    expect(parseCanary('10%')).toEqual({ percent: 10 });
    expect(parseCanary('demo,demo2')).toEqual({ names: ['demo', 'demo2'] });
    expect(parseCanary('web/demo')).toEqual({ names: ['web/demo'] });
    expect(parseCanary('0%')).toBeNull();
    expect(parseCanary('Demo!')).toBeNull();
    expect(parseCount('101%')).toBeNull();
    expect(parseCount('0')).toBeNull();
  });

  it('puts healthy claws in the canary first, then waves of max-unavailable', () => {
    const waves = assignWaves([c('a', false), c('b'), c('c'), c('d'), c('e')], { count: 2 }, { percent: 40 });
    expect(Object.fromEntries(waves)).toEqual({ b: 0, c: 0, a: 1, d: 1, e: 2 });
    expect(Object.fromEntries(assignWaves([c('a'), c('b'), c('c')], { percent: 10 }, { count: 5 }))).toEqual({ a: 0, b: 1, c: 1 });
    expect(Object.fromEntries(assignWaves([c('a'), c('b')], null, { percent: 1 }))).toEqual({ a: 1, b: 2 });
    expect(Object.fromEntries(assignWaves([c('a'), c('b')], { names: ['p/b'] }, { percent: 100 }))).toEqual({ b: 0, a: 1 });
    expect(() => assignWaves([c('a')], { names: ['zed'] }, { count: 1 })).toThrow(/zed is not among the claws/);
  });

  it('judges a moved claw by its generation, phase, readiness, restarts and the timeout', () => {
    const at = new Date('2026-01-01T00:00:00Z');
    const moved = { generation: 7, restartsBefore: 3, startedBefore: at, appliedAt: at, expected: 'reload' };
    const seen = { desiredPhase: 'Running' as const, phase: 'Running' as const, ready: true, restarts: 3, reason: null, message: null, observedGeneration: 7, reconciledGeneration: 7, startedAt: at };
    const later = new Date(at.getTime() + 1000);
    expect(judge(moved, seen, later, 5000)).toEqual({ state: 'healthy', effect: 'reloaded', message: null });
    expect(judge(moved, { ...seen, startedAt: later }, later, 5000)).toMatchObject({ effect: 'restarted' });
    expect(judge(moved, { ...seen, observedGeneration: 6 }, later, 5000)).toBeNull();
    expect(judge(moved, { ...seen, observedGeneration: 6 }, new Date(at.getTime() + 5000), 5000)).toMatchObject({ state: 'failed', message: expect.stringMatching(/^not healthy within 5s/) });
    // Failed from before the move (the reconciler has not acted on the new generation yet) is no verdict.
    expect(judge(moved, { ...seen, phase: 'Failed', reason: 'CrashLoopBackOff', observedGeneration: 6, reconciledGeneration: 6 }, later, 5000)).toBeNull();
    expect(judge(moved, { ...seen, phase: 'Failed', reason: 'CrashLoopBackOff' }, later, 5000)).toMatchObject({ state: 'failed', message: 'failed: Failed (CrashLoopBackOff)' });
    // A new workload counts restarts from zero again.
    expect(judge(moved, { ...seen, restarts: 2, observedGeneration: 6 }, later, 5000)).toMatchObject({ state: 'failed', message: expect.stringContaining('crash loop') });
    expect(judge(moved, { ...seen, desiredPhase: 'Stopped', phase: 'Stopped', ready: false }, later, 5000)).toMatchObject({ state: 'healthy', effect: null });
    expect(judge(moved, { ...seen, desiredPhase: 'Destroyed' }, later, 5000)).toMatchObject({ state: 'skipped' });
  });
});
