// How an alert looks: the card people act on (cause, since when, recent events; Ack, Silence 1h, Restart, Logs), the
// card of a group of alerts that fired together (its members; Ack all, Silence 1h for the group, the list), the same
// cards once acknowledged, silenced or resolved, and the rows of `claw alerts` and `claw silence list`.
import { localize, type Locale, type Text } from '../i18n/locale.js';
import type { AlertCardData, AlertGroupData } from '../engines/alerts/alerts-engine.js';
import type { Alert, AlertSeverity, AlertState } from '../store/entities/alert.js';
import type { AlertSilence } from '../store/entities/alert-silence.js';
import { formatTime } from './format.js';
import type { DetailView, Tone, View, ViewAction } from './view.js';

const SEVERITY: Record<AlertSeverity, Text> = {
  critical: { en: 'Critical', zh: '严重' },
  warning: { en: 'Warning', zh: '警告' },
  info: { en: 'Info', zh: '提示' },
};

export const ALERT_STATE: Record<AlertState, Text> = {
  firing: { en: 'firing', zh: '告警中' },
  acknowledged: { en: 'acknowledged', zh: '已认领' },
  silenced: { en: 'silenced', zh: '已静默' },
  resolved: { en: 'resolved', zh: '已恢复' },
};

/** A group card lists this many members; the rest are a command away, so the card stays within chat size limits. */
export const GROUP_CARD_MEMBERS = 20;

function tone(alert: Pick<Alert, 'state' | 'severity'>): Tone {
  if (alert.state === 'resolved') return 'success';
  if (alert.state !== 'firing') return 'info';
  return alert.severity === 'critical' ? 'danger' : alert.severity === 'warning' ? 'warning' : 'info';
}


/** `acme/sales/demo`, or the labels an Alertmanager alert came with. */
export function alertWhere(alert: Alert): string {
  const l = alert.labels;
  const place = [l.tenant, l.project, l.instance].filter(Boolean).join('/');
  if (place) return place;
  const rest = Object.entries(l).filter(([k]) => k !== 'alertname' && k !== 'severity').map(([k, v]) => `${k}=${v}`);
  return rest.join(', ') || '-';
}

/** The text commands behind the card's buttons, scoped to the alert's tenant and project so they work from any chat. */
export function alertActions(input: AlertCardData, locale: Locale): ViewAction[] {
  const { alert } = input;
  if (alert.state === 'resolved') return [];
  const t = (text: Text) => localize(text, locale);
  const scope = [input.tenant ? `--tenant ${input.tenant}` : '', input.project ? `--project ${input.project}` : ''].filter(Boolean).join(' ');
  const withScope = (text: string) => (scope ? `${text} ${scope}` : text);
  const actions: ViewAction[] = [];
  if (alert.state === 'firing') actions.push({ label: t({ en: 'Ack', zh: '认领' }), style: 'primary', value: { command: `claw alert ack ${alert.id}` }, command: `claw alert ack ${alert.id}` });
  if (alert.state !== 'silenced') {
    const silence = `claw silence add --alert ${alert.id} --for 1h${input.tenant ? ` --tenant ${input.tenant}` : ''}`;
    actions.push({ label: t({ en: 'Silence 1h', zh: '静默 1 小时' }), style: 'default', value: { command: silence }, command: silence });
  }
  if (input.instance) {
    const restart = withScope(`claw restart ${input.instance}`);
    const logs = withScope(`claw logs ${input.instance} --tail 30`);
    actions.push({ label: t({ en: 'Restart', zh: '重启' }), style: 'danger', value: { command: restart }, command: restart });
    actions.push({ label: t({ en: 'Logs', zh: '日志' }), style: 'default', value: { command: logs }, command: logs });
  }
  return actions;
}

