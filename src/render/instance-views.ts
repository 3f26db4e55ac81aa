// How instances appear in replies: JSON results without secrets, table rows and the detail view of `claw status NAME`.
import type { InstanceView, MergedEvent } from '../engines/lifecycle/lifecycle-engine.js';
import { isSettled } from '../engines/lifecycle/lifecycle-engine.js';
import type { Locale, Text } from '../i18n/locale.js';
import { localize } from '../i18n/locale.js';
import type { Instance } from '../store/entities/instance.js';
import type { ResourceUsage } from '../runtime/runtime.js';
import { parseQuantity } from '../model/values/quantity.js';
import { formatBytesRounded, formatCpu } from '../util/quantity-format.js';
import { formatAge, formatTime } from './format.js';
import type { DetailView, TableView, Tone } from './view.js';

/** The structured form commands return: desired and observed state; secret variables by name only. */
export function instanceData(view: InstanceView) {
  const i = view.instance;
  return {
    id: i.id, name: i.name, tenant: view.tenant, project: view.project, type: i.type, version: i.version, template: i.template,
    configVersion: i.configVersion, valuesVersion: i.valuesVersion, labels: i.labels, cpu: i.cpu, memory: i.memory, storage: i.storage,
    desiredPhase: i.desiredPhase, phase: i.phase, ready: i.ready, restarts: i.restarts, reason: i.reason, message: i.message,
    node: i.node, endpoint: i.endpoint, startedAt: i.startedAt?.toISOString() ?? null, lastTransitionAt: i.lastTransitionAt.toISOString(),
    generation: i.generation, observedGeneration: i.observedGeneration, createdAt: i.createdAt.toISOString(), createdBy: i.createdBy,
  };
}

/** The config versions a claw runs: `config v12`, or `config v12, own values v14` when its own values moved since. */
export function configVersionText(i: Pick<Instance, 'configVersion' | 'valuesVersion'>): string {
  return i.valuesVersion > i.configVersion ? `config v${i.configVersion}, own values v${i.valuesVersion}` : `config v${Math.max(i.configVersion, i.valuesVersion)}`;
}

function inUse(i: Instance, u: ResourceUsage | undefined): { cpu: string; memory: string } {
  if (!u || i.phase !== 'Running') return { cpu: i.cpu, memory: i.memory };
  return { cpu: usedOfLimit(u.cpuMillicores, i.cpu, 'cpu'), memory: usedOfLimit(u.memoryBytes, i.memory, 'bytes') };
}

/** `Running`, `Creating (Starting)`, `Running -> Stopped` while a stop is under way. */
export function phaseText(i: Instance): string {
  const target = i.desiredPhase === 'Running' ? 'Running' : i.desiredPhase;
  if (!isSettled(i) && i.phase !== target && i.phase !== 'Failed' && !(i.phase === 'Creating' && target === 'Running')) return `${i.phase} -> ${target}`;
  return i.reason && i.phase !== 'Running' && i.phase !== 'Stopped' ? `${i.phase} (${i.reason})` : i.phase;
}

export function phaseTone(i: Instance): Tone {
  if (i.phase === 'Failed') return 'danger';
  if (i.phase === 'Running' && i.ready) return 'success';
  if (i.phase === 'Stopped' || i.phase === 'Destroyed') return 'info';
  return 'warning';
}

/** `use`: the latest sample per running instance (`claw status` shows "used / limit"); without one, the limit alone. */
export function instanceTable(views: InstanceView[], t: (text: Text) => string, empty: string, use?: ReadonlyMap<string, ResourceUsage>): TableView {
  return {
    kind: 'table',
    columns: [
      { key: 'name', label: t({ en: 'Name', zh: '名称' }) },
      { key: 'project', label: t({ en: 'Project', zh: '项目' }) },
      { key: 'type', label: t({ en: 'Type', zh: '类型' }) },
      { key: 'version', label: t({ en: 'Version', zh: '版本' }) },
      { key: 'phase', label: t({ en: 'Phase', zh: '状态' }) },
      { key: 'ready', label: t({ en: 'Ready', zh: '就绪' }) },
      { key: 'restarts', label: t({ en: 'Restarts', zh: '重启' }), align: 'right' },
      { key: 'cpu', label: 'CPU', align: 'right' },
      { key: 'memory', label: t({ en: 'Memory', zh: '内存' }), align: 'right' },
      { key: 'age', label: t({ en: 'Age', zh: '运行时长' }), align: 'right' },
    ],
    rows: views.map(({ instance: i, project }) => ({
      name: i.name, project, type: i.type, version: i.version, phase: phaseText(i), ready: i.ready ? t({ en: 'yes', zh: '是' }) : t({ en: 'no', zh: '否' }),
      restarts: String(i.restarts), age: formatAge(i.createdAt),
      ...inUse(i, use?.get(i.id)),
    })),
    empty,
  };
}

