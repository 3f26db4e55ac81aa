// Renders views as DingTalk messages: markdown, ActionCard (dtmd buttons) or an interactive card, split by bytes and paged.
import { localize } from '../../i18n/locale.js';
import type { Locale, Text } from '../../i18n/locale.js';
import { chartRows } from '../../render/chart-text.js';
import { renderText } from '../../render/text.js';
import type { Tone, View, ViewAction } from '../../render/view.js';
import type { RenderedMessage } from '../chat-channel.js';
import { codeSpan, jsonStringBytes } from '../markup-size.js';
import { LINE_BREAK, escapeMarkdown, splitByBytes, truncateGraphemes } from './markdown-text.js';

export interface DingTalkRenderOptions {
  locale: Locale;
  /** 1-based; each page holds up to `messagesPerPage` messages. */
  page?: number;
  /** With a template, views that carry `actions` become interactive cards; without one, ActionCards. */
  cardTemplateId?: string;
  /** Largest serialised payload per message. */
  maxBytes: number;
  /** Three messages are about what a chat can take at once before the rest reads as spam. */
  messagesPerPage?: number;
}

/** `markdown` content: sampleMarkdown's msgParam, and `markdown` of a sessionWebhook reply. */
export interface MarkdownContent {
  title: string;
  text: string;
}

/** `actionCard` content, in the sessionWebhook's shape; delivery turns it into sampleActionCardN for the OpenAPI. */
export interface ActionCardContent {
  title: string;
  text: string;
  /** '0' vertical: labels stay readable on phones. */
  btnOrientation: '0' | '1';
  btns: Array<{ title: string; actionURL: string }>;
}

/** `card` content: the cardData of an interactive card; every value is a string, as DingTalk's card data requires. */
export interface CardContent {
  cardParamMap: CardParamMap;
}

/**
 * The variables the card template reads: `title` (plain text with the tone emoji), `markdown` (the body), `tone`
 * (success | info | warning | danger) and `buttons`, a JSON array of {id, text, color, params}; a button's callback
 * must send its `params`, which come back in the click as the ViewAction value.
 */
export interface CardParamMap {
  title: string;
  markdown: string;
  tone: string;
  buttons: string;
  [key: string]: string;
}

/** DingTalk's ActionCard messages have templates for one to five buttons (sampleActionCard … sampleActionCard5). */
export const MAX_ACTION_CARD_BUTTONS = 5;
/** ActionCard button titles are cut at 20 characters by DingTalk. */
const BUTTON_TITLE_MAX = 20;
/** The notification preview shows a short line; long titles only get cut by the client anyway. */
const TITLE_MAX = 60;
/** A heading is repeated on every part: keep it to a line. */
const HEADING_MAX = 200;
const DEFAULT_MESSAGES_PER_PAGE = 3;
const FALLBACK_TITLE = 'Open Cluster Claw';

/**
 * Tones as coloured circles in the title line (and the notification preview): they render the same on every DingTalk
 * client and read like Feishu's header colours, while `<font color>` renders differently on phones and PCs.
 */
const TONE_EMOJI: Record<Tone, string> = { success: '🟢', info: '🔵', warning: '🟠', danger: '🔴' };

const BUTTON_COLOR: Record<ViewAction['style'], string> = { primary: 'blue', danger: 'red', default: 'gray' };

const TEXT = {
  more: { en: '…{n} more, use --page {page}', zh: '…还有 {n} 行，使用 --page {page} 查看' },
  noPage: { en: 'There is no page {page}: the last page is {pages}.', zh: '没有第 {page} 页，最后一页是第 {pages} 页。' },
  moreActions: { en: 'More actions:', zh: '更多操作：' },
} satisfies Record<string, Text>;

/** A line that is never split from itself, and which row (or line) of the view it came from. */
interface Unit {
  text: string;
  origin: number;
}

