// The slot logic of digest schedules (node-cron's matcher in a time zone): the latest slot a restarted control plane
// may have missed, the period a digest covers, and the errors a mistyped schedule gets.
import { afterEach, describe, expect, it } from 'vitest';
import { DigestSchedule, scheduleProblem } from '../../../src/engines/digests/digest-schedule.js';

const open: DigestSchedule[] = [];
const schedule = (cron: string, tz: string) => {
  const s = new DigestSchedule(cron, tz);
  open.push(s);
  return s;
};
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});
const at = (iso: string) => new Date(iso);
const EPOCH = new Date(0);

describe('digest schedule slots', () => {
  it('finds the latest per-minute slot at or before a moment, and none at or before the lower bound', () => {
    const s = schedule('* * * * *', 'UTC');
    expect(s.latest(EPOCH, at('2026-03-02T10:15:42.500Z'))?.toISOString()).toBe('2026-03-02T10:15:00.000Z');
    // A slot exactly at the moment counts; one exactly at the lower bound was already handled.
    expect(s.latest(EPOCH, at('2026-03-02T10:15:00.000Z'))?.toISOString()).toBe('2026-03-02T10:15:00.000Z');
    expect(s.latest(at('2026-03-02T10:15:00.000Z'), at('2026-03-02T10:15:59.999Z'))).toBeUndefined();
    // Down from 10:12:30 to 10:15:42: of the three missed slots only the latest is offered.
    expect(s.latest(at('2026-03-02T10:12:30Z'), at('2026-03-02T10:15:42Z'))?.toISOString()).toBe('2026-03-02T10:15:00.000Z');
    expect(s.previous(at('2026-03-02T10:15:00Z'))?.toISOString()).toBe('2026-03-02T10:14:00.000Z');
  });

  it('reads the weekly default in its time zone: Monday 09:00 in Shanghai is 01:00 UTC', () => {
    const s = schedule('0 9 * * 1', 'Asia/Shanghai');
    // Saturday 2026-03-07: the latest is Monday 2026-03-02 09:00 +08:00.
    expect(s.latest(EPOCH, at('2026-03-07T12:00:00Z'))?.toISOString()).toBe('2026-03-02T01:00:00.000Z');
    expect(s.latest(at('2026-03-02T01:00:00Z'), at('2026-03-07T12:00:00Z'))).toBeUndefined();
    expect(s.previous(at('2026-03-09T01:00:00Z'))?.toISOString()).toBe('2026-03-02T01:00:00.000Z');
    expect(s.matches(at('2026-03-09T01:00:00Z'))).toBe(true);
    expect(s.matches(at('2026-03-09T09:00:00Z'))).toBe(false);
  });

  it('handles six-field schedules with seconds, and a day the clocks change', () => {
    const fast = schedule('*/5 * * * * *', 'UTC');
    expect(fast.latest(EPOCH, at('2026-03-02T10:15:42.500Z'))?.toISOString()).toBe('2026-03-02T10:15:40.000Z');
    expect(fast.previous(at('2026-03-02T10:15:40Z'))?.toISOString()).toBe('2026-03-02T10:15:35.000Z');
    // New York springs forward on 2026-03-08 (02:00 -> 03:00): 03:30 that day is 07:30 UTC, the day before 08:30 UTC.
    const ny = schedule('30 3 * * *', 'America/New_York');
    expect(ny.latest(EPOCH, at('2026-03-08T12:00:00Z'))?.toISOString()).toBe('2026-03-08T07:30:00.000Z');
    expect(ny.previous(at('2026-03-08T07:30:00Z'))?.toISOString()).toBe('2026-03-07T08:30:00.000Z');
  });

  it('finds a yearly slot months back, and nothing before the lower bound', () => {
    const s = schedule('0 0 1 1 *', 'UTC');
    expect(s.latest(EPOCH, at('2026-11-30T00:00:00Z'))?.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(s.latest(at('2026-06-01T00:00:00Z'), at('2026-11-30T00:00:00Z'))).toBeUndefined();
  });
});

describe('digest schedule errors', () => {
  it('names the field at fault, the expected form and an unknown zone, in both languages', () => {
    expect(scheduleProblem('61 9 * * 1', 'UTC', 60_000)).toEqual({
      what: '--cron',
      reason: {
        en: expect.stringContaining('"61" is not a valid minute in "61 9 * * 1"; expected five fields "minute hour day-of-month month day-of-week"'),
        zh: expect.stringContaining('"61 9 * * 1" 中的分钟 "61" 无效'),
      },
    });
    expect(scheduleProblem('0 9 * *', 'UTC', 60_000)?.reason.en).toContain('"0 9 * *" is not a cron expression');
    expect(scheduleProblem('0 9 * * 1', 'Asia/Shanghi', 60_000)).toMatchObject({ what: '--tz', reason: { en: expect.stringContaining('"Asia/Shanghi" is not a time zone') } });
    expect(scheduleProblem('0 9 * * 1', 'Asia/Shanghai', 60_000)).toBeUndefined();
  });

  it('refuses schedules that would post more often than the minimum interval', () => {
    expect(scheduleProblem('* * * * * *', 'UTC', 60_000)?.reason.en).toContain('less than 60s apart (CLAW_DIGEST_MIN_INTERVAL)');
    expect(scheduleProblem('* * * * *', 'UTC', 60_000)).toBeUndefined();
    expect(scheduleProblem('*/5 * * * * *', 'UTC', 5_000)).toBeUndefined();
  });
});
