// Splits a view's blocks into cards under the size limit and cards into pages: never inside a row or a character.
import { jsonBytes, jsonStringBytes } from '../markup-size.js';
import { markdown, MAX_TABLES_PER_CARD, RULE, tableElement } from './feishu-cards.js';
import type { CardElement } from './feishu-cards.js';
import type { Block } from './view-blocks.js';

/** A page is what one reply shows: at most this many messages (more would flood the chat)... */
export const CARDS_PER_PAGE = 3;
/** ...and at most this many table rows, even when they would fit. */
export const ROWS_PER_PAGE = 50;

export type Card = Block[];
export type Page = Card[];

/** Lines and rows count towards "N more"; rules are layout. */
export const isUnit = (b: Block): boolean => b.kind !== 'rule';

/** Bytes a block adds to a card after `prev`: exact for JSON (string escapes concatenate), plus a comma. */
function blockBytes(block: Block, prev: Block | undefined): number {
  switch (block.kind) {
    case 'line':
      return prev?.kind === 'line' ? jsonStringBytes(`\n${block.markdown}`) : jsonBytes(markdown(block.markdown)) + 1;
    case 'rule':
      return jsonBytes(RULE) + 1;
    case 'row':
      return prev?.kind === 'row' && prev.table === block.table ? jsonBytes(block.cells) + 1 : jsonBytes(tableElement(block.table, [block.cells])) + 1;
    case 'chart':
      return jsonBytes(block.element) + 1;
  }
}

const startsTable = (block: Block, prev: Block | undefined): boolean => block.kind === 'row' && !(prev?.kind === 'row' && prev.table === block.table);

/** Markdown split into tokens that must stay whole: a numeric entity, a font tag, one code point. */
const TOKENS = /&#\d+;|<\/?font[^>]*>|[\s\S]/gu;

/** A line too long for any card, cut into lines that fit; at whitespace in the second half of a piece when there is one. */
function splitLine(md: string, maxBytes: number): string[] {
  const pieces: string[] = [];
  let piece: string[] = [];
  let bytes = 0;
  for (const token of md.match(TOKENS) ?? []) {
    const size = jsonStringBytes(token);
    if (bytes + size > maxBytes && piece.length > 0) {
      let cut = piece.length;
      for (let i = piece.length - 1; i >= piece.length / 2; i--) {
        if (/^\s$/u.test(piece[i]!)) {
          cut = i + 1;
          break;
        }
      }
      pieces.push(piece.slice(0, cut).join(''));
      piece = piece.slice(cut);
      bytes = piece.reduce((n, t) => n + jsonStringBytes(t), 0);
    }
    piece.push(token);
    bytes += size;
  }
  if (piece.length > 0 || pieces.length === 0) pieces.push(piece.join(''));
  return pieces;
}

/** Halves the longest text cell (by code points, marked with …) until the row fits a card of its own. */
function shrinkRow(block: Extract<Block, { kind: 'row' }>, budget: number): Block {
  const cells = { ...block.cells };
  while (jsonBytes(tableElement(block.table, [cells])) + 1 > budget) {
    let longest: string | undefined;
    for (const [k, v] of Object.entries(cells)) if (typeof v === 'string' && (!longest || v.length > (cells[longest] as string).length)) longest = k;
    if (!longest) break;
    const chars = [...(cells[longest] as string)];
    if (chars.length <= 1) break;
    cells[longest] = `${chars.slice(0, Math.floor(chars.length / 2)).join('')}…`;
  }
  return { ...block, cells };
}

/** Makes every block fit an empty card on its own, so packing always makes progress. */
export function fitBlocks(blocks: Block[], budget: number): Block[] {
  const out: Block[] = [];
  for (const block of blocks) {
    if (blockBytes(block, undefined) <= budget) out.push(block);
    else if (block.kind === 'line') {
      const overhead = jsonBytes(markdown('')) + 1;
      for (const piece of splitLine(block.markdown, Math.max(64, budget - overhead))) out.push({ kind: 'line', markdown: piece });
    } else if (block.kind === 'row') out.push(shrinkRow(block, budget));
    else out.push(block);
  }
  return out;
}

/**
 * Greedy packing: a card takes blocks while they fit `budget` bytes and 5 tables; a page takes cards up to
 * CARDS_PER_PAGE and rows up to ROWS_PER_PAGE. Deterministic, so page K is the same whenever it is asked for.
 */
export function paginate(blocks: Block[], budget: number): Page[] {
  const pages: Page[] = [];
  let i = 0;
  while (i < blocks.length) {
    const page: Page = [];
    let rows = 0;
    let full = false;
    while (!full && page.length < CARDS_PER_PAGE && i < blocks.length) {
      const card: Card = [];
      let used = 0;
      let tables = 0;
      while (i < blocks.length) {
        const block = blocks[i]!;
        // A rule separates what follows from what came before: at the top of a card it separates nothing.
        if (block.kind === 'rule' && card.length === 0) {
          i++;
          continue;
        }
        if (block.kind === 'row' && rows >= ROWS_PER_PAGE) {
          full = true;
          break;
        }
        const prev = card[card.length - 1];
        const opensTable = startsTable(block, prev);
        if (opensTable && tables >= MAX_TABLES_PER_CARD) break;
        const size = blockBytes(block, prev);
        if (card.length > 0 && used + size > budget) break;
        card.push(block);
        used += size;
        if (opensTable) tables++;
        if (block.kind === 'row') rows++;
        i++;
      }
      // Nor at the bottom.
      while (card[card.length - 1]?.kind === 'rule') card.pop();
      if (card.length > 0) page.push(card);
    }
    if (page.length > 0) pages.push(page);
  }
  return pages;
}

/** A card's blocks as elements: neighbouring lines become one markdown element, neighbouring rows of a table one table. */
export function cardElements(card: Card): CardElement[] {
  const elements: CardElement[] = [];
  let prev: Block | undefined;
  for (const block of card) {
    if (block.kind === 'rule') elements.push(RULE);
    else if (block.kind === 'chart') elements.push(block.element);
    else if (block.kind === 'line') {
      const last = elements[elements.length - 1];
      if (prev?.kind === 'line' && last) last.content = `${String(last.content)}\n${block.markdown}`;
      else elements.push(markdown(block.markdown));
    } else {
      const last = elements[elements.length - 1];
      if (prev?.kind === 'row' && prev.table === block.table && last) (last.rows as unknown[]).push(block.cells);
      else elements.push(tableElement(block.table, [block.cells]));
    }
    prev = block;
  }
  return elements;
}
