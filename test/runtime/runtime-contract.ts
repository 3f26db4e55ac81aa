// The contract every Runtime passes: the Kubernetes runtime against the real test cluster, the local one with real processes.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Observation, Runtime, RuntimeTarget } from '../../src/runtime/runtime.js';
import type { InstanceRef, WorkloadSpec } from '../../src/runtime/workload.js';
import { TEST_LAYOUT } from '../support/test-layout.js';

export interface ContractHarness {
  runtime: Runtime;
  /** A second runtime instance on the same backend (another replica), for leader election. */
  replica(): Promise<Runtime>;
  /** A spec for a small test workload that serves /healthz and /readyz on target.port and logs a few lines. */
  specFor(ref: InstanceRef, target: RuntimeTarget, variant: { restartGeneration?: number; configText?: string }): WorkloadSpec;
  /** How long a workload may take to become ready here. */
  readyTimeoutMs: number;
  close(): Promise<void>;
}

export async function waitFor<T>(what: string, probe: () => Promise<T>, ok: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await probe();
    if (ok(last)) return last;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function describeRuntimeContract(name: string, setup: () => Promise<ContractHarness>): void {
  describe(`${name} runtime contract`, () => {
    let h: ContractHarness;
    const tenant = `ct${randomUUID().slice(0, 6)}`;
    const ref = (instance: string): InstanceRef => ({ id: randomUUID(), tenant, project: 'p1', name: instance });
    const observe = (r: InstanceRef) => h.runtime.observe(r);
    const until = (r: InstanceRef, what: string, ok: (o: Observation) => boolean) => waitFor(what, () => observe(r), ok, h.readyTimeoutMs);
    const quota = { instances: 20, cpu: '20', memory: '40Gi', storage: '200Gi' };

    beforeAll(async () => {
      h = await setup();
      await h.runtime.ensureTenant(tenant, quota);
    });
    afterAll(async () => h?.close());

    it('gives an instance a stable target and its tenant an idempotent space', async () => {
      const r = ref('stable');
      const a = await h.runtime.target(r, TEST_LAYOUT);
      const b = await h.runtime.target(r, TEST_LAYOUT);
      expect(b).toEqual(a);
      expect(a.port).toBeGreaterThan(0);
      await h.runtime.ensureTenant(tenant, quota);
      await h.runtime.ensureTenant(tenant, { ...quota, instances: 21 });
      await h.runtime.destroy(r, { keepData: false });
    });

    it('runs a workload to ready, reports it, and applies idempotently', async () => {
      const r = ref('run');
      expect((await observe(r)).state).toBe('absent');
      const spec = h.specFor(r, await h.runtime.target(r, TEST_LAYOUT), {});
      await h.runtime.apply(spec);
      const running = await until(r, 'running and ready', (o) => o.state === 'running' && o.ready);
      expect(running).toMatchObject({ resourcesPresent: true, dataPresent: true, specHash: spec.specHash, restartGeneration: 0 });
      expect(running.endpoint).toMatch(/^http:\/\//);
      expect(running.startedAt).toBeInstanceOf(Date);
      await h.runtime.apply(spec);
      const again = await observe(r);
      expect(again.startedAt?.getTime()).toBe(running.startedAt?.getTime());
      expect(again.state).toBe('running');
      await h.runtime.destroy(r, { keepData: false });
    });

    it('replaces the workload for a new restart generation or a changed spec', async () => {
      const r = ref('replace');
      const target = await h.runtime.target(r, TEST_LAYOUT);
      await h.runtime.apply(h.specFor(r, target, {}));
      const first = await until(r, 'first run ready', (o) => o.state === 'running' && o.ready);
      await h.runtime.apply(h.specFor(r, target, { restartGeneration: 1 }));
      const second = await until(r, 'restarted', (o) => o.restartGeneration === 1 && o.state === 'running' && o.ready);
      expect(second.startedAt!.getTime()).toBeGreaterThanOrEqual(first.startedAt!.getTime());
      const changed = h.specFor(r, target, { restartGeneration: 1, configText: 'changed' });
      expect(changed.specHash).not.toBe(second.specHash);
      await h.runtime.apply(changed);
      await until(r, 'replaced after a config change', (o) => o.specHash === changed.specHash && o.state === 'running' && o.ready);
      await h.runtime.destroy(r, { keepData: false });
    });

    it('stops gracefully or by force, keeping data, and starts again', async () => {
      const r = ref('stop');
      const spec = h.specFor(r, await h.runtime.target(r, TEST_LAYOUT), {});
      await h.runtime.apply(spec);
      await until(r, 'ready', (o) => o.state === 'running' && o.ready);
      await h.runtime.stop(r, { force: false, graceSeconds: 5 });
      const stopped = await until(r, 'stopped', (o) => o.state === 'absent');
      expect(stopped).toMatchObject({ resourcesPresent: true, dataPresent: true, ready: false });
      await h.runtime.stop(r, { force: false, graceSeconds: 5 });
      await h.runtime.apply(spec);
      await until(r, 'ready again', (o) => o.state === 'running' && o.ready);
      await h.runtime.stop(r, { force: true, graceSeconds: 0 });
      expect((await until(r, 'killed', (o) => o.state === 'absent')).dataPresent).toBe(true);
      await h.runtime.destroy(r, { keepData: false });
    });

    it('destroys everything, or everything but the data', async () => {
      const keep = ref('keep');
      await h.runtime.apply(h.specFor(keep, await h.runtime.target(keep, TEST_LAYOUT), {}));
      await until(keep, 'ready', (o) => o.state === 'running' && o.ready);
      await h.runtime.destroy(keep, { keepData: true });
      const kept = await until(keep, 'destroyed but data', (o) => o.state === 'absent' && !o.resourcesPresent);
      expect(kept.dataPresent).toBe(true);

      const gone = ref('gone');
      await h.runtime.apply(h.specFor(gone, await h.runtime.target(gone, TEST_LAYOUT), {}));
      await until(gone, 'ready', (o) => o.state === 'running' && o.ready);
      await h.runtime.destroy(gone, { keepData: false });
      expect(await until(gone, 'nothing left', (o) => o.state === 'absent' && !o.resourcesPresent && !o.dataPresent)).toMatchObject({ ready: false });
      // Destroying what is gone is a no-op, not an error.
      await h.runtime.destroy(gone, { keepData: false });
      await h.runtime.stop(gone, { force: true, graceSeconds: 0 });
      await h.runtime.destroy(keep, { keepData: false });
    });

    it('serves logs and events of the workload', async () => {
      const r = ref('logs');
      await h.runtime.apply(h.specFor(r, await h.runtime.target(r, TEST_LAYOUT), {}));
      await until(r, 'ready', (o) => o.state === 'running' && o.ready);
      const lines = await waitFor('log lines', () => h.runtime.logs(r, {}), (l) => l.length >= 2, h.readyTimeoutMs);
      expect((await h.runtime.logs(r, { tail: 1 })).length).toBe(1);
      expect(lines.length).toBeGreaterThanOrEqual(2);
      const events = await waitFor('events', () => h.runtime.events(r), (e) => e.length > 0, h.readyTimeoutMs);
      expect(events[0]).toMatchObject({ type: expect.stringMatching(/^(Normal|Warning)$/), reason: expect.any(String) });
      await h.runtime.destroy(r, { keepData: false });
    });

    it('notifies watchers about changes of an instance', async () => {
      const r = ref('watch');
      const seen = new Set<string>();
      const controller = new AbortController();
      h.runtime.watch((id) => seen.add(id), controller.signal);
      try {
        await h.runtime.apply(h.specFor(r, await h.runtime.target(r, TEST_LAYOUT), {}));
        await waitFor('a watch notification', async () => seen.has(r.id), Boolean, h.readyTimeoutMs);
      } finally {
        controller.abort();
        await h.runtime.destroy(r, { keepData: false });
      }
    });

    it('elects exactly one leader among replicas, and another when it leaves', async () => {
      const other = await h.replica();
      // A lease far longer than a release-based handover takes, so "before it would expire" keeps a wide margin on a busy
      // machine: without the release the other replica would wait out the 15 s.
      const timing = { durationMs: 15_000, renewMs: 500 };
      const a = h.runtime.leaderElector('replica-a', timing);
      const b = other.leaderElector('replica-b', timing);
      const stopA = new AbortController();
      const stopB = new AbortController();
      a.start(stopA.signal);
      b.start(stopB.signal);
      try {
        await waitFor('a leader', async () => [a.isLeader(), b.isLeader()], (l) => l.filter(Boolean).length === 1, 20_000);
        const [first, second] = a.isLeader() ? [a, b] : [b, a];
        // The other replica learns who leads on its next attempt (its first one may still have been in flight).
        await waitFor('the follower to know the leader', async () => second.holder(), (h) => h === (first === a ? 'replica-a' : 'replica-b'), 10_000);
        expect(second.isLeader()).toBe(false);
        (first === a ? stopA : stopB).abort();
        // The leaving leader releases its lease, so the other takes over well before the lease would expire.
        await waitFor('the other replica to take over', async () => second.isLeader(), Boolean, 10_000);
        expect(first.isLeader()).toBe(false);
      } finally {
        stopA.abort();
        stopB.abort();
        await other.close();
      }
    });

    it('tells every listener of leadership even when one of them throws', async () => {
      const elector = h.runtime.leaderElector('replica-solo', { durationMs: 3000, renewMs: 500 });
      const heard: boolean[] = [];
      elector.onChange(() => {
        throw new Error('a broken listener');
      });
      elector.onChange((leader) => heard.push(leader));
      const stop = new AbortController();
      elector.start(stop.signal);
      try {
        await waitFor('the second listener to hear of leadership', async () => [...heard], (l) => l.includes(true), 20_000);
        expect(elector.isLeader()).toBe(true);
      } finally {
        stop.abort();
      }
      await waitFor('the second listener to hear of stepping down', async () => [...heard], (l) => l.at(-1) === false, 5000);
      expect(heard).toEqual([true, false]);
    });
  });
}
