// The rules over facts, without a database: each kind fires on its condition and not otherwise, inhibition keeps a
// Failed or OOMKilled claw to one alert, fingerprints are stable, and silences match on labels and severity.
import { describe, expect, it } from 'vitest';
import { evaluate, fingerprintOf, inhibit, silenceMatches, type InstanceFacts, type Snapshot } from '../../../src/engines/alerts/alert-conditions.js';
import { loadAlertRules } from '../../../src/engines/alerts/alert-rules.js';
import { RestartHistory } from '../../../src/engines/alerts/restart-history.js';

const rules = loadAlertRules();
const now = new Date('2026-11-21T10:00:00Z');
const ago = (ms: number) => new Date(now.getTime() - ms);

function claw(over: Partial<InstanceFacts> = {}): InstanceFacts {
  return {
    id: 'i1', tenantId: 't1', projectId: 'p1', tenant: 'acme', project: 'sales', name: 'demo', phase: 'Running', ready: true, restarts: 0,
    reason: null, message: null, troubleSince: null, lastTransitionAt: ago(3_600_000), cpuLimit: 0.5, memoryLimit: 2 * 1024 ** 3, ...over,
  };
}

function snapshot(over: Partial<Snapshot> = {}): Snapshot {
  return {
    now, instances: [claw()], restartsWithin: () => 0, oomKilledWithin: () => null, samples: new Map(), channels: [], outbox: null, budgets: [], usage: [], ...over,
  };
}

const fired = (s: Snapshot) => inhibit(evaluate(rules, s), rules.inhibit).active.map((c) => c.rule).sort();

describe('alert conditions', () => {
  it('a healthy claw raises nothing', () => {
    expect(evaluate(rules, snapshot())).toEqual([]);
  });

  it('a crash-looping claw is one crash-loop alert, not also Failed or not ready', () => {
    const s = snapshot({ instances: [claw({ phase: 'Failed', ready: false, reason: 'CrashLoopBackOff', restarts: 6, troubleSince: ago(600_000) })], restartsWithin: () => 6 });
    expect(evaluate(rules, s).map((c) => c.rule).sort()).toEqual(['crash-loop', 'instance-failed']);
    expect(fired(s)).toEqual(['crash-loop']);
  });

  it('an OOMKilled claw is one oom-killed alert', () => {
    const s = snapshot({ instances: [claw({ phase: 'Failed', ready: false, reason: 'OOMKilled', restarts: 4 })], restartsWithin: () => 4, oomKilledWithin: () => ago(5000) });
    expect(fired(s)).toEqual(['oom-killed']);
  });

  it('not ready fires only after its duration; restarts below the threshold do not fire', () => {
    expect(fired(snapshot({ instances: [claw({ ready: false, troubleSince: ago(60_000) })] }))).toEqual([]);
    expect(fired(snapshot({ instances: [claw({ ready: false, troubleSince: ago(6 * 60_000) })] }))).toEqual(['not-ready']);
    expect(fired(snapshot({ restartsWithin: () => 2 }))).toEqual([]);
  });

  it('memory over 90% of the limit for the whole window fires; one sample below does not', () => {
    const limit = 2 * 1024 ** 3;
    const series = (low: number) => Array.from({ length: 11 }, (_, k) => ({ cpuMillicores: 10, memoryBytes: k === 5 ? low : limit * 0.95, sampledAt: ago((10 - k) * 60_000) }));
    expect(fired(snapshot({ samples: new Map([['i1', series(limit * 0.95)]]) }))).toEqual(['memory-high']);
    expect(fired(snapshot({ samples: new Map([['i1', series(limit * 0.5)]]) }))).toEqual([]);
  });

  it('budgets at 80% and 100% page once (100% inhibits 80%); a spike against last week fires; platform rules fire', () => {
    const budget = (used: number) => ({ tenantId: 't1', tenant: 'acme', used, limit: 1000 });
    expect(fired(snapshot({ budgets: [budget(850)] }))).toEqual(['token-budget-80']);
    expect(fired(snapshot({ budgets: [budget(1000)] }))).toEqual(['token-budget-100']);
    expect(fired(snapshot({ usage: [{ tenantId: 't1', tenant: 'acme', current: 400_000, previous: 100_000 }] }))).toEqual(['usage-spike']);
    expect(fired(snapshot({ usage: [{ tenantId: 't1', tenant: 'acme', current: 200_000, previous: 100_000 }] }))).toEqual([]);
    expect(fired(snapshot({ channels: [{ platform: 'feishu', connected: false, since: ago(6 * 60_000) }], outbox: { pending: 500, failed: 0, oldestPendingMs: 1000 } })))
      .toEqual(['channel-disconnected', 'outbox-backlog']);
  });

  it('fingerprints are stable across label order and differ per claw; silences match labels and severity', () => {
    expect(fingerprintOf('crash-loop', { tenant: 'acme', instance: 'demo' })).toBe(fingerprintOf('crash-loop', { instance: 'demo', tenant: 'acme' }));
    expect(fingerprintOf('crash-loop', { instance: 'demo' })).not.toBe(fingerprintOf('crash-loop', { instance: 'other' }));
    expect(silenceMatches({ instance: 'demo' }, { alertname: 'x', instance: 'demo' }, 'critical')).toBe(true);
    expect(silenceMatches({ instance: 'demo', severity: 'info' }, { instance: 'demo' }, 'critical')).toBe(false);
  });

  it('restart history counts restarts within the window and survives a counter that starts over', () => {
    const h = new RestartHistory(3_600_000);
    const t = now.getTime();
    h.observe('i1', 0, t - 900_000);
    h.observe('i1', 2, t - 300_000);
    h.observe('i1', 1, t - 60_000);
    expect(h.within('i1', 600_000, t)).toBe(3);
    expect(h.within('i1', 120_000, t)).toBe(1);
  });
});
