// How one reading of a claw's daily counters changes the totals kept for that day: growth is counted once, a stale lower
// answer is ignored, and counters that went back (a claw restarted without its state) continue from the old total.
import type { TokenCounters } from '../../store/entities/usage-token-day.js';

const TOKEN_KEYS = ['inputTokens', 'outputTokens', 'cacheReadTokens', 'cacheWriteTokens', 'totalTokens'] as const;
const ALL_KEYS = [...TOKEN_KEYS, 'cost'] as const;

export const ZERO: TokenCounters = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, totalTokens: 0, cost: 0 };

/** What is kept per claw, day and model. */
export interface DayCounter {
  totals: TokenCounters;
  /** The claw's last reading counted. */
  reported: TokenCounters;
  resets: number;
}

export type ReadingOutcome =
  /** Nothing to write: the same figures again, or a day without use never seen before. */
  | { kind: 'unchanged' }
  /** Lower than counted while the claw was still counting: a stale answer, not a reset. */
  | { kind: 'stale' }
  /** New use: `delta` is added to the totals and to the time buckets, exactly once. */
  | { kind: 'counted'; delta: TokenCounters; next: DayCounter; reset: boolean };

export function sameCounters(a: TokenCounters, b: TokenCounters): boolean {
  return ALL_KEYS.every((k) => a[k] === b[k]);
}

export function isZero(c: TokenCounters): boolean {
  return ALL_KEYS.every((k) => c[k] === 0);
}

export function addCounters(a: TokenCounters, b: TokenCounters): TokenCounters {
  return {
    inputTokens: a.inputTokens + b.inputTokens, outputTokens: a.outputTokens + b.outputTokens, cacheReadTokens: a.cacheReadTokens + b.cacheReadTokens,
    cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens, totalTokens: a.totalTokens + b.totalTokens, cost: a.cost + b.cost,
  };
}

/**
 * `complete`: the claw says its figures are final (OpenClaw: cacheStatus fresh). Any token counter below the last one
 * counted means either a stale answer (incomplete: ignored) or counters that started again from zero (complete: the
 * reading is all new use since the reset, added on top). A lower cost alone is a repricing, never a reset.
 */
export function applyReading(previous: DayCounter | undefined, reading: TokenCounters, complete: boolean): ReadingOutcome {
  if (!previous) {
    if (isZero(reading)) return { kind: 'unchanged' };
    return { kind: 'counted', delta: reading, next: { totals: reading, reported: reading, resets: 0 }, reset: false };
  }
  const { reported } = previous;
  if (sameCounters(reported, reading)) return { kind: 'unchanged' };
  const wentBack = TOKEN_KEYS.some((k) => reading[k] < reported[k]);
  if (wentBack && !complete) return { kind: 'stale' };
  if (wentBack) {
    return { kind: 'counted', delta: reading, next: { totals: addCounters(previous.totals, reading), reported: reading, resets: previous.resets + 1 }, reset: true };
  }
  const delta: TokenCounters = {
    inputTokens: reading.inputTokens - reported.inputTokens,
    outputTokens: reading.outputTokens - reported.outputTokens,
    cacheReadTokens: reading.cacheReadTokens - reported.cacheReadTokens,
    cacheWriteTokens: reading.cacheWriteTokens - reported.cacheWriteTokens,
    totalTokens: reading.totalTokens - reported.totalTokens,
    cost: Math.max(0, reading.cost - reported.cost),
  };
  return { kind: 'counted', delta, next: { totals: addCounters(previous.totals, delta), reported: reading, resets: previous.resets }, reset: false };
}
