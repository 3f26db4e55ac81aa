// Calendar boundaries in a time zone (budgets run per month in the company's zone, not UTC), with Intl only.

export interface WallClock { year: number; month: number; day: number; hour: number; minute: number; second: number }

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The wall clock in a zone at an instant (ms since the epoch). */
export function wallClock(timeZone: string, at: number): WallClock {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(timeZone, f);
  }
  const parts: Record<string, number> = {};
  for (const p of f.formatToParts(new Date(at))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour!, minute: parts.minute!, second: parts.second! };
}

/** How far the zone's wall clock is ahead of UTC at an instant. */
export function offsetAt(timeZone: string, at: number): number {
  const w = wallClock(timeZone, at);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(at / 1000) * 1000;
}

/** True when Intl knows the zone (`Asia/Shanghai`, `UTC`). */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** The instant a wall-clock time in the zone happens (the zone's offset at that moment; DST is handled by a second pass). */
export function zonedInstant(timeZone: string, year: number, month: number, day = 1): Date {
  const wall = Date.UTC(year, month - 1, day);
  let guess = wall;
  for (let i = 0; i < 2; i++) guess = wall - offsetAt(timeZone, guess);
  return new Date(guess);
}

/** The start of the calendar month containing `at` in the zone, the start of the next one, and its `YYYY-MM` name. */
export function monthIn(timeZone: string, at: Date): { start: Date; end: Date; name: string } {
  const { year, month } = wallClock(timeZone, at.getTime());
  const next = month === 12 ? { year: year + 1, month: 1 } : { year, month: month + 1 };
  return { start: zonedInstant(timeZone, year, month), end: zonedInstant(timeZone, next.year, next.month), name: `${year}-${String(month).padStart(2, '0')}` };
}
