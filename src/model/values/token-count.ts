// Token counts as people type them: `50M`, `2.5m`, `800k`, `1B`, `5000万`, `1亿`, or a plain number.
import { createToken, EmbeddedActionsParser, Lexer } from 'chevrotain';
import type { ValueParseResult } from './value-result.js';

const Amount = createToken({ name: 'Amount', pattern: /\d+(?:\.\d+)?/ });
// For tokens `m` can only mean million (nobody budgets thousandths of a token), so suffixes are case-insensitive.
const Suffix = createToken({ name: 'Suffix', pattern: /[kKmMbBgG]|万|亿/ });

const FACTORS: Record<string, number> = { k: 1e3, m: 1e6, b: 1e9, g: 1e9, 万: 1e4, 亿: 1e8 };

const lexer = new Lexer([Amount, Suffix], { positionTracking: 'onlyOffset' });

class TokenCountParser extends EmbeddedActionsParser {
  constructor() {
    super([Amount, Suffix]);
    this.performSelfAnalysis();
  }

  readonly count = this.RULE('count', (): { amount: string; suffix: string } => {
    const amount = this.CONSUME(Amount);
    const suffix = this.OPTION(() => this.CONSUME(Suffix));
    return { amount: amount.image, suffix: suffix?.image ?? '' };
  });
}

const parser = new TokenCountParser();

/** A thousand trillion: beyond any budget, and still exact as a JavaScript number. */
const MAX_COUNT = 1e15;

export function parseTokenCount(text: string): ValueParseResult<number> {
  const reason = {
    en: `"${text}" is not a token count; write a whole number or one with K, M or B, e.g. 800K, 50M, 1.5B`,
    zh: `"${text}" 不是有效的 token 数；请写整数或带单位的数，如 800K、50M、1.5B、5000万`,
  };
  const lexed = lexer.tokenize(text.trim());
  if (lexed.errors.length > 0 || lexed.tokens.length === 0) return { ok: false, reason };
  parser.input = lexed.tokens;
  const parsed = parser.count() as { amount: string; suffix: string } | undefined;
  if (parser.errors.length > 0 || !parsed) return { ok: false, reason };
  const { amount, suffix } = parsed;
  const exact = Number(amount) * (suffix ? FACTORS[suffix.toLowerCase()] ?? NaN : 1);
  // Rounded after scaling (0.1 * 1e6 is not quite 100000 in floating point), but a fraction of a token is a typo.
  const value = Math.round(exact);
  if (!Number.isFinite(exact) || Math.abs(exact - value) > 1e-6 * Math.max(1, value)) return { ok: false, reason };
  if (value > MAX_COUNT) return { ok: false, reason: { en: `"${text}" is more than 1000T tokens`, zh: `"${text}" 超过 1000T 个 token` } };
  return { ok: true, value };
}

/** The short form people read: 50M, 1.5B, 800K, 950. */
export function formatTokenCount(n: number): string {
  for (const [suffix, factor] of [['B', 1e9], ['M', 1e6], ['K', 1e3]] as const) {
    if (Math.abs(n) >= factor) return `${Number((n / factor).toFixed(n % factor === 0 ? 0 : 1))}${suffix}`;
  }
  return String(Math.round(n));
}
