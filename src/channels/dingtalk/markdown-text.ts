// Text helpers for DingTalk markdown: escaping user text, and byte-exact sizing and splitting (UTF-8, as JSON).
import { jsonStringBytes } from '../markup-size.js';

/**
 * DingTalk's markdown has no tables and collapses runs of spaces, so a line break is the only layout we control.
 * Two trailing spaces make a hard break in every markdown flavour; DingTalk's own docs advise padding "\n" with spaces.
 */
export const LINE_BREAK = '  \n';

/**
 * User text as literal markdown: inline markup characters are backslash-escaped (so `[x](url)` is no link and `|` no
 * table cell), `<` and `>` become entities because DingTalk markdown accepts HTML (<font>), and a line that starts like
 * block syntax (heading, list item, quote, rule or setext underline, numbered item) is defused. Leading spaces become
 * no-break spaces: they keep the indentation DingTalk would collapse and cannot start a code block.
 */
export function escapeMarkdown(text: string): string {
  const inline = text
    .replace(/[\\`*_[\]~|]/g, '\\$&')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r?\n/g, ' ');
  return inline
    .replace(/^(\s*)(#{1,6}|[-+])(?=\s|$)/, '$1\\$2')
    .replace(/^(\s*)([-=])(?=[-=\s]*$)/, '$1\\$2')
    .replace(/^(\s*\d{1,9})([.)])(?=\s|$)/, '$1\\$2')
    .replace(/^ +/, (spaces) => '\u00a0'.repeat(spaces.length));
}


const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** jsonStringBytes for one grapheme, with a fast path for the common single character that JSON leaves alone. */
function segmentBytes(segment: string): number {
  if (segment.length === 1) {
    const c = segment.charCodeAt(0);
    if (c >= 0x20 && c !== 0x22 && c !== 0x5c && (c < 0xd800 || c > 0xdfff)) return c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
  }
  return jsonStringBytes(segment);
}

/**
 * Cuts text into pieces of at most `maxBytes` (as JSON), only between grapheme clusters, so neither a multi-byte
 * character nor an emoji sequence is ever torn apart.
 */
export function splitByBytes(text: string, maxBytes: number): string[] {
  const pieces: string[] = [];
  let current = '';
  let size = 0;
  for (const { segment } of segmenter.segment(text)) {
    const cost = segmentBytes(segment);
    if (size + cost > maxBytes && current) {
      pieces.push(current);
      current = '';
      size = 0;
    }
    current += segment;
    size += cost;
  }
  if (current || pieces.length === 0) pieces.push(current);
  return pieces;
}

/** At most `max` grapheme clusters, with an ellipsis when shortened (titles shown in notifications). */
export function truncateGraphemes(text: string, max: number): string {
  const kept: string[] = [];
  for (const { segment } of segmenter.segment(text)) {
    // Stop early: titles are cut from texts that may be tens of kilobytes long.
    if (kept.length === max) return `${kept.slice(0, max - 1).join('')}…`;
    kept.push(segment);
  }
  return text;
}
