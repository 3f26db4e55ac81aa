// Evaluates the rules over one snapshot of facts: pure (no database, no clock of its own), so every rule is tested
// without a cluster and 10,000 series cost one pass over arrays. Inhibition and silence matching live here too.
import type { Text } from '../../i18n/locale.js';
import { formatDuration } from '../../model/values/duration.js';
import type { ResourceUsage } from '../../runtime/runtime.js';
import type { AlertSeverity } from '../../store/entities/alert.js';
import { formatBytes } from '../../util/quantity-format.js';
import { sha256Hex } from '../../util/ids.js';
import { num, rulesFor, type AlertRule, type AlertRules, type Inhibition } from './alert-rules.js';

/** What the rules know of one claw that should be running. */
export interface InstanceFacts {
  id: string;
  tenantId: string;
  projectId: string;
  tenant: string;
  project: string;
  name: string;
  phase: string;
  ready: boolean;
  restarts: number;
  reason: string | null;
  message: string | null;
  /** When it became unready or unschedulable in this run (the reconciler's troubleSince). */
  troubleSince: Date | null;
  lastTransitionAt: Date;
  /** Limits: cores and bytes (0 = unknown). */
  cpuLimit: number;
  memoryLimit: number;
}

/** A budget the lead's budget engine reports: tokens used this month against the limit, for a tenant or a project. */
export interface BudgetRow {
  tenantId: string;
  tenant: string;
  projectId?: string;
  project?: string;
  used: number;
  limit: number;
}

/** A tenant's tokens in the spike window now and in the same window one week earlier. */
export interface UsageWindow {
  tenantId: string;
  tenant: string;
  current: number;
  previous: number;
}

/** A running claw whose config differs from the one the control plane generated (the drift check's finding). */
export interface DriftFact {
  instanceId: string;
  tenantId: string;
  projectId: string;
  tenant: string;
  project: string;
  name: string;
  /** Config paths (or file names) that differ; never values. */
  paths: string[];
  /** The claw holds a config it has not applied. */
  unapplied: boolean;
  since: Date;
}

export interface Snapshot {
  now: Date;
  instances: InstanceFacts[];
  /** Restarts of an instance within the last `windowMs` (from observed restart counts and crash events). */
  restartsWithin(instanceId: string, windowMs: number): number;
  /** When the instance was last killed for its memory limit, if within `windowMs`. */
  oomKilledWithin(instanceId: string, windowMs: number): Date | null;
  samples: ReadonlyMap<string, ResourceUsage[]>;
  channels: ReadonlyArray<{ platform: string; connected: boolean; since?: Date; detail?: string }>;
  outbox: { pending: number; failed: number; oldestPendingMs: number } | null;
  budgets: readonly BudgetRow[];
  usage: readonly UsageWindow[];
  /** Claws found drifted by the last config check; absent where nothing checks. */
  drift?: readonly DriftFact[];
}

/** An alert the rules say should be open now. */
export interface Candidate {
  fingerprint: string;
  rule: string;
  severity: AlertSeverity;
  labels: Record<string, string>;
  tenantId: string | null;
  projectId: string | null;
  instanceId: string | null;
  cause: Text;
  details: Record<string, string> | null;
  /** When the condition began, as far as the facts tell. */
  since: Date;
}

/** Stable across replicas and restarts: the rule and its labels in key order. */
export function fingerprintOf(rule: string, labels: Record<string, string>): string {
  const sorted = Object.keys(labels).filter((k) => k !== 'alertname').sort().map((k) => [k, labels[k]]);
  return sha256Hex(JSON.stringify([rule, sorted]));
}

function candidate(rule: AlertRule, labels: Record<string, string>, ids: { tenantId?: string; projectId?: string; instanceId?: string }, cause: Text, since: Date, details: Record<string, string> | null = null): Candidate {
  const all = { alertname: rule.name, ...labels };
  return {
    fingerprint: fingerprintOf(rule.name, all), rule: rule.name, severity: rule.severity, labels: all,
    tenantId: ids.tenantId ?? null, projectId: ids.projectId ?? null, instanceId: ids.instanceId ?? null, cause, details, since,
  };
}

const pct = (x: number) => `${Math.round(x * 100)}%`;

