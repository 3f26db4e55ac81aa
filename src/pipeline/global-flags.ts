// The flags every command takes (`--help`, `--lang`, `--page`, `--reason`), taken out of a line wherever they appear.
import { ClawError } from '../errors/claw-error.js';
import { parseLocale, type Locale, type Text } from '../i18n/locale.js';
import type { LineItem, WordItem } from './grammar/command-parser.js';
import { pointer } from './grammar/pointer.js';
import type { ParsedLine } from './grammar/parse-line.js';
import { what } from './typed-value.js';

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
