// The counting rule for a claw's daily readings: growth once, stale lower answers ignored, resets carried on, repricing no reset.
import { describe, expect, it } from 'vitest';
import { applyReading, ZERO, type DayCounter } from '../../../src/engines/usage/token-counter.js';

const c = (input: number, output: number, cost = 0) => ({ ...ZERO, inputTokens: input, outputTokens: output, totalTokens: input + output, cost });

describe('applyReading', () => {
  const counted: DayCounter = { totals: c(300, 30), reported: c(100, 10), resets: 1 };

  it('writes nothing for a day without use, or for the same figures again', () => {
    expect(applyReading(undefined, ZERO, true)).toEqual({ kind: 'unchanged' });
    expect(applyReading(counted, c(100, 10), false)).toEqual({ kind: 'unchanged' });
  });

  it('adds only the growth since the last reading, complete or not', () => {
    expect(applyReading(counted, c(150, 10), false)).toEqual({
      kind: 'counted', reset: false, delta: c(50, 0), next: { totals: c(350, 30), reported: c(150, 10), resets: 1 },
    });
  });

  it('ignores a lower answer while the claw is still counting, and takes a final lower one as a reset', () => {
    expect(applyReading(counted, c(40, 10), false)).toEqual({ kind: 'stale' });
    expect(applyReading(counted, c(40, 10), true)).toEqual({
      kind: 'counted', reset: true, delta: c(40, 10), next: { totals: c(340, 40), reported: c(40, 10), resets: 2 },
    });
  });

  it('takes a lower cost with the same tokens as repricing: no tokens counted again, cost never taken back', () => {
    const priced: DayCounter = { totals: c(300, 30, 0.5), reported: c(100, 10, 0.2), resets: 0 };
    expect(applyReading(priced, c(100, 10, 0.1), true)).toEqual({
      kind: 'counted', reset: false, delta: c(0, 0), next: { totals: c(300, 30, 0.5), reported: c(100, 10, 0.1), resets: 0 },
    });
  });
});
