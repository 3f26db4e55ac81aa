// A usage digest as a view: instances, restarts and alerts, tokens and cost with the change against the previous
// period, a chart of the breakdown, the largest movers and budget burn. Estimated costs carry ≈ and a footnote.
import { localize, type Locale, type Text } from '../i18n/locale.js';
import { formatTokenCount } from '../model/values/token-count.js';
import type { DigestData, TokenLine } from '../engines/digests/digest-data.js';
import type { TokenTotals } from '../engines/usage/usage-engine.js';
import type { ChartPart, View } from './view.js';

const T = {
  headline: { en: 'Usage digest · {scope}', zh: '用量摘要 · {scope}' },
  lateHeadline: { en: 'Usage digest · {scope} (late)', zh: '用量摘要 · {scope}（补发）' },
  period: { en: 'Period: {since} → {until} ({zone})', zh: '周期：{since} → {until}（{zone}）' },
  late: { en: 'Sent late: it was due at {at}, when no control plane was running.', zh: '补发：原定于 {at} 发送，当时控制平面未运行。' },
  instances: { en: 'Instances', zh: '实例' },
  total: { en: '{n} in all: {phases}', zh: '共 {n} 个：{phases}' },
  none: { en: 'No instances.', zh: '没有实例。' },
  available: { en: 'Available now: {ready} of {running} running ready ({share})', zh: '当前可用：{running} 个运行中实例有 {ready} 个就绪（{share}）' },
  failed: { en: 'Failed: {names}', zh: '失败：{names}' },
  health: { en: 'Restarts and alerts', zh: '重启与告警' },
  restarts: { en: 'Restarts in the period: {n}{top}', zh: '本期重启：{n} 次{top}' },
  restartCounters: { en: 'Restart counters: {n}{top} (since each claw started; later digests count per period)', zh: '重启计数：{n}{top}（自各实例启动以来；之后的摘要按周期统计）' },
  alerts: { en: 'Alerts: {raised} raised, {firing} firing now{severity}', zh: '告警：新增 {raised} 条，当前告警中 {firing} 条{severity}' },
  noAlerts: { en: 'Alerts: not tracked by this control plane', zh: '告警：此控制平面未接入告警' },
  tokens: { en: 'Tokens and cost', zh: 'Token 与费用' },
  thisPeriod: { en: 'This period: {tokens} tokens (input {input}, output {output}, cache {cache}), cost {cost}', zh: '本期：{tokens} tokens（输入 {input}，输出 {output}，缓存 {cache}），费用 {cost}' },
  change: { en: 'Previous period: {tokens} tokens, cost {cost}; change {change}', zh: '上期：{tokens} tokens，费用 {cost}；变化 {change}' },
  byProject: { en: 'Tokens by project', zh: '各项目 Tokens' },
  byClaw: { en: 'Tokens by claw', zh: '各实例 Tokens' },
  current: { en: 'this period', zh: '本期' },
  previous: { en: 'previous', zh: '上期' },
  noTokens: { en: 'No tokens used in this period or the one before.', zh: '本期和上期都没有 token 用量。' },
  top: { en: 'Busiest claws', zh: '用量最多的实例' },
  movers: { en: 'Largest movers', zh: '变化最大' },
  noMovers: { en: 'No claw changed its use.', zh: '各实例用量没有变化。' },
  budgets: { en: 'Budget burn', zh: '预算消耗' },
  budget: { en: '{label}: {used} of {limit} tokens in {month} ({share}); at this pace {projected} by month end', zh: '{label}：{month} 已用 {used} / {limit} tokens（{share}）；按当前速度月底约 {projected}' },
  noBudget: { en: 'No token budget set (claw tenant quota --tokens).', zh: '未设置 token 预算（claw tenant quota --tokens）。' },
  estimated: { en: '≈ marks costs estimated from configs/prices.yaml (the claw reported none).', zh: '标 ≈ 的费用按 configs/prices.yaml 估算（实例未上报费用）。' },
  new: { en: 'new', zh: '新增' },
  same: { en: 'unchanged', zh: '持平' },
} satisfies Record<string, Text>;

const PHASES: Record<string, Text> = {
  Running: { en: 'running', zh: '运行中' },
  Creating: { en: 'creating', zh: '创建中' },
  Stopped: { en: 'stopped', zh: '已停止' },
  Failed: { en: 'failed', zh: '失败' },
};
const PHASE_ORDER = ['Running', 'Creating', 'Stopped', 'Failed'];

