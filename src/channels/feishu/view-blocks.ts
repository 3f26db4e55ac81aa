// A view taken apart into the units a card can be split between: markdown lines, table rows and rules.
import type { Locale } from '../../i18n/locale.js';
import type { TableView, Tone, View, ViewAction } from '../../render/view.js';
import { codeSpan } from '../markup-size.js';
import { chartElement, escapeMarkdown, MAX_TABLE_COLUMNS, phaseCell, toneColor } from './feishu-cards.js';
import type { CardColumn, CardElement, CardTableSpec, HeaderColor } from './feishu-cards.js';

export type Block =
  | { kind: 'line'; markdown: string }
  | { kind: 'rule' }
  | { kind: 'row'; table: CardTableSpec; cells: Record<string, unknown> }
  /** A native chart element, kept whole. */
  | { kind: 'chart'; element: CardElement };

/** Everything render() needs of a view: the header, the splittable body, and what closes each page. */
export interface ViewLayout {
  title: string;
  color: HeaderColor;
  blocks: Block[];
  /** Markdown under the body on the last card of each page (a table's footer). */
  footer?: string;
  actions: ViewAction[];
  /** Tables read best at full card width. */
  wide: boolean;
}

const TONE_TITLES: Record<Locale, Record<Tone, string>> = {
  en: { success: 'Done', info: 'Info', warning: 'Warning', danger: 'Error' },
  zh: { success: '完成', info: '提示', warning: '注意', danger: '错误' },
};
const DEFAULT_TITLE = 'Claw';

const lines = (text: string): Block[] => text.split('\n').map((l) => ({ kind: 'line', markdown: escapeMarkdown(l) }));
const bold = (text: string): Block => ({ kind: 'line', markdown: `**${escapeMarkdown(text)}**` });
const field = (label: string, value: string): Block => ({ kind: 'line', markdown: `**${escapeMarkdown(label)}**: ${escapeMarkdown(value)}` });

/** A column is a phase column by its key or label, in either language the views use. */
const isPhaseColumn = (key: string, label: string): boolean => /^phase$/i.test(key) || /^phase$/i.test(label);

function tableBlocks(view: TableView): Block[] {
  if (view.rows.length === 0) return lines(view.empty);
  if (view.columns.length === 0 || view.columns.length > MAX_TABLE_COLUMNS) {
    // The table component cannot hold it: one markdown line per row, `label: value` pairs.
    return view.rows.map((row) => ({
      kind: 'line',
      markdown: view.columns.map((c) => `**${escapeMarkdown(c.label)}**: ${escapeMarkdown(row[c.key] ?? '')}`).join(' · '),
    }));
  }
  const phase = view.columns.map((c) => isPhaseColumn(c.key, c.label));
  const spec: CardTableSpec = {
    columns: view.columns.map(
      (c, i): CardColumn => ({
        name: `c${i}`,
        display_name: c.label,
        data_type: phase[i] ? 'options' : 'text',
        horizontal_align: c.align === 'right' ? 'right' : 'left',
        width: 'auto',
      }),
    ),
  };
  return view.rows.map((row) => {
    const cells: Record<string, unknown> = {};
    view.columns.forEach((c, i) => {
      const value = row[c.key] ?? '';
      cells[`c${i}`] = phase[i] ? phaseCell(value) : value;
    });
    return { kind: 'row', table: spec, cells };
  });
}

/** The body of a view nested in a section (its own title as a bold line; its actions and headline belong to the outer view). */
function bodyBlocks(view: View): Block[] {
  switch (view.kind) {
    case 'message':
      return lines(view.text);
    case 'table':
      return [...(view.title ? [bold(view.title)] : []), ...tableBlocks(view), ...(view.footer ? lines(view.footer) : [])];
    case 'detail':
      return [bold(view.title), ...view.fields.map((f) => field(f.label, f.value))];
    case 'secret':
      return secretBlocks(view.fields, view.label, view.secret, view.warning);
    case 'sections':
      return sectionBlocks(view);
  }
}

function secretBlocks(fields: Array<{ label: string; value: string }>, label: string, secret: string, warning: string): Block[] {
  return [
    ...fields.map((f) => field(f.label, f.value)),
    bold(label),
    // A code span: one tap copies it, and no markdown inside it is interpreted.
    { kind: 'line', markdown: codeSpan(secret) },
    { kind: 'line', markdown: `<font color='orange'>${escapeMarkdown(warning)}</font>` },
  ];
}

function sectionBlocks(view: Extract<View, { kind: 'sections' }>): Block[] {
  const out: Block[] = [];
  view.sections.forEach((section, i) => {
    if (i > 0) out.push({ kind: 'rule' });
    if (section.heading) out.push(bold(section.heading));
    for (const l of section.lines ?? []) out.push(...lines(l));
    if (section.chart) out.push({ kind: 'chart', element: chartElement(section.chart) });
    if (section.view) out.push(...bodyBlocks(section.view));
  });
  return out;
}

export function layoutView(view: View, locale: Locale): ViewLayout {
  const actions = view.actions ?? [];
  switch (view.kind) {
    case 'message':
      return { title: view.headline ?? (view.tone ? TONE_TITLES[locale][view.tone] : DEFAULT_TITLE), color: toneColor(view.tone), blocks: lines(view.text), actions, wide: false };
    case 'table':
      return {
        title: view.headline ?? view.title ?? DEFAULT_TITLE,
        color: toneColor(undefined),
        // With a headline in the header, the table's own title still belongs above it.
        blocks: [...(view.headline && view.title ? [bold(view.title)] : []), ...tableBlocks(view)],
        footer: view.footer ? escapeMarkdown(view.footer) : undefined,
        actions,
        wide: view.rows.length > 0,
      };
    case 'detail':
      return {
        title: view.headline ?? view.title,
        color: toneColor(view.tone),
        blocks: [...(view.headline ? [bold(view.title)] : []), ...view.fields.map((f) => field(f.label, f.value))],
        actions,
        wide: false,
      };
    case 'secret':
      // Orange: the card holds something to copy now and keep safe.
      return {
        title: view.headline ?? view.title,
        color: 'orange',
        blocks: [...(view.headline ? [bold(view.title)] : []), ...secretBlocks(view.fields, view.label, view.secret, view.warning)],
        actions,
        wide: false,
      };
    case 'sections':
      return {
        title: view.headline ?? view.title ?? DEFAULT_TITLE,
        color: toneColor(undefined),
        blocks: [...(view.headline && view.title ? [bold(view.title)] : []), ...sectionBlocks(view)],
        actions,
        // A chart reads best at full card width.
        wide: view.sections.some((s) => s.chart),
      };
  }
}
