// The alert rules: built-ins from configs/alerts.yaml with per-tenant overrides, inhibitions and routing, checked at
// start like the command registry checks its commands: a typo stops the start instead of silently alerting on nothing.
import { readYamlFile } from '../../config/yaml-file.js';
import { ClawError } from '../../errors/claw-error.js';
import { parseDuration } from '../../model/values/duration.js';
import type { AlertSeverity } from '../../store/entities/alert.js';
import { configPath } from '../../util/package-root.js';

export const SEVERITIES: readonly AlertSeverity[] = ['info', 'warning', 'critical'];
export const severityRank = (s: AlertSeverity): number => SEVERITIES.indexOf(s);

/** Every kind of rule and the settings it takes; each setting's parser says what it accepts. */
const KINDS = {
  'instance-failed': {},
  'crash-loop': { restarts: 'count', window: 'duration' },
  'oom-killed': { window: 'duration' },
  'not-ready': { for: 'duration' },
  'resource-high': { resource: 'resource', share: 'share', for: 'duration' },
  'token-budget': { share: 'share' },
  'usage-spike': { factor: 'factor', window: 'duration', minTokens: 'count' },
  'channel-disconnected': { for: 'duration' },
  'outbox-backlog': { pending: 'count', oldest: 'duration' },
  'config-drift': {},
} as const;

export type RuleKind = keyof typeof KINDS;
type ParamType = 'count' | 'duration' | 'share' | 'factor' | 'resource';

export interface AlertRule {
  name: string;
  kind: RuleKind;
  severity: AlertSeverity;
  enabled: boolean;
  /** Counts (restarts, pending, minTokens), durations in ms (window, for, oldest), shares and factors, resource. */
  params: Record<string, number | string>;
}

export interface Inhibition {
  source: string;
  targets: string[];
  /** Labels whose values must be equal on source and target. */
  equal: string[];
}

/** The labels alerts may be grouped by (Alertmanager's group_by): `rule` is the rule's name, Alertmanager's alertname. */
export const GROUP_LABELS = ['rule', 'tenant', 'project', 'instance', 'severity'] as const;
export type GroupLabel = (typeof GROUP_LABELS)[number];

export interface AlertRouting {
  /** Lowest severity posted to chats bound to the alert's tenant and project. */
  boundChats: AlertSeverity;
  /** Lowest severity posted to the tenant's alert chat. */
  alertChat: AlertSeverity;
  /** The tenant whose chats receive alerts of no tenant (channels, outbox, unlabelled Alertmanager alerts). */
  platformTenant: string;
  /** Alerts due for their first card together with equal values of these share one card; later ones join it. */
  groupBy: GroupLabel[];
}

export interface AlertRules {
  rules: AlertRule[];
  inhibit: Inhibition[];
  routing: AlertRouting;
  /** Per tenant name, per rule name: settings replacing the rule's. */
  tenants: Record<string, Record<string, Partial<Omit<AlertRule, 'name' | 'kind'>> & { params?: Record<string, number | string> }>>;
}

const NAME = /^[a-z][a-z0-9-]{0,62}$/;

function fail(file: string, reason: string): never {
  throw new ClawError('CLAW_CONFIG_INVALID', { setting: file, reason });
}

function param(file: string, where: string, type: ParamType, raw: unknown): number | string {
  switch (type) {
    case 'count':
      if (typeof raw === 'number' && Number.isInteger(raw) && raw >= 0) return raw;
      return fail(file, `${where} must be a whole number`);
    case 'duration': {
      const d = typeof raw === 'string' ? parseDuration(raw) : undefined;
      if (d?.ok) return d.value;
      return fail(file, `${where} must be a duration such as 10m`);
    }
    case 'share':
      if (typeof raw === 'number' && raw > 0 && raw <= 10) return raw;
      return fail(file, `${where} must be a number above 0, such as 0.9 (90%)`);
    case 'factor':
      if (typeof raw === 'number' && raw > 1 && raw <= 1000) return raw;
      return fail(file, `${where} must be a number above 1, such as 3`);
    case 'resource':
      if (raw === 'cpu' || raw === 'memory') return raw;
      return fail(file, `${where} must be cpu or memory`);
  }
}

