// Comma-separated lists (`a,b,c`), with empty items refused rather than silently dropped.
import { createToken, EmbeddedActionsParser, Lexer } from 'chevrotain';
import type { ValueParseResult } from './value-result.js';

const Comma = createToken({ name: 'Comma', pattern: /,/ });
const Item = createToken({ name: 'Item', pattern: /[^,]+/ });
const lexer = new Lexer([Comma, Item], { positionTracking: 'onlyOffset' });

class ListParser extends EmbeddedActionsParser {
  constructor() {
    super([Comma, Item]);
    this.performSelfAnalysis();
  }

  readonly list = this.RULE('list', (): string[] => {
    const items: string[] = [];
    this.AT_LEAST_ONE_SEP({ SEP: Comma, DEF: () => items.push(this.CONSUME(Item).image.trim()) });
    return items;
  });
}

const parser = new ListParser();

export function parseList(text: string): ValueParseResult<string[]> {
  const refuse: ValueParseResult<string[]> = {
    ok: false,
    reason: { en: `"${text}" is not a list; write items separated by commas, e.g. a,b,c`, zh: `"${text}" 不是有效的列表；请用逗号分隔，如 a,b,c` },
  };
  const lexed = lexer.tokenize(text);
  if (lexed.errors.length > 0 || lexed.tokens.length === 0) return refuse;
  parser.input = lexed.tokens;
  const items = parser.list();
  if (parser.errors.length > 0 || items.some((i) => i === '')) return refuse;
  return { ok: true, value: items };
}
