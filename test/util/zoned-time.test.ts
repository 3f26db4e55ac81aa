// Calendar months in a time zone: budgets reset at midnight on the 1st in the company's zone, not in UTC.
import { describe, expect, it } from 'vitest';
import { isTimeZone, monthIn } from '../../src/util/zoned-time.js';

describe('monthIn', () => {
  it('starts a Shanghai month at 16:00 UTC the day before, and names it by Shanghai\'s calendar', () => {
    // 1 December 2026, 03:00 in Shanghai is still November in UTC.
    const m = monthIn('Asia/Shanghai', new Date('2026-11-30T19:00:00Z'));
    expect(m).toEqual({ start: new Date('2026-11-30T16:00:00Z'), end: new Date('2026-12-31T16:00:00Z'), name: '2026-12' });
  });

  it('rolls over the year and follows daylight saving time', () => {
    expect(monthIn('UTC', new Date('2026-12-31T23:59:59Z'))).toMatchObject({ start: new Date('2026-12-01T00:00:00Z'), end: new Date('2027-01-01T00:00:00Z') });
    // Berlin is UTC+1 on 1 March and UTC+2 on 1 April.
    expect(monthIn('Europe/Berlin', new Date('2026-03-15T12:00:00Z'))).toEqual({ start: new Date('2026-02-28T23:00:00Z'), end: new Date('2026-03-31T22:00:00Z'), name: '2026-03' });
  });

  it('knows which zones exist', () => {
    expect(isTimeZone('Asia/Shanghai')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
  });
});
