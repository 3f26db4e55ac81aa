// Builds exact command text from structured input (REST bodies, CLI argv), quoting every value so it parses back as given.

/** Double-quoted with backslash escapes, as the grammar reads quoted words; quoted words are never flags or command words. */
export function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export type FlagValue = string | number | boolean | undefined | null | readonly string[];

export function commandText(words: readonly string[], positionals: ReadonlyArray<string | undefined>, flags: Record<string, FlagValue> = {}): string {
  const parts = ['claw', ...words];
  for (const p of positionals) if (p !== undefined) parts.push(quote(p));
  for (const [name, value] of Object.entries(flags)) {
    if (value === undefined || value === null || value === false) continue;
    if (value === true) parts.push(`--${name}`);
    else if (Array.isArray(value)) for (const v of value) parts.push(`--${name}`, quote(v));
    else parts.push(`--${name}`, quote(String(value)));
  }
  return parts.join(' ');
}
