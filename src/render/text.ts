// Renders views as plain text for the CLI, the API's `text` field and chat fallbacks; tables align CJK text.
import { displayWidth, padEndDisplay, padStartDisplay } from '../util/display-width.js';
import { chartRows } from './chart-text.js';
import type { ChartPart, TableView, View } from './view.js';

function table(view: TableView): string {
  if (view.rows.length === 0) return [view.title, view.empty].filter(Boolean).join('\n');
  const widths = view.columns.map((c) => Math.max(displayWidth(c.label), ...view.rows.map((r) => displayWidth(r[c.key] ?? ''))));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (view.columns[i]!.align === 'right' ? padStartDisplay(cell, widths[i]!) : padEndDisplay(cell, widths[i]!))).join('  ').trimEnd();
  const out: string[] = [];
  if (view.title) out.push(view.title);
  out.push(line(view.columns.map((c) => c.label.toUpperCase())));
  for (const row of view.rows) out.push(line(view.columns.map((c) => row[c.key] ?? '')));
  if (view.footer) out.push(view.footer);
  return out.join('\n');
}

function chart(part: ChartPart, indent: string): string[] {
  const rows = chartRows(part);
  const width = Math.max(0, ...rows.map((r) => displayWidth(r.label)));
  return [`${indent}${part.title}`, ...rows.map((r) => `${indent}  ${padEndDisplay(r.label, width)}  ${r.bar}${r.bar ? ' ' : ''}${r.value}`)];
}

function fields(list: Array<{ label: string; value: string }>): string[] {
  const width = Math.max(0, ...list.map((f) => displayWidth(f.label)));
  return list.map((f) => `${padEndDisplay(`${f.label}:`, width + 1)} ${f.value}`);
}

export function renderText(view: View): string {
  switch (view.kind) {
    case 'message': return view.text;
    case 'table': return table(view);
    case 'detail': return [view.title, ...fields(view.fields).map((l) => `  ${l}`)].join('\n');
    case 'secret':
      return [view.title, ...fields(view.fields).map((l) => `  ${l}`), '', `${view.label}:`, `  ${view.secret}`, '', view.warning].join('\n');
    case 'sections': {
      const out: string[] = [];
      if (view.title) out.push(view.title);
      for (const section of view.sections) {
        if (out.length) out.push('');
        if (section.heading) out.push(`${section.heading}:`);
        const indent = section.heading ? '  ' : '';
        for (const l of section.lines ?? []) out.push(`${indent}${l}`);
        if (section.chart) out.push(...chart(section.chart, indent));
        if (section.view) out.push(renderText(section.view));
      }
      return out.join('\n');
    }
  }
}