/** `2026-11-30 09:00` on the wall clock of the zone (`09:00:05` for a schedule with seconds). */
export function formatZoned(at: Date, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
      .formatToParts(at).map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}${parts.second === '00' ? '' : `:${parts.second}`}`;
}

function money(amount: number, currency: string, estimated: boolean): string {
  const text = currency === 'USD' ? `$${amount.toFixed(2)}` : currency === 'CNY' ? `¥${amount.toFixed(2)}` : `${amount.toFixed(2)} ${currency}`;
  return estimated ? `≈${text}` : text;
}

const percent = (share: number): string => `${Math.round(share * 100)}%`;

function change(now: number, before: number, locale: Locale): string {
  if (now === before) return localize(T.same, locale);
  if (before === 0) return localize(T.new, locale);
  const delta = (now - before) / before;
  return `${delta > 0 ? '+' : ''}${Math.round(delta * 100)}%`;
}

const signed = (n: number): string => `${n > 0 ? '+' : n < 0 ? '-' : '±'}${formatTokenCount(Math.abs(n))}`;

function totalsLine(t: TokenTotals, locale: Locale): string {
  return localize(T.thisPeriod, locale, {
    tokens: formatTokenCount(t.totalTokens), input: formatTokenCount(t.inputTokens), output: formatTokenCount(t.outputTokens),
    cache: formatTokenCount(t.cacheReadTokens + t.cacheWriteTokens), cost: money(t.cost, t.currency, t.estimated),
  });
}

function breakdownChart(d: DigestData, locale: Locale): ChartPart | undefined {
  const lines = d.tokens.breakdown.lines.filter((l) => l.tokens > 0 || l.previousTokens > 0);
  if (lines.length === 0) return undefined;
  return {
    title: localize(d.tokens.breakdown.by === 'project' ? T.byProject : T.byClaw, locale),
    categories: lines.map((l) => l.label),
    series: [
      { name: localize(T.current, locale), values: lines.map((l) => l.tokens), labels: lines.map((l) => formatTokenCount(l.tokens)) },
      { name: localize(T.previous, locale), values: lines.map((l) => l.previousTokens), labels: lines.map((l) => formatTokenCount(l.previousTokens)) },
    ],
  };
}

const claw = (l: TokenLine, currency: string): string => `${l.label} ${formatTokenCount(l.tokens)} (${money(l.cost, currency, l.estimated)})`;

export function digestView(d: DigestData, locale: Locale): View {
  const scope = d.project ? `${d.tenant}/${d.project}` : d.tenant;
  const zone = d.timeZone;
  const late = d.slot?.late === true;
  const intro = [localize(T.period, locale, { since: formatZoned(d.period.since, zone), until: formatZoned(d.period.until, zone), zone })];
  if (late && d.slot) intro.push(localize(T.late, locale, { at: formatZoned(d.slot.at, zone) }));

  const i = d.instances;
  const phases = PHASE_ORDER.filter((p) => i.byPhase[p]).map((p) => `${localize(PHASES[p]!, locale)} ${i.byPhase[p]}`).join(' · ');
  const instances = i.total === 0 ? [localize(T.none, locale)] : [
    localize(T.total, locale, { n: i.total, phases }),
    ...(i.running > 0 ? [localize(T.available, locale, { ready: i.ready, running: i.running, share: percent(i.ready / i.running) })] : []),
    ...(i.failed.length ? [localize(T.failed, locale, { names: i.failed.join(', ') })] : []),
  ];

  const top = d.restarts.top.length ? `: ${d.restarts.top.map((r) => `${r.label} ×${r.count}`).join(', ')}` : '';
  const severity = d.alerts && Object.keys(d.alerts.bySeverity).length
    ? ` (${Object.entries(d.alerts.bySeverity).map(([s, n]) => `${s} ${n}`).join(', ')})`
    : '';
  const health = [
    localize(d.restarts.inPeriod ? T.restarts : T.restartCounters, locale, { n: d.restarts.total, top }),
    d.alerts ? localize(T.alerts, locale, { raised: d.alerts.raised, firing: d.alerts.firing, severity }) : localize(T.noAlerts, locale),
  ];

  const { current, previous } = d.tokens;
  const chart = breakdownChart(d, locale);
  const tokens = current.totalTokens === 0 && previous.totalTokens === 0 ? [localize(T.noTokens, locale)] : [
    totalsLine(current, locale),
    localize(T.change, locale, {
      tokens: formatTokenCount(previous.totalTokens), cost: money(previous.cost, previous.currency, previous.estimated),
      change: change(current.totalTokens, previous.totalTokens, locale),
    }),
  ];
  const busiest = d.tokens.topClaws.map((l) => claw(l, current.currency));
  const movers = d.tokens.movers.length
    ? d.tokens.movers.map((m) => `${m.label} ${signed(m.tokens - m.previousTokens)} (${formatTokenCount(m.previousTokens)} → ${formatTokenCount(m.tokens)})`)
    : [localize(T.noMovers, locale)];
  const budgets = d.budgets.length
    ? d.budgets.map((b) => localize(T.budget, locale, {
      label: b.label, used: formatTokenCount(b.used), limit: formatTokenCount(b.limit), month: b.month, share: percent(b.share), projected: percent(b.projectedShare),
    }))
    : [localize(T.noBudget, locale)];

  return {
    kind: 'sections',
    // The title heads the card and the text alike.
    title: localize(late ? T.lateHeadline : T.headline, locale, { scope }),
    sections: [
      { lines: intro },
      { heading: localize(T.instances, locale), lines: instances },
      { heading: localize(T.health, locale), lines: health },
      { heading: localize(T.tokens, locale), lines: tokens, ...(chart ? { chart } : {}) },
      ...(busiest.length ? [{ heading: localize(T.top, locale), lines: busiest }] : []),
      { heading: localize(T.movers, locale), lines: movers },
      { heading: localize(T.budgets, locale), lines: budgets },
      ...(d.estimated ? [{ lines: [localize(T.estimated, locale)] }] : []),
    ],
  };
}
