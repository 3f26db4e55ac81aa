// Removes secrets from command text before it is audited, logged or echoed: the values of the templates' `secret`
// variables (by type, whatever their name), declared secret flags, and anything token-shaped.
import type { AnyCommand } from './command-spec.js';
import type { ParsedLine } from './grammar/parse-line.js';
import { pointer } from './grammar/pointer.js';
import { displayWidth } from '../util/display-width.js';

const MASK = '***';

/** Our own tokens, wherever they appear. */
const OWN_TOKEN = /claw_[A-Za-z0-9]{12,}/g;
/** `apiKey=...`, `--app-secret=...`, `password: ...`, `token="..."` and similar, whatever the command. */
const SECRET_ASSIGNMENT = /((?:api[-_]?key|secret|password|passwd|token|access[-_]?key|private[-_]?key)["']?\s*[=:]\s*)("[^"]*"|'[^']*'|\S+)/gi;
/** `--api-key VALUE` written with a space. */
const SECRET_FLAG_SPACED = /(--(?:[a-z-]*-)?(?:api-key|secret|password|token|access-key|private-key)\s+)("[^"]*"|'[^']*'|\S+)/gi;
/** `=` and `:` as typed, and as a Chinese IME types them inside quotes (normalisation leaves quoted text alone). */
const SEPARATOR = /^\s*[=:\uff1d\uff1a]\s*/;

/** Names of template variables of type `secret`; their values are masked wherever `NAME=value` appears. */
export type SecretNames = ReadonlySet<string>;

/** Spans [start, end) of the values assigned to secret variables in text, whatever the spacing and quoting. */
function secretSpans(text: string, names: SecretNames): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  const lower = text.toLowerCase();
  for (const name of names) {
    const key = name.toLowerCase();
    for (let at = lower.indexOf(key); at >= 0; at = lower.indexOf(key, at + 1)) {
      // A whole name only: `xmodel.apiKey` or `model.apiKeys` are other words.
      if (/[\w.]/.test(text[at - 1] ?? '') || /[\w.]/.test(text[at + key.length] ?? '')) continue;
      const separator = SEPARATOR.exec(text.slice(at + key.length));
      if (!separator) continue;
      const start = at + key.length + separator[0].length;
      let end: number;
      const open = text[start];
      // The whole pair quoted (`'model.apiKey = sk a b'`): the value runs to that quote's end.
      const enclosing = text[at - 1] === '"' || text[at - 1] === "'" ? text[at - 1]! : undefined;
      if (open === '"' || open === "'") {
        const close = text.indexOf(open, start + 1);
        end = close < 0 ? text.length : close + 1;
      } else if (enclosing) {
        const close = text.indexOf(enclosing, start);
        end = close < 0 ? text.length : close;
      } else {
        end = start;
        while (end < text.length && !/\s/.test(text[end]!)) end++;
      }
      if (end > start) spans.push([start, end]);
    }
  }
  return merge(spans);
}

function merge(spans: Array<[number, number]>): Array<[number, number]> {
  const sorted = [...spans].sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  for (const s of sorted) {
    const last = out.at(-1);
    if (last && s[0] <= last[1]) last[1] = Math.max(last[1], s[1]);
    else out.push([s[0], s[1]]);
  }
  return out;
}

function mask(text: string, spans: Array<[number, number]>): string {
  let out = text;
  for (const [start, end] of [...spans].sort((a, b) => b[0] - a[0])) out = out.slice(0, start) + MASK + out.slice(end);
  return out;
}

export function redactSecrets(text: string, secretNames: SecretNames = new Set()): string {
  return mask(text, secretSpans(text, secretNames))
    .replace(OWN_TOKEN, `claw_${MASK}`)
    // A value masked already keeps its closing quote.
    .replace(SECRET_ASSIGNMENT, (all: string, key: string, value: string) => (value.startsWith(MASK) ? all : `${key}${MASK}`))
    .replace(SECRET_FLAG_SPACED, (all: string, flag: string, value: string) => (value.startsWith(MASK) ? all : `${flag}${MASK}`));
}

/** Masks the values of the command's `secret: true` flags by position, then secret variables and the general patterns. */
export function redactCommandLine(line: ParsedLine, command: AnyCommand, secretNames: SecretNames = new Set()): string {
  const spans: Array<[number, number]> = [];
  const items = line.items;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    if (item.kind !== 'flag') continue;
    const entry = Object.entries(command.flags).find(([name, spec]) => (item.short ? spec.short === item.name : name === item.name.toLowerCase()));
    if (!entry?.[1].secret) continue;
    if (item.value) spans.push([item.value.start, item.value.end]);
    else if (items[i + 1]?.kind === 'word') spans.push([items[i + 1]!.start, items[i + 1]!.end]);
  }
  return redactSecrets(mask(line.text, merge(spans)), secretNames);
}

/**
 * An error's caret diagram repeats the command line: the line is redacted and the caret moved to where the part it
 * pointed at is now (onto the mask, if it pointed into a secret).
 */
export function redactPointer(diagram: string, secretNames: SecretNames): string {
  const newline = diagram.indexOf('\n');
  if (newline < 0) return redactSecrets(diagram, secretNames);
  const line = diagram.slice(0, newline);
  const carets = diagram.slice(newline + 1);
  const padCols = carets.length - carets.trimStart().length;
  const markCols = carets.trim().length;
  // Display columns back to UTF-16 offsets.
  const offsetAt = (cols: number): number => {
    let width = 0;
    for (let i = 0; i < line.length; i++) {
      if (width >= cols) return i;
      width += displayWidth(line[i]!);
    }
    return line.length;
  };
  let start = offsetAt(padCols);
  let end = Math.max(start, offsetAt(padCols + markCols));
  const spans = secretSpans(line, secretNames);
  if (spans.length === 0) return `${redactSecrets(line, secretNames)}\n${carets}`;
  const shift = (offset: number, isEnd: boolean): number => {
    let moved = offset;
    for (const [s, e] of spans) {
      if (offset >= e) moved -= e - s - MASK.length;
      else if (offset > s || (isEnd && offset === e)) moved = moved - (offset - s) + (isEnd ? MASK.length : 0);
    }
    return moved;
  };
  start = shift(start, false);
  end = shift(end, true);
  const masked = mask(line, spans);
  // The general patterns run on the result too; they only shorten values after the caret region in practice.
  return pointer(redactSecrets(masked), start, end);
}
