// The chevrotain grammar of a command line: `[claw] (word | --flag | --flag=value | -f | --)*`.
import { EmbeddedActionsParser, type IToken } from 'chevrotain';
import { ALL_TOKENS, EndOfFlags, FlagAssign, LongFlag, ShortFlag, Word } from './tokens.js';

export interface WordItem {
  kind: 'word';
  /** The word with quotes removed and escapes resolved. */
  text: string;
  raw: string;
  /** True when any part was quoted: quoted words are never command words or flags. */
  quoted: boolean;
  start: number;
  end: number;
}

export interface FlagItem {
  kind: 'flag';
  name: string;
  short: boolean;
  /** Present for `--name=value`; a following separate word is bound later, when the flag's type is known. */
  value?: WordItem;
  start: number;
  end: number;
}

export interface EndOfFlagsItem {
  kind: 'end-of-flags';
  start: number;
  end: number;
}

export type LineItem = WordItem | FlagItem | EndOfFlagsItem;

export function unquote(raw: string): { text: string; quoted: boolean } {
  let text = '';
  let quoted = false;
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (ch === '"') {
      quoted = true;
      for (i++; i < raw.length && raw[i] !== '"'; i++) {
        if (raw[i] === '\\' && i + 1 < raw.length) i++;
        text += raw[i];
      }
    } else if (ch === "'") {
      quoted = true;
      for (i++; i < raw.length && raw[i] !== "'"; i++) text += raw[i];
    } else {
      text += ch;
    }
  }
  return { text, quoted };
}

function wordItem(token: IToken): WordItem {
  const { text, quoted } = unquote(token.image);
  return { kind: 'word', text, raw: token.image, quoted, start: token.startOffset, end: token.startOffset + token.image.length };
}

class CommandLineParser extends EmbeddedActionsParser {
  constructor() {
    super(ALL_TOKENS, { recoveryEnabled: false });
    this.performSelfAnalysis();
  }

  readonly line = this.RULE('line', (): LineItem[] => {
    const items: LineItem[] = [];
    this.MANY(() => items.push(this.SUBRULE(this.item)));
    return items;
  });

  private readonly item = this.RULE('item', (): LineItem => {
    return this.OR([
      {
        ALT: () => {
          const t = this.CONSUME(FlagAssign);
          const eq = t.image.indexOf('=');
          const raw = t.image.slice(eq + 1);
          const valueStart = t.startOffset + eq + 1;
          const { text, quoted } = unquote(raw);
          const value: WordItem = { kind: 'word', text, raw, quoted, start: valueStart, end: valueStart + raw.length };
          return { kind: 'flag', name: t.image.slice(2, eq), short: false, value, start: t.startOffset, end: value.end } satisfies FlagItem;
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(LongFlag);
          return { kind: 'flag', name: t.image.slice(2), short: false, start: t.startOffset, end: t.startOffset + t.image.length } satisfies FlagItem;
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(ShortFlag);
          return { kind: 'flag', name: t.image.slice(1), short: true, start: t.startOffset, end: t.startOffset + t.image.length } satisfies FlagItem;
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(EndOfFlags);
          return { kind: 'end-of-flags', start: t.startOffset, end: t.startOffset + 2 } satisfies EndOfFlagsItem;
        },
      },
      { ALT: () => wordItem(this.CONSUME(Word)) },
    ]);
  });
}

export const commandLineParser = new CommandLineParser();
