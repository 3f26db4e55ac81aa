// Lexical tokens of the command line: words (with shell-like quoting), long and short flags, and `--`.
import { createToken, Lexer } from 'chevrotain';

export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\n]+/, group: Lexer.SKIPPED });
/** A bare `--`: everything after it is positional, so values may start with a dash. (`(?![^\s])` = before a space or the end; chevrotain forbids `$`.) */
export const EndOfFlags = createToken({ name: 'EndOfFlags', pattern: /--(?![^\s])/ });
/** `--name=value` as one token (`--set=model=gpt`, `--name="a b"`); `--name=` followed by a space has an empty value. */
export const FlagAssign = createToken({ name: 'FlagAssign', pattern: /--[^\s="']+=(?:[^\s"']|"(?:[^"\\]|\\.)*"|'[^']*')*/ });
export const LongFlag = createToken({ name: 'LongFlag', pattern: /--[^\s="']+/ });
export const ShortFlag = createToken({ name: 'ShortFlag', pattern: /-[A-Za-z][A-Za-z0-9]*(?![^\s])/ });
/** Any run of non-space text; quoted parts may hold spaces, and `key="a b"` is one word. */
export const Word = createToken({ name: 'Word', pattern: /(?:[^\s"']|"(?:[^"\\]|\\.)*"|'[^']*')+/ });

export const ALL_TOKENS = [WhiteSpace, EndOfFlags, FlagAssign, LongFlag, ShortFlag, Word];

export const commandLexer = new Lexer(ALL_TOKENS, { positionTracking: 'onlyOffset' });
