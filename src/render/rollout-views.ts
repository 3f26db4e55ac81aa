// How a rollout looks: its chat card (state, waves, the canary's verdict, failures, effects; Pause, Resume, Abort and
// Rollback buttons that run as the clicker), `claw rollout status` with a line per claw, listings and a dry run's plan.
import { localize, type Locale, type Text } from '../i18n/locale.js';
import { formatDuration } from '../model/values/duration.js';
import { ROLLOUT_STATE_TEXT, type PlannedTarget, type RolloutCardData, type RolloutPlan } from '../engines/rollouts/rollout-engine.js';
import type { RolloutTarget, RolloutTargetState } from '../store/entities/rollout-target.js';
import type { Rollout, RolloutState, RolloutStrategy } from '../store/entities/rollout.js';
import { displayWidth, padEndDisplay } from '../util/display-width.js';
import { formatAge, formatTime } from './format.js';
import type { DetailView, SectionsView, TableView, Tone, View, ViewAction } from './view.js';

type T = (text: Text, params?: Record<string, unknown>) => string;

const TONE: Record<RolloutState, Tone> = {
  Progressing: 'info', Paused: 'warning', AwaitingPromotion: 'warning', RollingBack: 'danger',
  Completed: 'success', Aborted: 'warning', RolledBack: 'danger', Failed: 'danger',
};

const TARGET_STATE: Record<RolloutTargetState, Text> = {
  pending: { en: 'pending', zh: '待变更' },
  applying: { en: 'moving', zh: '变更中' },
  healthy: { en: 'healthy', zh: '健康' },
  failed: { en: 'failed', zh: '失败' },
  'rolled-back': { en: 'rolled back', zh: '已回滚' },
  skipped: { en: 'skipped', zh: '已跳过' },
};

const EFFECT: Record<string, Text> = {
  restarted: { en: 'restarted', zh: '已重启' },
  reloaded: { en: 'reloaded', zh: '已热加载' },
  unchanged: { en: 'unchanged', zh: '无变化' },
  restart: { en: 'will restart', zh: '将重启' },
  reload: { en: 'will reload', zh: '将热加载' },
  none: { en: 'no change', zh: '无变化' },
};

/** The rollout's version as people name it: `v15`, `v15 (own values v16)`, or `previous versions` for an undo. */
function destination(r: Pick<Rollout, 'configVersion' | 'valuesVersion' | 'undoes'>, t: T): string {
  if (r.configVersion === null) return t({ en: 'previous versions (undoing rollout {id})', zh: '原版本（撤销发布 {id}）' }, { id: r.undoes });
  return r.valuesVersion !== null && r.valuesVersion !== r.configVersion ? `v${r.configVersion} (own values v${r.valuesVersion})` : `v${r.configVersion}`;
}

function titleOf(r: Rollout, count: number, t: T): string {
  const what = r.kind === 'publish'
    ? t({ en: 'publish config {v}', zh: '发布配置 {v}' }, { v: destination(r, t) })
    : r.configVersion === null ? t({ en: 'undo rollout {id}', zh: '撤销发布 {id}' }, { id: r.undoes }) : t({ en: 'roll back to {v}', zh: '回滚到 {v}' }, { v: destination(r, t) });
  return t({ en: 'Rollout {id}: {what} ({n} claws)', zh: '发布 {id}：{what}（{n} 个实例）' }, { id: r.id, what, n: count });
}

export function strategyText(s: RolloutStrategy, t: T): string {
  const parts = [
    s.canary ? t({ en: `canary ${s.canary}`, zh: `金丝雀 ${s.canary}` }) : t({ en: 'no canary', zh: '无金丝雀' }),
    t({ en: `max unavailable ${s.maxUnavailable}`, zh: `每批最多 ${s.maxUnavailable}` }),
  ];
  if (s.canary) parts.push(s.autoPromoteMs === null ? t({ en: 'promote by hand', zh: '手动推进' }) : t({ en: `auto-promote after ${formatDuration(s.autoPromoteMs)}`, zh: `${formatDuration(s.autoPromoteMs)} 后自动推进` }));
  parts.push(t({ en: `health timeout ${formatDuration(s.healthTimeoutMs)}`, zh: `健康检查超时 ${formatDuration(s.healthTimeoutMs)}` }));
  return parts.join(', ');
}

