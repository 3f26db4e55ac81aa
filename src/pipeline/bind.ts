// Binds a parsed line to a command: resolves the command words (with aliases), then types every argument and flag.
import { ClawError } from '../errors/claw-error.js';
import type { Text } from '../i18n/locale.js';
import type { LineItem, WordItem } from './grammar/command-parser.js';
import { pointer } from './grammar/pointer.js';
import type { ParsedLine } from './grammar/parse-line.js';
import type { AnyCommand, ArgSpec, FlagSpec } from './command-spec.js';
import { type CommandNode, type CommandRegistry } from './command-registry.js';
import { closest } from './suggest.js';
import { usageLine, valueName } from './usage.js';
import { parseDuration } from './values/duration.js';
import { parseKeyValue } from './values/key-value.js';
import { parseList } from './values/list.js';
import { parseMemberName, parseResourceName } from './values/name.js';
import { parseQuantity } from './values/quantity.js';
import { parseSelector } from './values/selector.js';
import type { ValueParseResult } from './values/value-result.js';
import { parseLocale, type Locale } from '../i18n/locale.js';

export interface BoundCommand {
  kind: 'command';
  command: AnyCommand;
  args: Record<string, unknown>;
  flags: Record<string, unknown>;
}

/** `--help` anywhere, `claw` alone, or a bare group such as `claw tenant --help`: show help for these words. */
export interface HelpRequest {
  kind: 'help';
  path: string[];
}

export type Binding = BoundCommand | HelpRequest;

/** Decides which commands may appear in suggestions: the member's runnable ones (RBAC dry-run). */
export type Visible = (command: AnyCommand) => boolean;

function nodeVisible(registry: CommandRegistry, node: CommandNode, visible: Visible): boolean {
  return registry.commandsUnder(node).some(visible);
}

function visibleWords(registry: CommandRegistry, node: CommandNode, visible: Visible): string[] {
  const words: string[] = [];
  for (const [word, child] of [...node.children, ...node.aliases]) if (nodeVisible(registry, child, visible)) words.push(word);
  return words;
}

function suggestionText(words: string[]): string[] {
  return words.map((w) => `claw ${w}`);
}

function parseValue(spec: FlagSpec | ArgSpec, text: string): ValueParseResult<unknown> {
  switch (spec.kind) {
    case 'string':
      if (spec.maxLength !== undefined && text.length > spec.maxLength) {
        return { ok: false, reason: { en: `longer than ${spec.maxLength} characters`, zh: `超过 ${spec.maxLength} 个字符` } };
      }
      return { ok: true, value: text };
    case 'name': return parseResourceName(text, spec.maxLength);
    case 'member': return parseMemberName(text);
    case 'int': {
      if (!/^-?\d{1,15}$/.test(text)) return { ok: false, reason: { en: `"${text}" is not a whole number`, zh: `"${text}" 不是整数` } };
      return { ok: true, value: Number(text) };
    }
    case 'duration': return parseDuration(text);
    case 'cpu': return parseQuantity(text, 'cpu');
    case 'bytes': return parseQuantity(text, 'bytes');
    case 'selector': return parseSelector(text);
    case 'list': return parseList(text);
    case 'kv': return parseKeyValue(text);
    case 'enum': {
      const v = text.toLowerCase();
      if (spec.values?.includes(v)) return { ok: true, value: v };
      return { ok: false, reason: { en: `"${text}" is not one of ${spec.values?.join(', ')}`, zh: `"${text}" 不在可选值 ${spec.values?.join('、')} 中` } };
    }
    case 'bool': {
      const v = text.toLowerCase();
      if (['true', 'yes', 'on', '1'].includes(v)) return { ok: true, value: true };
      if (['false', 'no', 'off', '0'].includes(v)) return { ok: true, value: false };
      return { ok: false, reason: { en: `"${text}" is not true or false`, zh: `"${text}" 不是 true 或 false` } };
    }
  }
}

function what(kind: 'argument' | 'flag', name: string): Text {
  return kind === 'argument' ? { en: `argument ${name.toUpperCase()}`, zh: `参数 ${name.toUpperCase()}` } : { en: `flag --${name}`, zh: `参数 --${name}` };
}

/** `--help`/`-h` and `--lang` may appear anywhere; they are taken out before the command words are resolved. */
export interface GlobalFlags {
  items: LineItem[];
  help: boolean;
  locale?: Locale;
  /** `--page N`: which page of a long table chat channels show (they split replies at the platform's size limit). */
  page?: number;
  /** `--reason "..."`: why, for commands that wait for approval (some tenants require it). */
  reason?: string;
}

/** The global flags that take a value: how each is read, and what to say when the value will not do. */
const VALUE_FLAGS = {
  page: {
    parse: (text: string | undefined): number | undefined => {
      const n = Number(text);
      return Number.isInteger(n) && n >= 1 && n <= 10_000 ? n : undefined;
    },
    reason: { en: 'use a page number such as 2', zh: '请写页码，如 2' },
  },
  reason: {
    parse: (text: string | undefined): string | undefined => (text?.trim() && text.length <= 500 ? text : undefined),
    reason: { en: 'give a short reason (at most 500 characters)', zh: '请写一个简短原因（不超过 500 字）' },
  },
  lang: {
    parse: (text: string | undefined): Locale | undefined => parseLocale(text),
    reason: { en: 'use zh or en', zh: '请使用 zh 或 en' },
  },
} satisfies Record<string, { parse: (text: string | undefined) => unknown; reason: Text }>;