function instanceRule(rule: AlertRule, i: InstanceFacts, s: Snapshot): Candidate | null {
  const labels = { tenant: i.tenant, project: i.project, instance: i.name };
  const ids = { tenantId: i.tenantId, projectId: i.projectId, instanceId: i.id };
  const now = s.now.getTime();
  const why = i.reason ? `${i.reason}${i.message ? `: ${i.message}` : ''}` : '';
  switch (rule.kind) {
    case 'instance-failed':
      if (i.phase !== 'Failed') return null;
      return candidate(rule, labels, ids, { en: `${i.name} is Failed${why ? ` (${why})` : ''}`, zh: `${i.name} 处于 Failed 状态${why ? `（${why}）` : ''}` }, i.lastTransitionAt);
    case 'crash-loop': {
      const window = num(rule, 'window');
      const n = s.restartsWithin(i.id, window);
      if (n < num(rule, 'restarts') && i.reason !== 'CrashLoopBackOff') return null;
      const shown = Math.max(n, i.reason === 'CrashLoopBackOff' ? 1 : 0);
      return candidate(rule, labels, ids, {
        en: `${i.name} keeps crashing: ${shown} restarts in ${formatDuration(window)} (${i.restarts} in this run)`,
        zh: `${i.name} 反复崩溃：${formatDuration(window)} 内重启 ${shown} 次（本次运行共 ${i.restarts} 次）`,
      }, new Date(now - window), { restarts: String(i.restarts), restartsInWindow: String(n) });
    }
    case 'oom-killed': {
      const at = i.reason === 'OOMKilled' ? (s.oomKilledWithin(i.id, num(rule, 'window')) ?? i.lastTransitionAt) : s.oomKilledWithin(i.id, num(rule, 'window'));
      if (!at) return null;
      return candidate(rule, labels, ids, {
        en: `${i.name} was killed for exceeding its memory limit (${formatBytes(i.memoryLimit)})`,
        zh: `${i.name} 因超出内存上限（${formatBytes(i.memoryLimit)}）被杀死（OOMKilled）`,
      }, at, i.message ? { message: i.message } : null);
    }
    case 'not-ready': {
      if (i.ready || (i.phase !== 'Running' && i.phase !== 'Creating')) return null;
      const since = i.troubleSince ?? i.lastTransitionAt;
      if (now - since.getTime() < num(rule, 'for')) return null;
      return candidate(rule, labels, ids, {
        en: `${i.name} has not been ready for ${formatDuration(now - since.getTime())}${why ? ` (${why})` : ''}`,
        zh: `${i.name} 已 ${formatDuration(now - since.getTime())} 未就绪${why ? `（${why}）` : ''}`,
      }, since);
    }
    case 'resource-high': {
      const memory = rule.params.resource === 'memory';
      const limit = memory ? i.memoryLimit : i.cpuLimit * 1000;
      if (!limit) return null;
      const forMs = num(rule, 'for');
      const recent = (s.samples.get(i.id) ?? []).filter((x) => x.sampledAt.getTime() >= now - forMs);
      // A window with gaps at its start is not "for this long": three quarters of it must be covered by samples.
      if (recent.length < 2 || recent.at(-1)!.sampledAt.getTime() - recent[0]!.sampledAt.getTime() < forMs * 0.75) return null;
      const threshold = num(rule, 'share') * limit;
      const used = recent.map((x) => (memory ? x.memoryBytes : x.cpuMillicores));
      if (used.some((u) => u < threshold)) return null;
      const low = Math.min(...used);
      const what = memory ? { en: 'memory', zh: '内存' } : { en: 'CPU', zh: 'CPU' };
      return candidate(rule, { ...labels, resource: memory ? 'memory' : 'cpu' }, ids, {
        en: `${i.name} has used over ${pct(num(rule, 'share'))} of its ${what.en} limit for ${formatDuration(forMs)} (at least ${pct(low / limit)})`,
        zh: `${i.name} 的${what.zh}用量已连续 ${formatDuration(forMs)} 超过上限的 ${pct(num(rule, 'share'))}（最低 ${pct(low / limit)}）`,
      }, recent[0]!.sampledAt);
    }
    default:
      return null;
  }
}

const INSTANCE_KINDS = new Set(['instance-failed', 'crash-loop', 'oom-killed', 'not-ready', 'resource-high']);

