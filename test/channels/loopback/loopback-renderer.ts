// Renders views as loopback messages: the plain-text rendering (src/render/text.ts) in JSON, split between lines (a
// table's rows) under the size limit, paged past three messages; buttons make the last message an updatable card.
import type { RenderedMessage } from '../../../src/channels/chat-channel.js';
import { jsonBytes, jsonStringBytes } from '../../../src/channels/markup-size.js';
import type { Locale } from '../../../src/i18n/locale.js';
import { renderText } from '../../../src/render/text.js';
import type { TableView, Tone, View } from '../../../src/render/view.js';
import type { CardButton, MessageContent } from './loopback-protocol.js';

/** A page is what one reply shows: at most this many messages (more would flood the chat)... */
export const MESSAGES_PER_PAGE = 3;
/** ...and at most this many table rows, even when they would fit. */
export const ROWS_PER_PAGE = 50;

/** Plain text has no colours: the tone is a mark in front of the first line. */
const TONE_MARK: Record<Tone, string> = { success: '✅', info: 'ℹ️', warning: '⚠️', danger: '⛔' };

const MORE: Record<Locale, (n: number, page: number) => string> = {
  en: (n, page) => `…${n} more, use --page ${page}`,
  zh: (n, page) => `…还有 ${n} 行，使用 --page ${page} 查看`,
};
const PAST_END: Record<Locale, (page: number, pages: number) => string> = {
  en: (page, pages) => `Page ${page} is empty (${pages} ${pages === 1 ? 'page' : 'pages'}).`,
  zh: (page, pages) => `第 ${page} 页没有内容（共 ${pages} 页）。`,
};

interface Line {
  text: string;
  /** Counts towards "N more": a table's rows, every line of any other view. */
  unit: boolean;
  /** A table row: a page holds at most ROWS_PER_PAGE of them. */
  row: boolean;
}

interface Message {
  lines: string[];
  units: number;
}

type Page = Message[];

const oneLine = (s: string): string => s.replace(/[\r\n]+/g, ' ');
const prose = (text: string): Line[] => text.split('\n').map((t) => ({ text: t, unit: true, row: false }));
const layout = (text: string): Line[] => text.split('\n').map((t) => ({ text: t, unit: false, row: false }));

/** A table as lines, one per row: the text renderer aligns the columns, title and footer stay outside the grid. */
function tableLines(view: TableView): Line[] {
  if (view.rows.length === 0) return prose(renderText(view));
  // A line break inside a cell would split its row over two lines, and so over two messages.
  const rows = view.rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, oneLine(v)])));
  const [header = '', ...grid] = renderText({ ...view, rows, title: undefined, footer: undefined }).split('\n');
  return [
    ...(view.title ? layout(view.title) : []),
    { text: header, unit: false, row: false },
    ...grid.map((text) => ({ text, unit: true, row: true })),
    ...(view.footer ? layout(view.footer) : []),
  ];
}

function linesOf(view: View): Line[] {
  const body = view.kind === 'table' ? tableLines(view) : prose(renderText(view));
  const tone = view.kind === 'message' || view.kind === 'detail' ? view.tone : undefined;
  const mark = tone ? `${TONE_MARK[tone]} ` : '';
  if (view.headline) return [{ text: `${mark}${oneLine(view.headline)}`, unit: false, row: false }, ...body];
  const [first, ...rest] = body;
  return first ? [{ ...first, text: `${mark}${first.text}` }, ...rest] : [{ text: mark.trim(), unit: false, row: false }];
}

/** A line too long for any message, cut between code points into lines that fit; only the first piece counts. */
function fitLines(lines: Line[], budget: number): Line[] {
  const out: Line[] = [];
  for (const line of lines) {
    if (jsonStringBytes(line.text) <= budget) {
      out.push(line);
      continue;
    }
    let piece = '';
    let first = true;
    for (const ch of line.text) {
      if (piece !== '' && jsonStringBytes(piece + ch) > budget) {
        out.push({ ...line, text: piece, unit: line.unit && first });
        first = false;
        piece = '';
      }
      piece += ch;
    }
    out.push({ ...line, text: piece, unit: line.unit && first });
  }
  return out;
}

/** Greedy and deterministic, so page K is the same whenever it is asked for. */
function paginate(lines: Line[], budget: number): Page[] {
  const base = jsonBytes({ text: '' });
  const pages: Page[] = [];
  let i = 0;
  while (i < lines.length) {
    const page: Page = [];
    let rows = 0;
    let full = false;
    while (!full && page.length < MESSAGES_PER_PAGE && i < lines.length) {
      const message: Message = { lines: [], units: 0 };
      let bytes = base;
      while (i < lines.length) {
        const line = lines[i]!;
        if (line.row && rows >= ROWS_PER_PAGE) {
          full = true;
          break;
        }
        // Lines join with "\n", two bytes in JSON.
        const size = jsonStringBytes(line.text) + (message.lines.length > 0 ? 2 : 0);
        if (message.lines.length > 0 && bytes + size > budget) break;
        message.lines.push(line.text);
        if (line.unit) message.units++;
        if (line.row) rows++;
        bytes += size;
        i++;
      }
      if (message.lines.length > 0) page.push(message);
    }
    pages.push(page);
  }
  return pages;
}

function toMessage(content: MessageContent, card: boolean): RenderedMessage {
  return { type: card ? 'card' : 'text', content: JSON.stringify(content), updatable: card };
}

export function renderLoopback(view: View, options: { locale: Locale; page?: number; maxBytes: number }): RenderedMessage[] {
  const { locale, maxBytes } = options;
  // `actions: []` asks for a card too: one that can be updated in place (progress, a decided approval).
  const buttons: CardButton[] | undefined = view.actions?.map((a) => ({ label: a.label, style: a.style, value: { ...a.value } }));
  const card = buttons !== undefined;
  const lines = linesOf(view);
  // Room kept in every message for what only the last one of a page carries: the buttons and the "N more" line.
  const reserve = (card ? jsonBytes({ text: '', buttons }) - jsonBytes({ text: '' }) : 0) + jsonStringBytes(`\n${MORE[locale](lines.length, 99_999)}`);
  const budget = maxBytes - reserve;
  const pages = paginate(fitLines(lines, budget - jsonBytes({ text: '' })), budget);
  const page = Math.max(1, options.page ?? 1);
  const shown = pages[page - 1];
  if (!shown) return [toMessage({ text: PAST_END[locale](page, pages.length) }, false)];
  const later = pages.slice(page).flat().reduce((n, m) => n + m.units, 0);
  return shown.map((message, k) => {
    const last = k === shown.length - 1;
    const text = [...message.lines, ...(last && page < pages.length ? [MORE[locale](later, page + 1)] : [])].join('\n');
    return last && card ? toMessage({ text, buttons }, true) : toMessage({ text }, false);
  });
}
