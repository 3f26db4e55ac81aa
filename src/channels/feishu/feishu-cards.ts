// Feishu card JSON 2.0 building blocks: the card frame, markdown, table, rule and callback buttons, and safe text.
import type { ChartPart, Tone, ViewAction } from '../../render/view.js';

export type CardElement = Record<string, unknown>;

/** Header templates per tone; a view without a tone is grey. */
export type HeaderColor = 'green' | 'blue' | 'orange' | 'red' | 'grey';

export function toneColor(tone: Tone | undefined): HeaderColor {
  switch (tone) {
    case 'success': return 'green';
    case 'info': return 'blue';
    case 'warning': return 'orange';
    case 'danger': return 'red';
    default: return 'grey';
  }
}

/**
 * Plain text made safe for a markdown element. `<` and `>` would let echoed input become `<at id=all>` or `<font>`
 * tags, and `*_~\`[]` change formatting or make links; Feishu's markdown reads them back from numeric entities.
 */
export function escapeMarkdown(text: string): string {
  return text.replace(/[<>*_~`[\]]/g, (ch) => `&#${ch.codePointAt(0)!};`);
}

export function markdown(content: string): CardElement {
  return { tag: 'markdown', content };
}

export const RULE: CardElement = { tag: 'hr' };

/** Option-tag colours of a phase cell (Feishu's grey tag is `neutral`). */
const PHASE_COLORS: Record<string, string> = { Running: 'green', Failed: 'red', Stopped: 'neutral', Creating: 'orange', Destroyed: 'neutral' };

/** `Running` green, `Failed (CrashLoop)` red, `Running -> Stopped` orange while it changes, unknown phases neutral. */
export function phaseCell(value: string): Array<{ text: string; color: string }> {
  if (!value) return [];
  const color = value.includes('->') ? 'orange' : (PHASE_COLORS[value.split(/[\s(]/)[0] ?? ''] ?? 'neutral');
  return [{ text: value, color }];
}

export interface CardColumn {
  /** Generated (c0, c1, ...): view keys may hold characters Feishu does not accept in a column name. */
  name: string;
  display_name: string;
  data_type: 'text' | 'options';
  horizontal_align: 'left' | 'right';
  width: 'auto';
}

/** One table's column definitions; rows of the same spec packed into one card share one table element. */
export interface CardTableSpec {
  columns: CardColumn[];
}

/** The card table component caps columns at 50; wider views are drawn as markdown instead. */
export const MAX_TABLE_COLUMNS = 50;
/** A card holds at most 5 table components. */
export const MAX_TABLES_PER_CARD = 5;

export function tableElement(spec: CardTableSpec, rows: Array<Record<string, unknown>>): CardElement {
  return {
    tag: 'table',
    // The client pages through rows itself, 10 at a time (the component's maximum).
    page_size: 10,
    row_height: 'low',
    header_style: { bold: true, background_style: 'grey' },
    columns: spec.columns,
    rows,
  };
}

/**
 * The card's native chart (JSON 2.0 `chart`, a VChart spec; no image upload): bars grouped by category, one colour and
 * legend entry per series. Only documented fields: JSON 2.0 rejects a card with an attribute it does not know.
 */
export function chartElement(part: ChartPart): CardElement {
  const values = part.categories.flatMap((category, i) => part.series.map((s) => ({ category, series: s.name, value: s.values[i] ?? 0 })));
  return {
    tag: 'chart',
    aspect_ratio: part.categories.length > 4 ? '4:3' : '16:9',
    chart_spec: {
      type: 'bar',
      title: { text: part.title },
      data: { values },
      xField: ['category', 'series'],
      yField: 'value',
      seriesField: 'series',
      legends: { visible: part.series.length > 1, orient: 'bottom' },
    },
  };
}

const BUTTON_TYPES: Record<ViewAction['style'], string> = { primary: 'primary', danger: 'danger', default: 'default' };

/** Buttons side by side (a column each, wrapping on narrow screens); a click sends `value` back as card.action.trigger. */
export function buttonsElement(actions: ViewAction[]): CardElement {
  return {
    tag: 'column_set',
    flex_mode: 'flow',
    columns: actions.map((a) => ({
      tag: 'column',
      width: 'auto',
      elements: [
        {
          tag: 'button',
          text: { tag: 'plain_text', content: a.label },
          type: BUTTON_TYPES[a.style],
          behaviors: [{ type: 'callback', value: a.value }],
        },
      ],
    })),
  };
}

/** The card frame. `update_multi` (the only value JSON 2.0 allows) makes an update reach everyone who got the card. */
export function cardFrame(title: string, color: HeaderColor, elements: CardElement[], wide: boolean): Record<string, unknown> {
  const config: Record<string, unknown> = { update_multi: true };
  if (wide) config.width_mode = 'fill';
  return {
    schema: '2.0',
    config,
    header: { title: { tag: 'plain_text', content: title }, template: color },
    body: { elements },
  };
}
