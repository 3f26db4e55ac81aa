// Draws a caret line under the part of the input an error is about, aligned for CJK (double-width) characters.
import { displayWidth } from '../../util/display-width.js';

/** `start`/`end` are UTF-16 offsets into `line` (end exclusive); an empty span points just past the end. */
export function pointer(line: string, start: number, end: number): string {
  const safeStart = Math.max(0, Math.min(start, line.length));
  const safeEnd = Math.max(safeStart, Math.min(end, line.length));
  const pad = ' '.repeat(displayWidth(line.slice(0, safeStart)));
  const marks = '^'.repeat(Math.max(1, displayWidth(line.slice(safeStart, safeEnd))));
  return `${line}\n${pad}${marks}`;
}
