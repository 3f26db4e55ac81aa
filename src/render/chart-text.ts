// A chart part drawn with characters, for renderers without native charts (text, DingTalk markdown): one bar per
// category for the first series, the other series' values beside it.
import type { ChartPart } from './view.js';

/** Width of the longest bar, in block characters: fits a phone screen next to a label and a value. */
const BAR_WIDTH = 16;

export interface ChartRow {
  label: string;
  /** `█` blocks proportional to the first series (at least one for any value above zero). */
  bar: string;
  /** The first series' value, then the others as `name value`. */
  value: string;
}

export function chartRows(chart: ChartPart): ChartRow[] {
  const [first, ...others] = chart.series;
  if (!first) return [];
  const max = Math.max(0, ...first.values);
  return chart.categories.map((label, i) => {
    const v = first.values[i] ?? 0;
    const blocks = max > 0 && v > 0 ? Math.max(1, Math.round((v / max) * BAR_WIDTH)) : 0;
    const rest = others.map((s) => `${s.name} ${s.labels[i] ?? '-'}`);
    return { label, bar: '█'.repeat(blocks), value: [first.labels[i] ?? '-', ...(rest.length ? [`(${rest.join(', ')})`] : [])].join(' ') };
  });
}
