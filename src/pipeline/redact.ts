// Removes secrets from command text before it is audited or logged: declared secret flags and anything token-shaped.
import type { AnyCommand } from './command-spec.js';
import type { ParsedLine } from './grammar/parse-line.js';

const MASK = '***';

/** Our own tokens, wherever they appear. */
const OWN_TOKEN = /claw_[A-Za-z0-9]{12,}/g;
/** `apiKey=...`, `--app-secret=...`, `password: ...`, `token="..."` and similar, whatever the command. */
const SECRET_ASSIGNMENT = /((?:api[-_]?key|secret|password|passwd|token|access[-_]?key|private[-_]?key)["']?\s*[=:]\s*)("[^"]*"|'[^']*'|\S+)/gi;
/** `--api-key VALUE` written with a space. */
const SECRET_FLAG_SPACED = /(--(?:[a-z-]*-)?(?:api-key|secret|password|token|access-key|private-key)\s+)("[^"]*"|'[^']*'|\S+)/gi;

export function redactSecrets(text: string): string {
  return text
    .replace(OWN_TOKEN, `claw_${MASK}`)
    .replace(SECRET_ASSIGNMENT, (_, key: string) => `${key}${MASK}`)
    .replace(SECRET_FLAG_SPACED, (_, flag: string) => `${flag}${MASK}`);
}

/** Masks the values of the command's `secret: true` flags by position, then applies the general patterns. */
export function redactCommandLine(line: ParsedLine, command: AnyCommand): string {
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
  let text = line.text;
  for (const [start, end] of spans.sort((a, b) => b[0] - a[0])) text = text.slice(0, start) + MASK + text.slice(end);
  return redactSecrets(text);
}