export function extractGlobalFlags(line: ParsedLine): GlobalFlags {
  const { items, text } = line;
  const rest: LineItem[] = [];
  let help = false;
  const values: { page?: number; reason?: string; lang?: Locale } = {};
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    if (item.kind === 'flag' && ((item.short && item.name === 'h') || (!item.short && item.name.toLowerCase() === 'help'))) {
      help = true;
      continue;
    }
    const name = item.kind === 'flag' && !item.short ? item.name.toLowerCase() : '';
    if (item.kind === 'flag' && (name === 'page' || name === 'reason' || name === 'lang')) {
      let value = item.value;
      if (!value && items[i + 1]?.kind === 'word') value = items[++i] as WordItem;
      const flag = VALUE_FLAGS[name];
      const parsed = flag.parse(value?.text);
      if (parsed === undefined) {
        throw new ClawError('CLAW_ARG_INVALID', { what: what('flag', name), reason: flag.reason }, { pointer: pointer(text, item.start, value?.end ?? item.end) });
      }
      Object.assign(values, { [name]: parsed });
      continue;
    }
    rest.push(item);
  }
  const { page, reason, lang: locale } = values;
  return { items: rest, help, ...(locale ? { locale } : {}), ...(page ? { page } : {}), ...(reason ? { reason } : {}) };
}

export function bind(line: ParsedLine, globals: GlobalFlags, registry: CommandRegistry, visible: Visible): Binding {
  const { text } = line;
  const rest = globals.items;

  // The program name is optional: chat users often omit it after @-mentioning the bot.
  let index = 0;
  const first = rest[0];
  if (first?.kind === 'word' && !first.quoted && first.text.toLowerCase() === 'claw') index = 1;

  // Longest match of the leading unquoted words against the command tree.
  let node = registry.root;
  for (; index < rest.length; index++) {
    const item = rest[index]!;
    if (item.kind !== 'word' || item.quoted) break;
    const next = registry.step(node, item.text.toLowerCase());
    if (!next) break;
    node = next;
  }

  if (globals.help) return { kind: 'help', path: node.path };

  if (!node.command) {
    const item = rest[index];
    if (node === registry.root && item === undefined) return { kind: 'help', path: [] };
    if (item?.kind === 'word' && !item.quoted) {
      const candidates = visibleWords(registry, node, visible);
      // One suggestion per command: `tenant ls` and `tenant list` lead to the same place.
      const seen = new Set<CommandNode>();
      const near = closest(item.text, candidates, 6).filter((w) => {
        const target = registry.step(node, w)!;
        if (seen.has(target)) return false;
        seen.add(target);
        return true;
      }).slice(0, 3);
      const prefix = node.path.join(' ');
      // `claw tenat list`: if the word after the typo fits the suggestion, suggest the whole command.
      const following = rest[index + 1];
      const suggestions = near.map((w) => {
        const target = registry.step(node, w)!;
        const nextWord = following?.kind === 'word' ? following.text.toLowerCase() : undefined;
        const deeper = nextWord ? registry.step(target, nextWord) : undefined;
        return [prefix, w, deeper ? nextWord : ''].filter(Boolean).join(' ');
      });
      throw new ClawError('CLAW_PARSE_UNKNOWN_COMMAND', { command: [prefix, item.text].filter(Boolean).join(' ') }, {
        pointer: pointer(text, item.start, item.end),
        suggestions: suggestionText(suggestions),
        hint: suggestions.length
          ? { en: `Did you mean \`claw ${suggestions[0]}\`?`, zh: `你是不是想输入 \`claw ${suggestions[0]}\`？` }
          : { en: 'Type `claw help` to see the commands you may run.', zh: '输入 `claw help` 查看你可以执行的命令。' },
      });
    }
    if (node === registry.root) {
      const at = item ?? { start: text.length, end: text.length };
      throw new ClawError('CLAW_PARSE_SYNTAX', {
        detail: { en: 'A command must start with its words, e.g. `claw status`.', zh: '命令应以命令词开头，例如 `claw status`。' },
      }, { pointer: pointer(text, at.start, at.end), hint: { en: 'Type `claw help` to see the commands.', zh: '输入 `claw help` 查看命令。' } });
    }
    const subcommands = visibleWords(registry, node, visible).filter((w) => node.children.has(w));
    throw new ClawError('CLAW_PARSE_INCOMPLETE_COMMAND', { command: node.path.join(' '), subcommands: subcommands.join(', ') }, {
      suggestions: subcommands.map((w) => `claw ${node.path.join(' ')} ${w}`),
      hint: { en: `Type \`claw help ${node.path.join(' ')}\` for details.`, zh: `输入 \`claw help ${node.path.join(' ')}\` 查看详情。` },
    });
  }

  return bindArguments(node.command, rest.slice(index), text);
}

function bindArguments(command: AnyCommand, items: LineItem[], text: string): BoundCommand {
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