/** "12m / 500m (2%)": what a claw uses against its limit; the share only where the limit parses (it always should). */
export function usedOfLimit(used: number, limit: string, unit: 'cpu' | 'bytes'): string {
  const shown = unit === 'cpu' ? formatCpu(used / 1000) : formatBytesRounded(used);
  const parsed = parseQuantity(limit, unit);
  if (!parsed.ok || parsed.value.value <= 0) return `${shown} / ${limit}`;
  return `${shown} / ${limit} (${Math.round(((unit === 'cpu' ? used / 1000 : used) / parsed.value.value) * 100)}%)`;
}

/**
 * The detail of one instance. `use`: what it uses now (measured), or why that is unknown (a cluster without
 * metrics.k8s.io); absent when it does not run or has no sample yet.
 */
export function instanceDetail(view: InstanceView, events: MergedEvent[], locale: Locale, use?: ResourceUsage | Text): DetailView {
  const t = (text: Text, params?: Record<string, unknown>) => localize(text, locale, params);
  const i = view.instance;
  const fields: DetailView['fields'] = [
    { label: t({ en: 'Phase', zh: '状态' }), value: `${phaseText(i)}${i.ready ? t({ en: ', ready', zh: '，已就绪' }) : ''}` },
    { label: t({ en: 'Desired', zh: '期望状态' }), value: i.desiredPhase },
  ];
  if (i.message || i.reason) fields.push({ label: t({ en: 'Reason', zh: '原因' }), value: [i.reason, i.message].filter(Boolean).join(': ') });
  fields.push(
    { label: t({ en: 'Project', zh: '项目' }), value: `${view.tenant}/${view.project}` },
    { label: t({ en: 'Type', zh: '类型' }), value: `${i.type} ${i.version}` },
    { label: t({ en: 'Template', zh: '模板' }), value: `${i.template} · ${configVersionText(i)}` },
    { label: t({ en: 'Resources', zh: '资源' }), value: `cpu ${i.cpu}, ${t({ en: 'memory', zh: '内存' })} ${i.memory}, ${t({ en: 'storage', zh: '存储' })} 2 x ${i.storage}` },
    { label: t({ en: 'Restarts', zh: '重启次数' }), value: String(i.restarts) },
  );
  if (use) {
    const value = 'cpuMillicores' in use
      ? `cpu ${usedOfLimit(use.cpuMillicores, i.cpu, 'cpu')}, ${t({ en: 'memory', zh: '内存' })} ${usedOfLimit(use.memoryBytes, i.memory, 'bytes')}`
      : t(use);
    fields.push({ label: t({ en: 'In use', zh: '实际用量' }), value });
  }
  if (Object.keys(i.labels).length) fields.push({ label: t({ en: 'Labels', zh: '标签' }), value: Object.entries(i.labels).map(([k, v]) => `${k}=${v}`).join(',') });
  if (i.node) fields.push({ label: t({ en: 'Node', zh: '节点' }), value: i.node });
  if (i.endpoint) fields.push({ label: t({ en: 'Endpoint', zh: '地址' }), value: i.endpoint });
  if (i.startedAt) fields.push({ label: t({ en: 'Started', zh: '启动时间' }), value: formatTime(i.startedAt, locale) });
  fields.push({ label: t({ en: 'Since', zh: '状态变更' }), value: formatTime(i.lastTransitionAt, locale) });
  for (const e of events.slice(-5)) {
    fields.push({ label: t({ en: 'Event', zh: '事件' }), value: `${formatTime(e.at, locale)} ${e.type === 'Warning' ? '!' : ''}${e.reason}: ${e.message}${e.count > 1 ? ` (x${e.count})` : ''}` });
  }
  return { kind: 'detail', title: t({ en: 'Instance {name}', zh: '实例 {name}' }, { name: i.name }), fields, tone: phaseTone(i) };
}

/** One line of progress: `demo: Creating (installing openclaw@2026.9.6)`. */
export function progressLine(i: Instance): string {
  return `${i.name}: ${phaseText(i)}${i.message && i.phase !== 'Running' ? ` - ${i.message}` : ''}${i.ready ? ' (ready)' : ''}`;
}
