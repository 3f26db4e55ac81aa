// Binds the words after a command's name to its declared arguments and flags, typed, or says what is wrong and where.
import { ClawError } from '../errors/claw-error.js';
import type { Text } from '../i18n/locale.js';
import type { LineItem, WordItem } from './grammar/command-parser.js';
import { pointer } from './grammar/pointer.js';
import type { AnyCommand, ArgSpec, FlagSpec } from './command-spec.js';
import { closest } from '../util/suggest.js';
import { usageLine, valueName } from './usage.js';
import { parseValue, what } from './typed-value.js';

/** A command with its arguments and flags typed as its spec declares; flags not given are undefined, false or []. */
export interface BoundCommand {
  kind: 'command';
  command: AnyCommand;
  args: Record<string, unknown>;
  flags: Record<string, unknown>;
}

export function bindArguments(command: AnyCommand, items: LineItem[], text: string): BoundCommand {
  const usage = usageLine(command);
  const usageHint: Text = { en: `Usage: ${usage}`, zh: `用法：${usage}` };
  const flags: Record<string, unknown> = {};
  const positionals: WordItem[] = [];
  let flagsEnded = false;

  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    if (item.kind === 'end-of-flags') {
      flagsEnded = true;
      continue;
    }
    if (item.kind === 'word') {
      positionals.push(item);
      continue;
    }
    if (flagsEnded) {
      // After `--`, what looks like a flag is a value: `claw exec demo -- --version`.
      const raw = text.slice(item.start, item.end);
      positionals.push({ kind: 'word', text: raw, raw, quoted: true, start: item.start, end: item.end });
      continue;
    }
    const entry = findFlag(command, item.name, item.short);
    if (!entry) {
      const shown = item.short ? `-${item.name}` : `--${item.name}`;
      const near = closest(item.name, Object.keys(command.flags)).map((n) => `--${n}`);
      throw new ClawError('CLAW_PARSE_UNKNOWN_FLAG', { command: command.words.join(' '), flag: shown }, {
        pointer: pointer(text, item.start, item.end),
        suggestions: near,
        hint: near.length ? { en: `Did you mean \`${near[0]}\`? Usage: ${usage}`, zh: `你是不是想用 \`${near[0]}\`？用法：${usage}` } : usageHint,
      });
    }
    const [name, spec] = entry;
    let valueItem = item.value;
    if (!valueItem && spec.kind !== 'bool') {
      const next = items[i + 1];
      if (next?.kind !== 'word') {
        throw new ClawError('CLAW_ARG_MISSING', { what: { en: `a value for --${name} (${valueName(spec)})`, zh: ` --${name} 的值（${valueName(spec)}）` } }, {
          pointer: pointer(text, item.start, item.end),
          hint: usageHint,
        });
      }
      valueItem = next;
      i++;
    }
    let value: unknown = true;
    if (valueItem) {
      const parsed = parseValue(spec, valueItem.text);
      if (!parsed.ok) {
        throw new ClawError('CLAW_ARG_INVALID', { what: what('flag', name), reason: parsed.reason }, {
          pointer: pointer(text, valueItem.start, valueItem.end),
          hint: usageHint,
        });
      }
      value = parsed.value;
    }
    if (spec.multiple) {
      flags[name] = [...((flags[name] as unknown[] | undefined) ?? []), value];
    } else {
      if (name in flags) {
        throw new ClawError('CLAW_ARG_REPEATED', { flag: name }, { pointer: pointer(text, item.start, item.end), hint: usageHint });
      }
      flags[name] = value;
    }
  }

  for (const [name, spec] of Object.entries(command.flags)) {
    if (name in flags) continue;
    if (spec.required) {
      throw new ClawError('CLAW_ARG_MISSING', { what: what('flag', name) }, { pointer: pointer(text, text.length, text.length), hint: usageHint });
    }
    flags[name] = spec.multiple ? [] : spec.kind === 'bool' ? false : undefined;
  }

  const args: Record<string, unknown> = {};
  let p = 0;
  for (const spec of command.args) {
    if (spec.variadic) {
      const values: unknown[] = [];
      for (; p < positionals.length; p++) values.push(typedArg(spec, positionals[p]!, text, usageHint));
      if (spec.required && values.length === 0) {
        throw new ClawError('CLAW_ARG_MISSING', { what: what('argument', spec.name) }, { pointer: pointer(text, text.length, text.length), hint: usageHint });
      }
      args[spec.name] = values;
      continue;
    }
    const word = positionals[p];
    if (!word) {
      if (spec.required) {
        throw new ClawError('CLAW_ARG_MISSING', { what: what('argument', spec.name) }, { pointer: pointer(text, text.length, text.length), hint: usageHint });
      }
      args[spec.name] = undefined;
      continue;
    }
    args[spec.name] = typedArg(spec, word, text, usageHint);
    p++;
  }
  const extra = positionals[p];
  if (extra) {
    throw new ClawError('CLAW_ARG_UNEXPECTED', { value: extra.text }, { pointer: pointer(text, extra.start, extra.end), hint: usageHint });
  }
  return { kind: 'command', command, args, flags };
}

function typedArg(spec: ArgSpec, word: WordItem, text: string, hint: Text): unknown {
  const parsed = parseValue(spec, word.text);
  if (!parsed.ok) {
    throw new ClawError('CLAW_ARG_INVALID', { what: what('argument', spec.name), reason: parsed.reason }, { pointer: pointer(text, word.start, word.end), hint });
  }
  return parsed.value;
}

/** Flag names are matched case-insensitively; `--f` (an IME dash before a short flag) finds `-f`. */
function findFlag(command: AnyCommand, name: string, short: boolean): [string, FlagSpec] | undefined {
  const entries = Object.entries(command.flags);
  if (short || name.length === 1) {
    const byShort = entries.find(([, spec]) => spec.short === name);
    if (byShort || short) return byShort;
  }
  const lower = name.toLowerCase();
  return entries.find(([n]) => n === lower);
}