/** `Progressing, canary` / `Progressing, wave 2 of 4` / `Completed`. */
function stateText(r: Rollout, t: T): string {
  const state = t(ROLLOUT_STATE_TEXT[r.state]);
  if (r.state !== 'Progressing' && r.state !== 'Paused') return state;
  const where = r.wave === 0 ? t({ en: 'canary', zh: '金丝雀阶段' }) : t({ en: 'wave {w} of {n}', zh: '第 {w}/{n} 批' }, { w: r.wave, n: r.waves });
  return `${state}, ${where}`;
}

function countBy(targets: RolloutTarget[], t: T): string {
  const counts = new Map<RolloutTargetState, number>();
  for (const x of targets) counts.set(x.state, (counts.get(x.state) ?? 0) + 1);
  return [...counts].map(([state, n]) => `${n} ${t(TARGET_STATE[state])}`).join(', ');
}

/** Names a wave line shows; a bigger wave is counted. */
const WAVE_NAMES = 5;

/**
 * One line per wave (`canary (2): c1, c2 — 2 healthy`), with runs of waves in the same condition folded into one
 * (`waves 3–40 (76): 76 pending`), so a rollout of a thousand claws in waves of one still fits a card.
 */
function waveLines(targets: RolloutTarget[], t: T): string[] {
  const waves = [...new Set(targets.map((x) => x.wave))].sort((a, b) => a - b);
  const runs: Array<{ from: number; to: number; of: RolloutTarget[]; key: string }> = [];
  for (const w of waves) {
    const of = targets.filter((x) => x.wave === w);
    const key = [...new Set(of.map((x) => x.state))].sort().join(',');
    const last = runs.at(-1);
    if (last && w > 0 && last.from > 0 && last.key === key) {
      last.to = w;
      last.of.push(...of);
    } else runs.push({ from: w, to: w, of, key });
  }
  return runs.map(({ from, to, of }) => {
    const name = from === 0 ? t({ en: 'canary', zh: '金丝雀' }) : from === to ? t({ en: 'wave {w}', zh: '第 {w} 批' }, { w: from }) : t({ en: 'waves {a}–{b}', zh: '第 {a}–{b} 批' }, { a: from, b: to });
    const names = from === to ? ` ${of.slice(0, WAVE_NAMES).map((x) => x.instanceName).join(', ')}${of.length > WAVE_NAMES ? ` (+${of.length - WAVE_NAMES})` : ''} —` : '';
    return `${name} (${of.length}):${names} ${countBy(of, t)}`;
  });
}

function effectsText(targets: RolloutTarget[], t: T): string | null {
  const counts = new Map<string, number>();
  for (const x of targets) if (x.effect) counts.set(x.effect, (counts.get(x.effect) ?? 0) + 1);
  return counts.size ? [...counts].map(([effect, n]) => `${n} ${t(EFFECT[effect] ?? { en: effect, zh: effect })}`).join(', ') : null;
}

/** The canary's verdict, when the rollout has one. */
function canaryVerdict(r: Rollout, targets: RolloutTarget[], t: T): string | null {
  const canary = targets.filter((x) => x.wave === 0);
  if (!canary.length) return null;
  if (canary.some((x) => x.state === 'failed')) return t({ en: 'failed', zh: '失败' });
  if (canary.every((x) => x.state === 'healthy' || x.state === 'skipped') || r.wave > 0) return t({ en: 'healthy', zh: '健康' });
  if (canary.some((x) => x.state === 'rolled-back')) return t({ en: 'rolled back', zh: '已回滚' });
  return t({ en: 'checking ({n}/{m} healthy)', zh: '检查中（{n}/{m} 健康）' }, { n: canary.filter((x) => x.state === 'healthy').length, m: canary.length });
}