/** A view laid out as markdown lines, before splitting. */
interface Layout {
  /** Plain-text title for the notification preview and cards. */
  title: string;
  /** Escaped heading text shown as the first line of every part; undefined for plain messages. */
  heading: string | undefined;
  /** The tone's emoji ('' without a tone): in the title, and in the heading or else the first line. */
  emoji: string;
  tone: Tone | undefined;
  /** Lines repeated under the heading of every part (a table's column labels). */
  head: string[];
  units: Unit[];
  /** Lines after the last unit (a table's footer). */
  tail: string[];
  /** How many rows (or lines) the units came from, for "N more". */
  rows: number;
}

type Variant = 'markdown' | 'actionCard' | 'card';

export function renderDingTalk(view: View, options: DingTalkRenderOptions): RenderedMessage[] {
  const layout = layoutOf(view);
  const actions = view.actions;
  const perPage = options.messagesPerPage ?? DEFAULT_MESSAGES_PER_PAGE;
  // An empty actions array still asks for a card: the resolved state of an approval card replaces it in place.
  const actionVariant: Variant | undefined = options.cardTemplateId && actions ? 'card' : actions?.length ? 'actionCard' : undefined;

  const build = (variant: Variant, part: Unit[], index: number, total: number, last: boolean, more: string | undefined): RenderedMessage => {
    const suffix = total > 1 ? ` (${index + 1}/${total})` : '';
    const title = `${layout.emoji ? `${layout.emoji} ` : ''}${layout.title}${suffix}`;
    const lines: string[] = [];
    // Cards show the title themselves; messages need it in the body (DingTalk's `title` is only the preview).
    if (layout.heading !== undefined && variant !== 'card') lines.push(`#### ${layout.emoji ? `${layout.emoji} ` : ''}${layout.heading}${suffix}`);
    lines.push(...layout.head, ...part.map((u) => u.text));
    if (last) lines.push(...layout.tail);
    if (more) lines.push('', more);
    return messageOf(variant, title, lines, actions ?? [], layout.tone, options.locale);
  };

  // Room for everything but the units, measured on the largest form a part can take.
  const worstMore = localize(TEXT.more, options.locale, { n: 9_999_999, page: 99_999 });
  const variants: Variant[] = actionVariant ? ['markdown', actionVariant] : ['markdown'];
  const reserve = Math.max(...variants.map((v) => Buffer.byteLength(build(v, [], 99_998, 99_999, true, worstMore).content)));
  const unitBudget = Math.max(512, options.maxBytes - reserve - 16);
  const parts = pack(layout.units, unitBudget);

  const pages = Math.max(1, Math.ceil(parts.length / perPage));
  const page = Math.max(1, Math.floor(options.page ?? 1));
  if (page > pages) {
    const text = localize(TEXT.noPage, options.locale, { page, pages });
    return [messageOf('markdown', layout.title, [escapeMarkdown(text)], [], undefined, options.locale)];
  }
  const first = (page - 1) * perPage;
  const slice = parts.slice(first, first + perPage);
  const next = parts[first + perPage];
  const more = next ? localize(TEXT.more, options.locale, { n: layout.rows - (next[0]?.origin ?? 0), page: page + 1 }) : undefined;

  const messages = slice.map((part, i) => {
    const index = first + i;
    const lastOfPage = i === slice.length - 1;
    return build(lastOfPage && actionVariant ? actionVariant : 'markdown', part, index, parts.length, index === parts.length - 1, lastOfPage ? more : undefined);
  });
  for (const m of messages) {
    // The reserve makes this impossible; fail loudly rather than send something DingTalk rejects as 460101.
    if (Buffer.byteLength(m.content) > options.maxBytes) throw new Error(`DingTalk message of ${Buffer.byteLength(m.content)} bytes exceeds ${options.maxBytes}`);
  }
  return messages;
}

/**
 * The card data to put in place of a card, from whatever message replaces it: a click handler's answer or an outbox
 * update. A view without `actions` (a decided approval) renders as markdown; on a card it becomes the card's text with
 * no buttons, the tone read back from the title's circle, and without the heading line the card shows as its title.
 */