export function alertView(input: AlertCardData, locale: Locale): View {
  if (input.group) return alertGroupView(input, input.group, locale);
  const { alert } = input;
  const t = (text: Text, params?: Record<string, unknown>) => localize(text, locale, params);
  const fields: DetailView['fields'] = [
    { label: t({ en: 'Cause', zh: '原因' }), value: t(alert.cause) },
    { label: t({ en: 'Where', zh: '位置' }), value: alertWhere(alert) },
    { label: t({ en: 'Since', zh: '开始时间' }), value: formatTime(alert.startsAt, locale) },
    { label: t({ en: 'Severity', zh: '级别' }), value: t(SEVERITY[alert.severity]) },
    { label: t({ en: 'State', zh: '状态' }), value: t(ALERT_STATE[alert.state]) },
  ];
  if (alert.ackedBy && alert.ackedAt) fields.push({ label: t({ en: 'Acknowledged by', zh: '认领人' }), value: `${alert.ackedBy} (${formatTime(alert.ackedAt, locale)})` });
  if (alert.state === 'silenced' && input.silence) {
    fields.push({ label: t({ en: 'Silenced until', zh: '静默至' }), value: `${formatTime(input.silence.endsAt, locale)} (#${input.silence.id} ${input.silence.createdBy}${input.silence.reason ? `: ${input.silence.reason}` : ''})` });
  }
  if (alert.state === 'resolved') fields.push({ label: t({ en: 'Resolved', zh: '恢复时间' }), value: formatTime(alert.resolvedAt, locale) });
  else if (alert.repeats > 0) fields.push({ label: t({ en: 'Still firing', zh: '仍在告警' }), value: t({ en: 'reminder {n}, {at}', zh: '第 {n} 次提醒，{at}' }, { n: alert.repeats, at: formatTime(alert.remindedAt, locale) }) });
  for (const [k, v] of Object.entries(alert.details ?? {})) {
    if (alert.source === 'alertmanager' && (k === 'description' || k === 'runbook_url' || k === 'generatorURL')) fields.push({ label: k, value: v });
  }
  if (input.events.length) {
    fields.push({
      label: t({ en: 'Recent events', zh: '最近事件' }),
      value: input.events.map((e) => `${formatTime(e.occurredAt, locale).slice(11)} ${e.reason}: ${e.message}`.slice(0, 200)).join('\n'),
    });
  }
  const state = alert.state === 'firing' ? '' : ` (${t(ALERT_STATE[alert.state])})`;
  return {
    kind: 'detail', tone: tone(alert), fields,
    title: t({ en: 'Alert #{id} {severity}: {rule}{state}', zh: '告警 #{id} {severity}：{rule}{state}' }, { id: alert.id, severity: t(SEVERITY[alert.severity]), rule: alert.rule, state }),
    headline: t({ en: '{severity}: {rule} {where}{state}', zh: '{severity}：{rule} {where}{state}' }, { severity: t(SEVERITY[alert.severity]), rule: alert.rule, where: alertWhere(alert), state }),
    // A resolved card keeps an empty list so a DingTalk template card stays a card (see dingtalk-messages.ts).
    actions: alertActions(input, locale),
  };
}

export function alertData(alert: Alert) {
  return {
    id: alert.id, fingerprint: alert.fingerprint, source: alert.source, rule: alert.rule, severity: alert.severity, state: alert.state, labels: alert.labels,
    cause: alert.cause.en, startsAt: alert.startsAt.toISOString(), raisedAt: alert.raisedAt.toISOString(), resolvedAt: alert.resolvedAt?.toISOString() ?? null,
    ackedBy: alert.ackedBy, silenceId: alert.silenceId, repeats: alert.repeats,
  };
}

export function silenceData(s: AlertSilence) {
  return {
    id: s.id, matchers: s.matchers, reason: s.reason, createdBy: s.createdBy, createdAt: s.createdAt.toISOString(), endsAt: s.endsAt.toISOString(),
    expiredAt: s.expiredAt?.toISOString() ?? null, expiredBy: s.expiredBy,
  };
}

export const matchersText = (m: Record<string, string>) => Object.entries(m).map(([k, v]) => `${k}=${v}`).join(', ');

/** `claw alerts --rule crash-loop --tenant acme`: every open member of a group, for the card's "show" action. */
function groupListCommand(input: AlertCardData, group: AlertGroupData): string {
  const rule = group.labels.find((l) => l.label === 'rule')?.value;
  return ['claw alerts', rule ? `--rule ${rule}` : '', input.tenant ? `--tenant ${input.tenant}` : ''].filter(Boolean).join(' ');
}

/** Ack all (the members still firing), Silence 1h (a silence of the labels the group shares) and the list of members. */
export function alertGroupActions(input: AlertCardData, group: AlertGroupData, locale: Locale): ViewAction[] {
  if (group.state === 'resolved') return [];
  const t = (text: Text) => localize(text, locale);
  const actions: ViewAction[] = [];
  const firing = group.members.filter((m) => m.state === 'firing').map((m) => m.id);
  if (firing.length) {
    const ack = `claw alert ack ${firing.join(' ')}`;
    actions.push({ label: t({ en: 'Ack all', zh: '全部认领' }), style: 'primary', value: { command: ack }, command: ack });
  }
  // Silences match labels; a group's rule is the alertname label. A label the members lack cannot be matched on.
  const matchers = group.labels.filter((l) => l.value).map((l) => `--match ${l.label === 'rule' ? 'alertname' : l.label}=${l.value}`);
  if (group.state !== 'silenced' && matchers.length) {
    const silence = `claw silence add ${matchers.join(' ')} --for 1h${input.tenant ? ` --tenant ${input.tenant}` : ''}`;
    actions.push({ label: t({ en: 'Silence 1h', zh: '静默 1 小时' }), style: 'default', value: { command: silence }, command: silence });
  }
  const list = groupListCommand(input, group);
  actions.push({ label: t({ en: 'Show all', zh: '查看全部' }), style: 'default', value: { command: list }, command: list });
  return actions;
}