/** The buttons a rollout's state offers; each runs its command as the person who clicks, scoped so it works anywhere. */
export function rolloutActions(card: RolloutCardData, locale: Locale): ViewAction[] {
  const { rollout: r, targets } = card;
  const t = (text: Text) => localize(text, locale);
  const scope = `--tenant ${card.tenant}${card.project ? ` --project ${card.project}` : ''}`;
  const button = (label: Text, style: ViewAction['style'], command: string): ViewAction => ({ label: t(label), style, value: { command }, command });
  const actions: ViewAction[] = [];
  if (r.state === 'Progressing') actions.push(button({ en: 'Pause', zh: '暂停' }, 'default', `claw rollout pause ${r.id} ${scope}`));
  if (r.state === 'Paused') actions.push(button({ en: 'Resume', zh: '继续' }, 'primary', `claw rollout resume ${r.id} ${scope}`));
  if (r.state === 'AwaitingPromotion') actions.push(button({ en: 'Resume (promote)', zh: '继续（推进）' }, 'primary', `claw rollout resume ${r.id} ${scope}`));
  if (r.state === 'Progressing' || r.state === 'Paused' || r.state === 'AwaitingPromotion') actions.push(button({ en: 'Abort', zh: '中止' }, 'danger', `claw rollout abort ${r.id} ${scope}`));
  const moved = targets.some((x) => x.state === 'applying' || x.state === 'healthy' || x.state === 'failed');
  if (moved && r.state !== 'RollingBack' && r.state !== 'RolledBack') {
    actions.push(button({ en: 'Rollback', zh: '回滚' }, 'danger', `claw config rollback --rollout ${r.id} ${scope}`));
  }
  return actions;
}

/** The fields the card and `claw rollout status` share. */
function summaryFields(card: RolloutCardData, t: T, locale: Locale): DetailView['fields'] {
  const { rollout: r, targets } = card;
  const fields: DetailView['fields'] = [
    { label: t({ en: 'State', zh: '状态' }), value: stateText(r, t) },
    { label: t({ en: 'Targets', zh: '目标' }), value: `${card.tenant}${card.project ? `/${card.project}` : ''} ${r.selection}`.trim() },
    { label: t({ en: 'Strategy', zh: '策略' }), value: strategyText(r.strategy, t) },
  ];
  const verdict = canaryVerdict(r, targets, t);
  if (verdict) fields.push({ label: t({ en: 'Canary', zh: '金丝雀' }), value: verdict });
  fields.push({ label: t({ en: 'Waves', zh: '批次' }), value: waveLines(targets, t).join('\n') });
  const failed = targets.filter((x) => x.state === 'failed');
  if (failed.length) {
    fields.push({
      label: t({ en: 'Failures', zh: '失败' }),
      value: failed.slice(0, 10).map((x) => `${x.projectName}/${x.instanceName}: ${x.message ?? t(TARGET_STATE.failed)}`).join('\n') + (failed.length > 10 ? `\n(+${failed.length - 10})` : ''),
    });
  }
  const effects = effectsText(targets, t);
  if (effects) fields.push({ label: t({ en: 'Effect', zh: '效果' }), value: effects });
  if (r.detail) fields.push({ label: t({ en: 'Note', zh: '说明' }), value: t(r.detail) });
  fields.push({ label: t({ en: 'By', zh: '发起人' }), value: `${r.createdBy}, ${formatTime(r.createdAt, locale)}${r.message ? ` — ${r.message}` : ''}` });
  if (r.finishedAt) fields.push({ label: t({ en: 'Ended', zh: '结束时间' }), value: formatTime(r.finishedAt, locale) });
  return fields;
}

