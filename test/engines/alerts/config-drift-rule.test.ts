// The config-drift rule: one alert per drifted claw, labelled like every claw alert, naming the paths that differ (never
// values), with a tenant override able to turn it off.
import { describe, expect, it } from 'vitest';
import { evaluate, type DriftFact, type Snapshot } from '../../../src/engines/alerts/alert-conditions.js';
import { loadAlertRules, parseAlertRules } from '../../../src/engines/alerts/alert-rules.js';

const rules = loadAlertRules();
const now = new Date('2026-11-21T10:00:00Z');
const drift = (over: Partial<DriftFact> = {}): DriftFact => ({
  instanceId: 'i1', tenantId: 't1', projectId: 'p1', tenant: 'acme', project: 'sales', name: 'demo', paths: ['agents.entries.main.name'],
  unapplied: false, since: new Date(now.getTime() - 60_000), ...over,
});
const snapshot = (facts: DriftFact[]): Snapshot => ({
  now, instances: [], restartsWithin: () => 0, oomKilledWithin: () => null, samples: new Map(), channels: [], outbox: null, budgets: [], usage: [], drift: facts,
});

describe('config-drift rule', () => {
  it('ships enabled as a warning and fires once per drifted claw with the differing paths', () => {
    expect(rules.rules.find((r) => r.kind === 'config-drift')).toMatchObject({ name: 'config-drift', severity: 'warning', enabled: true });
    const alerts = evaluate(rules, snapshot([drift(), drift({ instanceId: 'i2', name: 'other', paths: ['logging.level', 'models.providers'] })]));
    expect(alerts.map((a) => [a.rule, a.labels.instance, a.instanceId])).toEqual([['config-drift', 'demo', 'i1'], ['config-drift', 'other', 'i2']]);
    expect(alerts[0]!.labels).toMatchObject({ tenant: 'acme', project: 'sales', instance: 'demo' });
    expect(alerts[0]!.cause.en).toBe('demo runs another config than the control plane\'s (differs at agents.entries.main.name)');
    expect(alerts[0]!.since).toEqual(new Date(now.getTime() - 60_000));
    expect(alerts[1]!.details).toEqual({ paths: 'logging.level, models.providers', unapplied: 'false' });
  });

  it('says when the claw holds a config it has not applied, and stays quiet without drift or when a tenant turns it off', () => {
    expect(evaluate(rules, snapshot([drift({ paths: [], unapplied: true })]))[0]!.cause.en).toContain('has not applied');
    expect(evaluate(rules, snapshot([]))).toEqual([]);
    const off = parseAlertRules({ rules: [{ name: 'config-drift', kind: 'config-drift', severity: 'warning' }], tenants: { acme: { 'config-drift': { enabled: false } } } }, 'test.yaml');
    expect(evaluate(off, snapshot([drift()]))).toEqual([]);
    expect(evaluate(off, snapshot([drift({ tenant: 'beta' })]))).toHaveLength(1);
  });
});