/** Every alert the rules say should be open now, before inhibition and silences. */
export function evaluate(config: AlertRules, s: Snapshot): Candidate[] {
  const out: Candidate[] = [];
  const perTenant = new Map<string, AlertRule[]>();
  const rulesOf = (tenant: string | null) => {
    const key = tenant ?? '';
    let rules = perTenant.get(key);
    if (!rules) perTenant.set(key, (rules = rulesFor(config, tenant).filter((r) => r.enabled)));
    return rules;
  };
  for (const i of s.instances) {
    for (const rule of rulesOf(i.tenant)) {
      if (!INSTANCE_KINDS.has(rule.kind)) continue;
      const c = instanceRule(rule, i, s);
      if (c) out.push(c);
    }
  }
  for (const b of s.budgets) {
    if (b.limit <= 0) continue;
    for (const rule of rulesOf(b.tenant)) {
      if (rule.kind !== 'token-budget' || b.used < num(rule, 'share') * b.limit) continue;
      const where = b.project ? `${b.tenant}/${b.project}` : b.tenant;
      out.push(candidate(rule, { tenant: b.tenant, ...(b.project ? { project: b.project } : {}) }, { tenantId: b.tenantId, ...(b.projectId ? { projectId: b.projectId } : {}) }, {
        en: `${where} has used ${pct(b.used / b.limit)} of its monthly token budget (${b.used.toLocaleString('en')} of ${b.limit.toLocaleString('en')})`,
        zh: `${where} 本月已用 token 预算的 ${pct(b.used / b.limit)}（${b.used.toLocaleString('en')} / ${b.limit.toLocaleString('en')}）`,
      }, s.now, { used: String(b.used), limit: String(b.limit) }));
    }
  }
  for (const u of s.usage) {
    for (const rule of rulesOf(u.tenant)) {
      if (rule.kind !== 'usage-spike') continue;
      if (u.current < num(rule, 'minTokens') || u.current < num(rule, 'factor') * Math.max(u.previous, 1)) continue;
      const window = formatDuration(num(rule, 'window'));
      out.push(candidate(rule, { tenant: u.tenant }, { tenantId: u.tenantId }, {
        en: `${u.tenant} used ${u.current.toLocaleString('en')} tokens in the last ${window}, ${u.previous ? `${(u.current / u.previous).toFixed(1)}x` : 'far more than'} the same ${window} a week ago (${u.previous.toLocaleString('en')})`,
        zh: `${u.tenant} 最近 ${window} 用了 ${u.current.toLocaleString('en')} 个 token，是一周前同期（${u.previous.toLocaleString('en')}）的 ${u.previous ? `${(u.current / u.previous).toFixed(1)} 倍` : '数倍'}`,
      }, s.now, { current: String(u.current), previous: String(u.previous) }));
    }
  }
  for (const d of s.drift ?? []) {
    for (const rule of rulesOf(d.tenant)) {
      if (rule.kind !== 'config-drift') continue;
      const at = d.paths.length ? d.paths.slice(0, 5).join(', ') + (d.paths.length > 5 ? ', …' : '') : '';
      out.push(candidate(rule, { tenant: d.tenant, project: d.project, instance: d.name }, { tenantId: d.tenantId, projectId: d.projectId, instanceId: d.instanceId }, d.unapplied && !at
        ? { en: `${d.name} holds a config it has not applied (refused, or waiting for a restart)`, zh: `${d.name} 持有尚未生效的配置（被拒绝或等待重启）` }
        : { en: `${d.name} runs another config than the control plane's${at ? ` (differs at ${at})` : ''}`, zh: `${d.name} 运行的配置与控制面下发的不一致${at ? `（不同之处：${at}）` : ''}` },
      d.since, { paths: d.paths.join(', ').slice(0, 500), unapplied: String(d.unapplied) }));
    }
  }
  for (const rule of rulesOf(null)) {
    if (rule.kind === 'channel-disconnected') {
      for (const c of s.channels) {
        if (c.connected) continue;
        const since = c.since ?? s.now;
        if (s.now.getTime() - since.getTime() < num(rule, 'for')) continue;
        out.push(candidate(rule, { platform: c.platform }, {}, {
          en: `The ${c.platform} channel has been disconnected for ${formatDuration(s.now.getTime() - since.getTime())}${c.detail ? `: ${c.detail}` : ''}`,
          zh: `${c.platform} 通道已断开 ${formatDuration(s.now.getTime() - since.getTime())}${c.detail ? `：${c.detail}` : ''}`,
        }, since));
      }
    }
    if (rule.kind === 'outbox-backlog' && s.outbox) {
      const { pending, oldestPendingMs } = s.outbox;
      if (pending < num(rule, 'pending') && (pending === 0 || oldestPendingMs < num(rule, 'oldest'))) continue;
      out.push(candidate(rule, {}, {}, {
        en: `${pending} chat messages wait for delivery; the oldest for ${formatDuration(oldestPendingMs)}`,
        zh: `${pending} 条聊天消息等待发送，最早的已等待 ${formatDuration(oldestPendingMs)}`,
      }, new Date(s.now.getTime() - oldestPendingMs), { pending: String(pending) }));
    }
  }
  return out;
}

/**
 * Splits candidates into those that notify and those a source alert of the same labels quiets (a Failed claw does not
 * page again for being unready). Sources are the candidates themselves: an inhibited alert cannot inhibit.
 */
export function inhibit(candidates: readonly Candidate[], rules: readonly Inhibition[]): { active: Candidate[]; inhibited: Candidate[] } {
  const inhibited = new Set<Candidate>();
  for (const rule of rules) {
    const sources = candidates.filter((c) => c.rule === rule.source);
    if (!sources.length) continue;
    for (const c of candidates) {
      if (!rule.targets.includes(c.rule)) continue;
      if (sources.some((src) => src !== c && rule.equal.every((l) => src.labels[l] === c.labels[l]))) inhibited.add(c);
    }
  }
  return { active: candidates.filter((c) => !inhibited.has(c)), inhibited: [...inhibited] };
}

/** All matchers hold on the alert's labels (and its severity, so `severity=info` silences the chatter). */
export function silenceMatches(matchers: Record<string, string>, labels: Record<string, string>, severity: string): boolean {
  const all: Record<string, string> = { ...labels, severity };
  return Object.entries(matchers).every(([k, v]) => all[k] === v);
}