/** `Label:  value` lines with the values in one column; a value's further lines stay under it. */
function aligned(fields: DetailView['fields']): string[] {
  const width = Math.max(0, ...fields.map((f) => displayWidth(f.label))) + 2;
  return fields.map((f) => `${padEndDisplay(`${f.label}:`, width)}${f.value.replace(/\n/g, `\n${' '.repeat(width)}`)}`);
}

/** The chat card, updated in place as the rollout goes. */
export function rolloutCardView(card: RolloutCardData, locale: Locale): View {
  const t: T = (text, params) => localize(text, locale, params);
  const r = card.rollout;
  const title = titleOf(r, card.targets.length, t);
  return {
    kind: 'detail', tone: TONE[r.state], title, fields: summaryFields(card, t, locale),
    headline: `${title}: ${stateText(r, t)}`,
    // An ended rollout keeps an empty list so a DingTalk template card stays a card.
    actions: rolloutActions(card, locale),
  };
}

/**
 * `claw rollout status ID`: the card's fields, then every claw with its wave, state, effect and message (a publish's
 * answer lists them only up to `claws`, since an approval card quotes it).
 */
export function rolloutStatusView(card: RolloutCardData, locale: Locale, options: { claws: number | 'all' } = { claws: 'all' }): View {
  const t: T = (text, params) => localize(text, locale, params);
  const r = card.rollout;
  const table: TableView = {
    kind: 'table',
    columns: [
      { key: 'name', label: t({ en: 'Name', zh: '名称' }) },
      { key: 'project', label: t({ en: 'Project', zh: '项目' }) },
      { key: 'wave', label: t({ en: 'Wave', zh: '批次' }), align: 'right' },
      { key: 'state', label: t({ en: 'State', zh: '状态' }) },
      { key: 'effect', label: t({ en: 'Effect', zh: '效果' }) },
      { key: 'from', label: t({ en: 'From', zh: '原版本' }) },
      { key: 'message', label: t({ en: 'Message', zh: '信息' }) },
    ],
    rows: card.targets.map((x) => ({
      name: x.instanceName, project: x.projectName, wave: x.wave === 0 ? t({ en: 'canary', zh: '金丝雀' }) : String(x.wave), state: t(TARGET_STATE[x.state]),
      effect: x.effect ? t(EFFECT[x.effect]!) : t(EFFECT[x.expected] ?? { en: x.expected, zh: x.expected }), from: `v${x.fromConfig}${x.fromValues !== x.fromConfig ? `/${x.fromValues}` : ''}`,
      message: x.message ?? '',
    })),
    empty: '-',
  };
  const sections: SectionsView['sections'] = [{ lines: aligned(summaryFields(card, t, locale)) }];
  if (options.claws === 'all' || card.targets.length <= options.claws) sections.push({ view: table });
  else sections.push({ lines: [t({ en: '`claw rollout status {id}` lists every claw.', zh: '`claw rollout status {id}` 列出每个实例。' }, { id: r.id })] });
  const view: SectionsView = { kind: 'sections', title: titleOf(r, card.targets.length, t), sections };
  return { ...view, actions: rolloutActions(card, locale) };
}

