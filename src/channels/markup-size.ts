// What both platforms' renderers need of markdown and JSON: code spans that hold any text, and sizes as the platforms
// measure them (UTF-8 bytes of the serialised payload).

/** A code span that holds `text` verbatim, whatever backticks it contains (CommonMark: a fence one longer than the longest run). */
export function codeSpan(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** UTF-8 bytes of a value's JSON text. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

/** Bytes a string adds inside a JSON document: its escaped content, without the quotes. */
export function jsonStringBytes(text: string): number {
  return jsonBytes(text) - 2;
}