/** "crash-loop: 3 claws in acme": the rule, how many, and where they share. */
function groupSummary(group: AlertGroupData, locale: Locale): string {
  const t = (text: Text, params?: Record<string, unknown>) => localize(text, locale, params);
  const rule = group.labels.find((l) => l.label === 'rule')?.value;
  const where = group.labels.filter((l) => (l.label === 'tenant' || l.label === 'project' || l.label === 'instance') && l.value).map((l) => l.value).join('/');
  const n = group.members.length;
  const claws = group.members.every((m) => m.labels.instance);
  const count = claws ? t({ en: '{n} claws', zh: '{n} 个实例' }, { n }) : t({ en: '{n} alerts', zh: '{n} 个告警' }, { n });
  const what = where ? t({ en: '{count} in {where}', zh: '{where} 中 {count}' }, { count, where }) : count;
  return rule ? t({ en: '{rule}: {what}', zh: '{rule}：{what}' }, { rule, what }) : what;
}

/** The card of a group: its members with their place, state and since (at most GROUP_CARD_MEMBERS, then the command). */
export function alertGroupView(input: AlertCardData, group: AlertGroupData, locale: Locale): View {
  const { alert } = input;
  const t = (text: Text, params?: Record<string, unknown>) => localize(text, locale, params);
  const ruleShared = group.labels.some((l) => l.label === 'rule');
  const counts = (['firing', 'acknowledged', 'silenced', 'resolved'] as const)
    .map((s) => [s, group.members.filter((m) => m.state === s).length] as const).filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${t(ALERT_STATE[s])}`);
  const member = (m: Alert) => {
    const place = m.labels.instance ? [m.labels.project, m.labels.instance].filter(Boolean).join('/') : alertWhere(m);
    return `#${m.id} ${ruleShared ? '' : `${m.rule} `}${place} · ${t(ALERT_STATE[m.state])} · ${t({ en: 'since', zh: '开始于' })} ${formatTime(m.startsAt, locale)}`;
  };
  const lines = group.members.slice(0, GROUP_CARD_MEMBERS).map(member);
  const more = group.members.length - GROUP_CARD_MEMBERS;
  if (more > 0) lines.push(t({ en: '+{n} more: {command}', zh: '另有 {n} 个：{command}' }, { n: more, command: groupListCommand(input, group) }));
  const since = new Date(Math.min(...group.members.map((m) => m.startsAt.getTime())));
  const fields: DetailView['fields'] = [
    { label: t({ en: 'Severity', zh: '级别' }), value: t(SEVERITY[group.severity]) },
    { label: t({ en: 'State', zh: '状态' }), value: counts.join(locale === 'zh' ? '，' : ', ') },
    { label: t({ en: 'Since', zh: '开始时间' }), value: formatTime(since, locale) },
  ];
  if (group.state === 'silenced' && input.silence) {
    fields.push({ label: t({ en: 'Silenced until', zh: '静默至' }), value: `${formatTime(input.silence.endsAt, locale)} (#${input.silence.id} ${input.silence.createdBy}${input.silence.reason ? `: ${input.silence.reason}` : ''})` });
  }
  if (group.state === 'resolved') fields.push({ label: t({ en: 'Resolved', zh: '恢复时间' }), value: formatTime(new Date(Math.max(...group.members.map((m) => m.resolvedAt?.getTime() ?? 0))), locale) });
  else if (alert.repeats > 0) fields.push({ label: t({ en: 'Still firing', zh: '仍在告警' }), value: t({ en: 'reminder {n}, {at}', zh: '第 {n} 次提醒，{at}' }, { n: alert.repeats, at: formatTime(alert.remindedAt, locale) }) });
  fields.push({ label: t({ en: 'Alerts', zh: '告警' }), value: lines.join('\n') });
  const state = group.state === 'firing' ? '' : ` (${t(ALERT_STATE[group.state])})`;
  const summary = groupSummary(group, locale);
  const severity = t(SEVERITY[group.severity]);
  return {
    kind: 'detail', tone: tone(group), fields,
    title: t({ en: 'Alert #{id} {severity}: {summary}{state}', zh: '告警 #{id} {severity}：{summary}{state}' }, { id: alert.id, severity, summary, state }),
    headline: t({ en: '{severity}: {summary}{state}', zh: '{severity}：{summary}{state}' }, { severity, summary, state }),
    // Restart and Logs are per claw: a group card offers the list instead. Resolved keeps an empty list (see alertView).
    actions: alertGroupActions(input, group, locale),
  };
}