export function rolloutListView(rows: Array<Rollout & { targets: number; tenant: string }>, locale: Locale): TableView {
  const t: T = (text, params) => localize(text, locale, params);
  return {
    kind: 'table',
    title: t({ en: 'Rollouts', zh: '发布' }),
    columns: [
      { key: 'id', label: 'ID', align: 'right' },
      { key: 'tenant', label: t({ en: 'Tenant', zh: '租户' }) },
      { key: 'kind', label: t({ en: 'Kind', zh: '类型' }) },
      { key: 'to', label: t({ en: 'To', zh: '目标版本' }) },
      { key: 'claws', label: t({ en: 'Claws', zh: '实例数' }), align: 'right' },
      { key: 'state', label: t({ en: 'State', zh: '状态' }) },
      { key: 'by', label: t({ en: 'By', zh: '发起人' }) },
      { key: 'age', label: t({ en: 'Age', zh: '时长' }) },
    ],
    rows: rows.map((r) => ({
      id: String(r.id), tenant: r.tenant, kind: r.kind === 'publish' ? t({ en: 'publish', zh: '发布' }) : t({ en: 'rollback', zh: '回滚' }),
      to: r.configVersion === null ? t({ en: `undo ${r.undoes}`, zh: `撤销 ${r.undoes}` }) : `v${r.configVersion}`, claws: String(r.targets), state: stateText(r, t), by: r.createdBy, age: formatAge(r.createdAt),
    })),
    empty: t({ en: 'No rollouts yet. `claw config publish` starts one.', zh: '还没有发布。可用 `claw config publish` 发起。' }),
  };
}

/** A dry run: what would move, in which wave, and what each claw would do. */
export function rolloutPlanView(plan: RolloutPlan, to: string, strategy: RolloutStrategy, locale: Locale): View {
  const t: T = (text, params) => localize(text, locale, params);
  const wave = (p: PlannedTarget) => (p.wave === 0 ? t({ en: 'canary', zh: '金丝雀' }) : String(p.wave));
  const lines = [
    t({ en: '{n} claw(s) would move to {to}; {u} already run it. Nothing was changed (dry run).', zh: '将有 {n} 个实例变更到 {to}；{u} 个已是该版本。未做任何修改（演练）。' }, { n: plan.targets.length, to, u: plan.unchanged.length }),
    `${t({ en: 'Strategy', zh: '策略' })}: ${strategyText(strategy, t)}`,
  ];
  return {
    kind: 'sections', title: t({ en: 'Rollout plan: {to}', zh: '发布计划：{to}' }, { to }),
    sections: [
      { lines },
      {
        view: {
          kind: 'table',
          columns: [
            { key: 'name', label: t({ en: 'Name', zh: '名称' }) }, { key: 'project', label: t({ en: 'Project', zh: '项目' }) },
            { key: 'wave', label: t({ en: 'Wave', zh: '批次' }), align: 'right' }, { key: 'from', label: t({ en: 'From', zh: '原版本' }) },
            { key: 'effect', label: t({ en: 'Effect', zh: '效果' }) },
          ],
          rows: plan.targets.map((p) => ({
            name: p.view.instance.name, project: p.view.project, wave: wave(p), from: `v${p.from.config}${p.from.values !== p.from.config ? `/${p.from.values}` : ''}`,
            effect: t(EFFECT[p.expected]!),
          })),
          empty: t({ en: 'Nothing would change.', zh: '没有需要变更的实例。' }),
        },
      },
    ],
  };
}

/** The API's `result` for a rollout. */
export function rolloutData(card: RolloutCardData) {
  const r = card.rollout;
  return {
    id: r.id, tenant: card.tenant, project: card.project, kind: r.kind, configVersion: r.configVersion, valuesVersion: r.valuesVersion, undoes: r.undoes,
    selection: r.selection, strategy: r.strategy, state: r.state, wave: r.wave, waves: r.waves, message: r.message, detail: r.detail?.en ?? null,
    createdBy: r.createdBy, createdAt: r.createdAt.toISOString(), finishedAt: r.finishedAt?.toISOString() ?? null,
    targets: card.targets.map((x) => ({
      name: x.instanceName, project: x.projectName, instanceId: x.instanceId, wave: x.wave, state: x.state, expected: x.expected, effect: x.effect,
      from: { config: x.fromConfig, values: x.fromValues }, to: { config: x.toConfig, values: x.toValues }, generation: x.generation, message: x.message,
      appliedAt: x.appliedAt?.toISOString() ?? null, finishedAt: x.finishedAt?.toISOString() ?? null,
    })),
  };
}
