// `key=value` pairs (`--set model.name=gpt-4o`, `--label team=sales`): the first `=` separates, the value may hold more.
import { createToken, EmbeddedActionsParser, Lexer } from 'chevrotain';
import type { ValueParseResult } from './value-result.js';

export interface KeyValue {
  key: string;
  value: string;
}

const Key = createToken({ name: 'Key', pattern: /[^=\s][^=]*/ });
/** The first `=` switches the lexer to value mode, where `=` is ordinary text. */
const Equals = createToken({ name: 'Equals', pattern: /=/, push_mode: 'value' });
/**
 * Everything after the first `=`, including further `=` signs and spaces from a quoted value. Written as a complement
 * set because chevrotain's first-character analysis of `[\s\S]` only sees the whitespace half.
 */
const Rest = createToken({ name: 'Rest', pattern: /[^\u0000]+/ });

const lexer = new Lexer({
  modes: { key: [Key, Equals], value: [Rest] },
  defaultMode: 'key',
}, { positionTracking: 'onlyOffset' });

class KeyValueParser extends EmbeddedActionsParser {
  constructor() {
    super([Key, Equals, Rest]);
    this.performSelfAnalysis();
  }

  readonly pair = this.RULE('pair', (): KeyValue => {
    const key = this.CONSUME(Key).image.trim();
    this.CONSUME(Equals);
    const value = this.OPTION(() => this.CONSUME(Rest))?.image ?? '';
    return { key, value };
  });
}

const parser = new KeyValueParser();

export function parseKeyValue(text: string): ValueParseResult<KeyValue> {
  const lexed = lexer.tokenize(text);
  parser.input = lexed.tokens;
  const pair = lexed.errors.length === 0 ? parser.pair() : undefined;
  if (!pair || parser.errors.length > 0 || pair.key === '') {
    return { ok: false, reason: { en: `"${text}" is not key=value`, zh: `"${text}" 不是 key=value 形式` } };
  }
  return { ok: true, value: pair };
}
