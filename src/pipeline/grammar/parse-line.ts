// Lexes and parses one normalised command line into items with source positions, or a positioned parse error.
import { ClawError } from '../../errors/claw-error.js';
import { commandLineParser, type LineItem } from './command-parser.js';
import { pointer } from './pointer.js';
import { commandLexer } from './tokens.js';

export interface ParsedLine {
  /** The normalised text the positions refer to. */
  text: string;
  items: LineItem[];
}

function syntaxError(text: string, start: number, end: number, detail: { en: string; zh: string }): ClawError {
  return new ClawError('CLAW_PARSE_SYNTAX', { detail }, { pointer: pointer(text, start, end) });
}

export function parseLine(text: string): ParsedLine {
  const lexed = commandLexer.tokenize(text);
  const lexError = lexed.errors[0];
  if (lexError) {
    const offset = lexError.offset;
    const ch = text[offset];
    if (ch === '"' || ch === "'") {
      throw syntaxError(text, offset, text.length, {
        en: `Unterminated quote: the ${ch} at column ${offset + 1} is never closed.`,
        zh: `引号未闭合：第 ${offset + 1} 列的 ${ch} 没有对应的结束引号。`,
      });
    }
    throw syntaxError(text, offset, offset + Math.max(1, lexError.length), {
      en: `Unexpected character at column ${offset + 1}.`,
      zh: `第 ${offset + 1} 列有无法识别的字符。`,
    });
  }
  commandLineParser.input = lexed.tokens;
  const items = commandLineParser.line();
  const parseError = commandLineParser.errors[0];
  if (parseError) {
    // The grammar accepts every token sequence the lexer yields; reaching here is a bug worth a clear report.
    const start = parseError.token.startOffset;
    throw syntaxError(text, Number.isNaN(start) ? text.length : start, text.length, {
      en: `Cannot parse the command: ${parseError.message}`,
      zh: `无法解析命令：${parseError.message}`,
    });
  }
  return { text, items };
}
