// Renders views as Feishu cards (JSON 2.0) under the size limit, split between rows and paged past three cards.
import type { RenderedMessage } from '../chat-channel.js';
import type { Locale } from '../../i18n/locale.js';
import type { View } from '../../render/view.js';
import { cardElements, fitBlocks, isUnit, paginate } from './card-pages.js';
import type { Page } from './card-pages.js';
import { jsonBytes } from '../markup-size.js';
import { buttonsElement, cardFrame, escapeMarkdown, markdown } from './feishu-cards.js';
import type { CardElement } from './feishu-cards.js';
import { layoutView } from './view-blocks.js';
import type { ViewLayout } from './view-blocks.js';

const MORE: Record<Locale, (n: number, page: number) => string> = {
  en: (n, page) => `…${n} more, use --page ${page}`,
  zh: (n, page) => `…还有 ${n} 行，使用 --page ${page} 查看`,
};
const EMPTY_PAGE: Record<Locale, (page: number, pages: number) => string> = {
  en: (page, pages) => `Page ${page} is empty (${pages} ${pages === 1 ? 'page' : 'pages'}).`,
  zh: (page, pages) => `第 ${page} 页没有内容（共 ${pages} 页）。`,
};
const PAGE_LABEL: Record<Locale, (page: number, pages: number) => string> = {
  en: (page, pages) => `page ${page}/${pages}`,
  zh: (page, pages) => `第 ${page}/${pages} 页`,
};

/** Header titles show up to four lines; a view title longer than this is cut (between characters). */
const MAX_TITLE_CHARS = 120;

function cutTitle(title: string): string {
  const chars = [...title.replace(/\s+/g, ' ').trim()];
  return chars.length <= MAX_TITLE_CHARS ? chars.join('') : `${chars.slice(0, MAX_TITLE_CHARS - 1).join('')}…`;
}

function titleOf(base: string, locale: Locale, page: number, pages: number, card: number, cards: number): string {
  const parts: string[] = [];
  if (pages > 1) parts.push(PAGE_LABEL[locale](page, pages));
  if (cards > 1) parts.push(`${card}/${cards}`);
  return parts.length ? `${base} · ${parts.join(' · ')}` : base;
}

/** What closes the last card of a page: the footer, the "N more" line, the buttons. */
function trailer(layout: ViewLayout, more: string | undefined): CardElement[] {
  const out: CardElement[] = [];
  const lines = [layout.footer, more === undefined ? undefined : escapeMarkdown(more)].filter((l): l is string => Boolean(l));
  if (lines.length) out.push(markdown(lines.join('\n')));
  if (layout.actions.length) out.push(buttonsElement(layout.actions));
  return out;
}

function toMessage(card: Record<string, unknown>): RenderedMessage {
  return { type: 'interactive', content: JSON.stringify(card), updatable: true };
}

export class FeishuRenderer {
  constructor(
    /** Every card's JSON stays strictly under this many bytes. */
    private readonly maxBytes: number,
  ) {}

  render(view: View, options: { locale: Locale; page?: number }): RenderedMessage[] {
    const locale = options.locale;
    const layout = layoutView(view, locale);
    const title = cutTitle(layout.title);
    const requested = Math.max(1, Math.floor(options.page ?? 1));

    // Room for blocks = limit - an empty card with the longest title and the largest trailer any card could carry.
    const worstTitle = `${title} · ${PAGE_LABEL[locale](99_999, 99_999)} · 3/3`;
    const frame = jsonBytes(cardFrame(worstTitle, layout.color, trailer(layout, MORE[locale](9_999_999, 99_999)), layout.wide));
    const budget = this.maxBytes - 1 - frame;
    if (budget < 256) throw new Error('Feishu card budget too small for this view (title, footer and buttons alone fill a card)');

    const blocks = fitBlocks(layout.blocks, budget);
    const pages = paginate(blocks, budget);
    if (pages.length === 0) return [toMessage(cardFrame(title, layout.color, trailer(layout, undefined), layout.wide))];
    if (requested > pages.length) {
      return [toMessage(cardFrame(title, layout.color, [markdown(escapeMarkdown(EMPTY_PAGE[locale](requested, pages.length)))], false))];
    }
    const remaining = countAfter(pages, requested);
    const page = pages[requested - 1]!;
    return page.map((card, i) => {
      const last = i === page.length - 1;
      const more = last && remaining > 0 ? MORE[locale](remaining, requested + 1) : undefined;
      const elements = [...cardElements(card), ...(last ? trailer(layout, more) : [])];
      const message = toMessage(cardFrame(titleOf(title, locale, requested, pages.length, i + 1, page.length), layout.color, elements, layout.wide));
      if (Buffer.byteLength(message.content) >= this.maxBytes) throw new Error(`Feishu card of ${Buffer.byteLength(message.content)} bytes exceeds the limit`);
      return message;
    });
  }
}

/** Lines and rows on the pages after `page`. */
function countAfter(pages: Page[], page: number): number {
  let n = 0;
  for (const p of pages.slice(page)) for (const card of p) n += card.filter(isUnit).length;
  return n;
}