export function cardParamMapOf(message: RenderedMessage): CardParamMap | undefined {
  try {
    const content = JSON.parse(message.content) as Partial<CardContent & MarkdownContent>;
    if (message.type === 'card' && content.cardParamMap) return content.cardParamMap;
    if ((message.type === 'markdown' || message.type === 'actionCard') && typeof content.text === 'string') {
      const title = typeof content.title === 'string' ? content.title : '';
      const lines = content.text.split(LINE_BREAK);
      const body = lines[0]?.startsWith('#### ') ? lines.slice(1) : lines;
      const tone = (Object.keys(TONE_EMOJI) as Tone[]).find((t) => title.startsWith(TONE_EMOJI[t])) ?? 'info';
      // Buttons are dropped on purpose: a card replaced by a plain message has been acted on.
      return { title, markdown: body.join(LINE_BREAK), tone, buttons: '[]' };
    }
  } catch {
    // Not ours: nothing to put on the card.
  }
  return undefined;
}

/** The dtmd link that makes the DingTalk client send `command` as the user, for chats without card callbacks. */
export function sendMessageLink(command: string): string {
  return `dtmd://dingtalkclient/sendMessage?content=${encodeURIComponent(command)}`;
}

function pack(units: Unit[], budget: number): Unit[][] {
  const breakBytes = jsonStringBytes(LINE_BREAK);
  const pieces = units.flatMap((u) =>
    jsonStringBytes(u.text) + breakBytes <= budget ? [u] : splitByBytes(u.text, budget - breakBytes).map((text) => ({ text, origin: u.origin })),
  );
  const parts: Unit[][] = [];
  let current: Unit[] = [];
  let size = 0;
  for (const unit of pieces) {
    const cost = jsonStringBytes(unit.text) + breakBytes;
    if (size + cost > budget && current.length > 0) {
      parts.push(current);
      current = [];
      size = 0;
    }
    current.push(unit);
    size += cost;
  }
  parts.push(current);
  return parts;
}

function messageOf(variant: Variant, title: string, lines: string[], actions: ViewAction[], tone: Tone | undefined, locale: Locale): RenderedMessage {
  if (variant === 'card') {
    const buttons = actions.map((a, i) => ({ id: `action_${i + 1}`, text: a.label, color: BUTTON_COLOR[a.style], params: a.value }));
    const cardParamMap: CardParamMap = { title, markdown: lines.join(LINE_BREAK), tone: tone ?? 'info', buttons: JSON.stringify(buttons) };
    return { type: 'card', content: JSON.stringify({ cardParamMap } satisfies CardContent), updatable: true };
  }
  if (variant === 'actionCard') {
    const shown = actions.slice(0, MAX_ACTION_CARD_BUTTONS);
    const rest = actions.slice(MAX_ACTION_CARD_BUTTONS);
    const extra = rest.length ? ['', localize(TEXT.moreActions, locale), ...rest.map((a) => `${escapeMarkdown(a.label)}: ${codeSpan(a.command)}`)] : [];
    const content: ActionCardContent = {
      title,
      text: [...lines, ...extra].join(LINE_BREAK),
      btnOrientation: '0',
      btns: shown.map((a) => ({ title: truncateGraphemes(a.label, BUTTON_TITLE_MAX), actionURL: sendMessageLink(a.command) })),
    };
    return { type: 'actionCard', content: JSON.stringify(content), updatable: false };
  }
  const content: MarkdownContent = { title, text: lines.join(LINE_BREAK) };
  return { type: 'markdown', content: JSON.stringify(content), updatable: false };
}

/** A view without a heading is titled by its first line of text (rendered only then: tables make that costly). */
function firstLineOf(view: View): string {
  return renderText(view).split('\n').find((l) => l.trim()) ?? '';
}