function severity(file: string, where: string, raw: unknown): AlertSeverity {
  if (typeof raw === 'string' && (SEVERITIES as readonly string[]).includes(raw)) return raw as AlertSeverity;
  return fail(file, `${where} must be one of ${SEVERITIES.join(', ')}`);
}

/** Settings of one rule (in `rules` or a tenant's override): known keys only, each parsed for the kind. */
function settings(file: string, where: string, kind: RuleKind, doc: Record<string, unknown>, partial: boolean) {
  const types = KINDS[kind] as Record<string, ParamType>;
  const params: Record<string, number | string> = {};
  const out: { severity?: AlertSeverity; enabled?: boolean; params: Record<string, number | string> } = { params };
  for (const [key, raw] of Object.entries(doc)) {
    if (key === 'name' || key === 'kind') continue;
    if (key === 'severity') out.severity = severity(file, `${where}.severity`, raw);
    else if (key === 'enabled') {
      if (typeof raw !== 'boolean') fail(file, `${where}.enabled must be true or false`);
      out.enabled = raw;
    } else if (types[key]) params[key] = param(file, `${where}.${key}`, types[key], raw);
    else fail(file, `${where}: unknown setting ${key} for a ${kind} rule (it takes ${['severity', 'enabled', ...Object.keys(types)].join(', ')})`);
  }
  if (!partial) {
    const missing = Object.keys(types).filter((k) => params[k] === undefined);
    if (missing.length) fail(file, `${where} needs ${missing.join(', ')}`);
    if (!out.severity) fail(file, `${where} needs a severity`);
  }
  return out;
}

function groupBy(file: string, raw: unknown): GroupLabel[] {
  const known = GROUP_LABELS as readonly string[];
  if (!Array.isArray(raw)) fail(file, `routing.groupBy must be a list of labels (${known.join(', ')})`);
  for (const label of raw) {
    if (typeof label !== 'string' || !known.includes(label)) fail(file, `routing.groupBy: ${JSON.stringify(label)} is not a label alerts are grouped by (${known.join(', ')})`);
  }
  if (new Set(raw).size !== raw.length) fail(file, 'routing.groupBy names a label twice');
  return raw as GroupLabel[];
}

const asMap = (file: string, where: string, raw: unknown): Record<string, unknown> => {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) fail(file, `${where} must be a mapping`);
  return raw as Record<string, unknown>;
};

export function loadAlertRules(file = configPath('alerts.yaml')): AlertRules {
  return parseAlertRules(readYamlFile(file), file);
}

