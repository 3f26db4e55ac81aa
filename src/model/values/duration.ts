// Durations such as `30s`, `7d`, `1h30m`, `500ms` (and 天/小时/分钟/秒 as typed in Chinese), parsed to milliseconds.
import { createToken, EmbeddedActionsParser, Lexer } from 'chevrotain';
import type { ValueParseResult } from './value-result.js';

const Spaces = createToken({ name: 'Spaces', pattern: /\s+/, group: Lexer.SKIPPED });
const Amount = createToken({ name: 'Amount', pattern: /\d+(?:\.\d+)?/ });
const Unit = createToken({ name: 'Unit', pattern: /ms|毫秒|s|秒钟|秒|m|分钟|分|h|小时|时|d|天|日|w|周|星期/ });

const UNIT_MS: Record<string, number> = {
  ms: 1, 毫秒: 1,
  s: 1000, 秒: 1000, 秒钟: 1000,
  m: 60_000, 分: 60_000, 分钟: 60_000,
  h: 3_600_000, 时: 3_600_000, 小时: 3_600_000,
  d: 86_400_000, 天: 86_400_000, 日: 86_400_000,
  w: 604_800_000, 周: 604_800_000, 星期: 604_800_000,
};

const lexer = new Lexer([Spaces, Amount, Unit], { positionTracking: 'onlyOffset' });

class DurationParser extends EmbeddedActionsParser {
  constructor() {
    super([Spaces, Amount, Unit]);
    this.performSelfAnalysis();
  }

  readonly duration = this.RULE('duration', (): number => {
    let total = 0;
    this.AT_LEAST_ONE(() => {
      const amount = this.CONSUME(Amount);
      const unit = this.CONSUME(Unit);
      total += Number(amount.image) * (UNIT_MS[unit.image] ?? NaN);
    });
    return total;
  });
}

const parser = new DurationParser();

/** Ten years: anything longer is a typo, and it keeps arithmetic on dates far from overflow. */
const MAX_MS = 10 * 365 * 86_400_000;

export function parseDuration(text: string): ValueParseResult<number> {
  const reason = {
    en: `"${text}" is not a duration; use a number with a unit, e.g. 30s, 15m, 1h30m, 7d`,
    zh: `"${text}" 不是有效的时长；请写数字加单位，如 30s、15m、1h30m、7d`,
  };
  const lexed = lexer.tokenize(text.trim());
  if (lexed.errors.length > 0 || lexed.tokens.length === 0) return { ok: false, reason };
  parser.input = lexed.tokens;
  const ms = parser.duration();
  if (parser.errors.length > 0 || !Number.isFinite(ms)) return { ok: false, reason };
  if (ms <= 0) return { ok: false, reason: { en: 'a duration must be longer than zero', zh: '时长必须大于零' } };
  if (ms > MAX_MS) return { ok: false, reason: { en: 'a duration must be at most 10 years', zh: '时长不能超过 10 年' } };
  return { ok: true, value: Math.round(ms) };
}

export function formatDuration(ms: number): string {
  const parts: string[] = [];
  let rest = Math.round(ms);
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  if (rest > 0 || parts.length === 0) parts.push(`${rest}ms`);
  return parts.join('');
}