function layoutOf(view: View): Layout {
  const tone = 'tone' in view ? view.tone : undefined;
  const explicit = view.kind === 'message' ? undefined : view.title;
  const headingText = view.headline ?? explicit;
  const body = bodyOf(view);
  // A second title (the view's own, under a different headline) leads the body.
  if (view.headline && explicit && explicit !== view.headline) body.head.unshift(`**${escapeMarkdown(explicit)}**`);
  const units = body.units.map((text, origin) => ({ text, origin }));
  const emoji = tone ? TONE_EMOJI[tone] : '';
  // Without a heading the tone marks the first line instead.
  if (headingText === undefined && emoji && units[0]) units[0] = { ...units[0], text: `${emoji} ${units[0].text}` };
  return {
    // DingTalk requires a title; an empty view still gets one.
    title: truncateGraphemes((headingText ?? firstLineOf(view)).trim(), TITLE_MAX) || FALLBACK_TITLE,
    heading: headingText === undefined ? undefined : escapeMarkdown(truncateGraphemes(headingText, HEADING_MAX)),
    emoji,
    tone,
    head: body.head,
    units,
    tail: body.tail,
    rows: units.length,
  };
}

interface Body {
  head: string[];
  units: string[];
  tail: string[];
}

function bodyOf(view: View): Body {
  switch (view.kind) {
    case 'message':
      return { head: [], units: view.text.split('\n').map(escapeMarkdown), tail: [] };
    case 'table': {
      const tail = view.footer ? [escapeMarkdown(view.footer)] : [];
      if (view.rows.length === 0) return { head: [], units: [escapeMarkdown(view.empty)], tail };
      return { head: [columnLabels(view.columns)], units: view.rows.map((r) => tableRow(view.columns, r)), tail };
    }
    case 'detail':
      return { head: [], units: fieldLines(view.fields), tail: [] };
    case 'secret':
      // The secret appears once, in a code span so a tap selects exactly it; never in the title or preview.
      return {
        head: [],
        units: [...fieldLines(view.fields), ...(view.fields.length ? [''] : []), `**${escapeMarkdown(view.label)}**`, codeSpan(view.secret), '', `⚠️ **${escapeMarkdown(view.warning)}**`],
        tail: [],
      };
    case 'sections': {
      const units: string[] = [];
      for (const section of view.sections) {
        if (units.length) units.push('');
        if (section.heading) units.push(`**${escapeMarkdown(section.heading)}**`);
        units.push(...(section.lines ?? []).map(escapeMarkdown));
        // No chart in DingTalk markdown: a bar of blocks per category, in the line's own order (its font is proportional).
        if (section.chart) units.push(escapeMarkdown(section.chart.title), ...chartRows(section.chart).map((r) => escapeMarkdown(`${r.label} ${r.bar} ${r.value}`)));
        if (section.view) units.push(...nestedLines(section.view));
      }
      return { head: [], units, tail: [] };
    }
  }
}

/** A view inside sections: its title in bold, then its lines; a nested table keeps its column labels once. */
function nestedLines(view: View): string[] {
  const body = bodyOf(view);
  const title = view.kind === 'message' ? view.headline : (view.headline ?? view.title);
  return [...(title ? [`**${escapeMarkdown(title)}**`] : []), ...body.head, ...body.units, ...body.tail];
}

/**
 * Rows as lines with a middle dot between cells: DingTalk markdown tables render unreliably (not in its documented
 * subset) and its proportional font defeats space padding, so alignment comes from the fixed column order instead.
 */
function tableRow(columns: Array<{ key: string }>, row: Record<string, string>): string {
  return columns.map((c) => escapeMarkdown(row[c.key] || '-')).join(' · ');
}

function columnLabels(columns: Array<{ label: string }>): string {
  return `**${columns.map((c) => escapeMarkdown(c.label)).join(' · ')}**`;
}

function fieldLines(fields: Array<{ label: string; value: string }>): string[] {
  return fields.map((f) => `**${escapeMarkdown(f.label)}**: ${escapeMarkdown(f.value)}`);
}
