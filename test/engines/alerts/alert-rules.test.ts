// configs/alerts.yaml is checked at start: the shipped file loads, and a typo in a kind, a setting, a rule name in an
// inhibition or a tenant override stops the start with a message naming it.
import { describe, expect, it } from 'vitest';
import { loadAlertRules, parseAlertRules, rulesFor } from '../../../src/engines/alerts/alert-rules.js';

const base = { rules: [{ name: 'crash-loop', kind: 'crash-loop', severity: 'critical', restarts: 3, window: '10m' }] };
const problem = (doc: unknown) => {
  try {
    parseAlertRules(doc, 'alerts.yaml');
  } catch (error) {
    return (error as Error).message;
  }
  return 'no error';
};

describe('alert rules', () => {
  it('the shipped configs/alerts.yaml loads with every kind of rule the issue names', () => {
    const rules = loadAlertRules();
    expect(rules.rules.map((r) => r.kind).sort()).toEqual(expect.arrayContaining([
      'instance-failed', 'crash-loop', 'oom-killed', 'not-ready', 'resource-high', 'token-budget', 'usage-spike', 'channel-disconnected', 'outbox-backlog',
    ]));
    expect(rules.rules.find((r) => r.name === 'crash-loop')!.params).toEqual({ restarts: 3, window: 600_000 });
    expect(rules.routing).toEqual({ boundChats: 'warning', alertChat: 'info', platformTenant: 'default', groupBy: ['rule', 'tenant', 'project'] });
  });

  it('refuses an unknown kind, setting, missing setting, severity, or duplicate name', () => {
    expect(problem({ rules: [{ name: 'x', kind: 'crash-lop', severity: 'critical' }] })).toContain('kind must be one of');
    expect(problem({ rules: [{ ...base.rules[0], restart: 3 }] })).toContain('unknown setting restart for a crash-loop rule');
    expect(problem({ rules: [{ name: 'crash-loop', kind: 'crash-loop', severity: 'critical', restarts: 3 }] })).toContain('needs window');
    expect(problem({ rules: [{ ...base.rules[0], severity: 'page' }] })).toContain('severity must be one of info, warning, critical');
    expect(problem({ rules: [base.rules[0], base.rules[0]] })).toContain('two rules are named crash-loop');
    expect(problem({ ...base, extra: 1 })).toContain('unknown key extra');
  });

  it('routing.groupBy defaults to rule, tenant and project and refuses a label alerts are not grouped by', () => {
    expect(parseAlertRules(base, 'alerts.yaml').routing.groupBy).toEqual(['rule', 'tenant', 'project']);
    expect(parseAlertRules({ ...base, routing: { groupBy: ['rule', 'project', 'severity'] } }, 'alerts.yaml').routing.groupBy).toEqual(['rule', 'project', 'severity']);
    expect(problem({ ...base, routing: { groupBy: ['rule', 'tenat'] } })).toContain('routing.groupBy: "tenat" is not a label alerts are grouped by (rule, tenant, project, instance, severity)');
    expect(problem({ ...base, routing: { groupBy: 'rule' } })).toContain('routing.groupBy must be a list');
    expect(problem({ ...base, routing: { groupBy: ['rule', 'rule'] } })).toContain('names a label twice');
  });

  it('refuses inhibitions and tenant overrides that name no rule, and applies overrides per tenant', () => {
    expect(problem({ ...base, inhibit: [{ source: 'oom', targets: ['crash-loop'], equal: ['instance'] }] })).toContain('there is no rule "oom"');
    expect(problem({ ...base, tenants: { acme: { 'crash-lop': { restarts: 5 } } } })).toContain('tenants.acme: there is no rule "crash-lop"');
    expect(problem({ ...base, tenants: { acme: { 'crash-loop': { for: '1m' } } } })).toContain('unknown setting for');
    const rules = parseAlertRules({ ...base, tenants: { acme: { 'crash-loop': { restarts: 5, severity: 'warning' } } } }, 'alerts.yaml');
    expect(rulesFor(rules, 'acme')[0]).toMatchObject({ severity: 'warning', params: { restarts: 5, window: 600_000 } });
    expect(rulesFor(rules, 'other')[0]).toMatchObject({ severity: 'critical', params: { restarts: 3 } });
  });
});