export function parseAlertRules(raw: unknown, file: string): AlertRules {
  const doc = asMap(file, 'the file', raw);
  const extra = Object.keys(doc).filter((k) => !['rules', 'inhibit', 'routing', 'tenants'].includes(k));
  if (extra.length) fail(file, `unknown key ${extra.join(', ')} (known: rules, inhibit, routing, tenants)`);
  if (!Array.isArray(doc.rules)) fail(file, 'rules must be a list');
  const rules: AlertRule[] = doc.rules.map((r: unknown, i: number) => {
    const rule = asMap(file, `rules[${i}]`, r);
    if (typeof rule.name !== 'string' || !NAME.test(rule.name)) fail(file, `rules[${i}].name must be a lower-case name such as crash-loop`);
    if (typeof rule.kind !== 'string' || !(rule.kind in KINDS)) fail(file, `rules[${i}] (${rule.name}): kind must be one of ${Object.keys(KINDS).join(', ')}`);
    const kind = rule.kind as RuleKind;
    const s = settings(file, `rules[${i}] (${rule.name})`, kind, rule, false);
    return { name: rule.name, kind, severity: s.severity!, enabled: s.enabled ?? true, params: s.params };
  });
  const byName = new Map<string, AlertRule>();
  for (const rule of rules) {
    if (byName.has(rule.name)) fail(file, `two rules are named ${rule.name}`);
    byName.set(rule.name, rule);
  }
  const known = (where: string, name: unknown): string => {
    if (typeof name !== 'string' || !byName.has(name)) fail(file, `${where}: there is no rule ${JSON.stringify(name)} (rules: ${[...byName.keys()].join(', ')})`);
    return name;
  };
  const inhibitDoc = doc.inhibit ?? [];
  if (!Array.isArray(inhibitDoc)) fail(file, 'inhibit must be a list');
  const inhibit: Inhibition[] = inhibitDoc.map((x: unknown, i: number) => {
    const item = asMap(file, `inhibit[${i}]`, x);
    const unknown = Object.keys(item).filter((k) => !['source', 'targets', 'equal'].includes(k));
    if (unknown.length) fail(file, `inhibit[${i}]: unknown key ${unknown.join(', ')}`);
    if (!Array.isArray(item.targets) || !item.targets.length) fail(file, `inhibit[${i}].targets must be a list of rule names`);
    if (!Array.isArray(item.equal) || !item.equal.every((l) => typeof l === 'string' && /^[a-z_][a-z0-9_]*$/i.test(l))) fail(file, `inhibit[${i}].equal must be a list of label names`);
    return {
      source: known(`inhibit[${i}].source`, item.source),
      targets: item.targets.map((t, j) => known(`inhibit[${i}].targets[${j}]`, t)),
      equal: item.equal as string[],
    };
  });
  const routingDoc = asMap(file, 'routing', doc.routing ?? {});
  const unknownRouting = Object.keys(routingDoc).filter((k) => !['boundChats', 'alertChat', 'platformTenant', 'groupBy'].includes(k));
  if (unknownRouting.length) fail(file, `routing: unknown key ${unknownRouting.join(', ')}`);
  const platformTenant = routingDoc.platformTenant ?? 'default';
  if (typeof platformTenant !== 'string' || !NAME.test(platformTenant)) fail(file, 'routing.platformTenant must be a tenant name');
  const routing: AlertRouting = {
    boundChats: severity(file, 'routing.boundChats', routingDoc.boundChats ?? 'warning'),
    alertChat: severity(file, 'routing.alertChat', routingDoc.alertChat ?? 'info'),
    platformTenant,
    groupBy: groupBy(file, routingDoc.groupBy ?? ['rule', 'tenant', 'project']),
  };
  const tenants: AlertRules['tenants'] = {};
  for (const [tenant, overrides] of Object.entries(asMap(file, 'tenants', doc.tenants ?? {}))) {
    if (!NAME.test(tenant)) fail(file, `tenants: ${JSON.stringify(tenant)} is not a tenant name`);
    tenants[tenant] = {};
    for (const [name, o] of Object.entries(asMap(file, `tenants.${tenant}`, overrides))) {
      const rule = byName.get(known(`tenants.${tenant}`, name))!;
      const s = settings(file, `tenants.${tenant}.${name}`, rule.kind, asMap(file, `tenants.${tenant}.${name}`, o), true);
      tenants[tenant][name] = s;
    }
  }
  return { rules, inhibit, routing, tenants };
}

/** The rules as they apply to one tenant (its overrides on top); all rules when the alert has no tenant. */
export function rulesFor(config: AlertRules, tenant: string | null): AlertRule[] {
  const overrides = tenant ? config.tenants[tenant] : undefined;
  if (!overrides) return config.rules;
  return config.rules.map((r) => {
    const o = overrides[r.name];
    return o ? { ...r, ...(o.severity ? { severity: o.severity } : {}), ...(o.enabled !== undefined ? { enabled: o.enabled } : {}), params: { ...r.params, ...o.params } } : r;
  });
}

/** A rule's numeric setting (the loader guaranteed it exists for the kind). */
export const num = (rule: AlertRule, key: string): number => Number(rule.params[key]);
