// A digest's schedule: a cron expression read in a time zone (node-cron's own parser and matcher), checked with errors
// people can act on, and the slots it falls on: the next ones, and the latest before a moment (what a control plane
// that was down missed).
import cron, { type ScheduledTask } from 'node-cron';
import type { Text } from '../../i18n/locale.js';
import { isTimeZone, offsetAt, wallClock } from '../../util/zoned-time.js';

/** Monday 09:00: a weekly digest for the start of the working week. */
export const DEFAULT_DIGEST_CRON = '0 9 * * 1';

const FIELD_NAMES: Record<string, Text> = {
  second: { en: 'second', zh: '秒' },
  minute: { en: 'minute', zh: '分钟' },
  hour: { en: 'hour', zh: '小时' },
  dayOfMonth: { en: 'day of month', zh: '日期' },
  month: { en: 'month', zh: '月份' },
  dayOfWeek: { en: 'day of week', zh: '星期' },
};

const FIELDS_HELP: Text = {
  en: 'five fields "minute hour day-of-month month day-of-week" (e.g. "0 9 * * 1", Mondays 09:00), or six with seconds first',
  zh: '五个字段"分 时 日 月 周"（如 "0 9 * * 1" 表示每周一 09:00），或在最前面加秒共六个字段',
};

export interface ScheduleProblem {
  /** The flag at fault: `--cron` or `--tz`. */
  what: string;
  reason: Text;
}

/**
 * What is wrong with a schedule, or undefined when node-cron reads the expression, Intl knows the zone, and digests
 * would not come closer together than `minIntervalMs` (a stray six-field "* * * * * *" would post every second).
 */
export function scheduleProblem(expression: string, timeZone: string, minIntervalMs: number): ScheduleProblem | undefined {
  if (!isTimeZone(timeZone)) {
    return { what: '--tz', reason: { en: `"${timeZone}" is not a time zone; use an IANA name such as Asia/Shanghai or UTC`, zh: `"${timeZone}" 不是有效的时区，请使用 IANA 名称，如 Asia/Shanghai 或 UTC` } };
  }
  const checked = cron.validateDetailed(expression);
  if (!checked.valid) {
    const field = checked.errors.find((e) => FIELD_NAMES[e.field]);
    if (field) {
      const name = FIELD_NAMES[field.field]!;
      return {
        what: '--cron',
        reason: {
          en: `"${field.value ?? ''}" is not a valid ${name.en} in "${expression}"; expected ${FIELDS_HELP.en}`,
          zh: `"${expression}" 中的${name.zh} "${field.value ?? ''}" 无效；应为${FIELDS_HELP.zh}`,
        },
      };
    }
    return { what: '--cron', reason: { en: `"${expression}" is not a cron expression; expected ${FIELDS_HELP.en}`, zh: `"${expression}" 不是有效的 cron 表达式；应为${FIELDS_HELP.zh}` } };
  }
  const schedule = new DigestSchedule(expression, timeZone);
  try {
    const runs = schedule.next(3);
    const gaps = runs.slice(1).map((run, i) => run.getTime() - runs[i]!.getTime());
    if (gaps.some((gap) => gap < minIntervalMs)) {
      const seconds = Math.round(minIntervalMs / 1000);
      return { what: '--cron', reason: { en: `"${expression}" would send digests less than ${seconds}s apart (CLAW_DIGEST_MIN_INTERVAL)`, zh: `"${expression}" 两次摘要的间隔短于 ${seconds} 秒（CLAW_DIGEST_MIN_INTERVAL）` } };
    }
  } finally {
    schedule.close();
  }
  return undefined;
}

/** Days a search for the latest slot walks back at most: a yearly schedule still finds last year's. */
const MAX_LOOKBACK_DAYS = 400;
const DAY_MS = 86_400_000;
/** Zone offsets range from UTC-12 to UTC+14: a local day ends at most this long after its UTC date ends. */
const MAX_BEHIND_MS = 12 * 3_600_000;

const descending = (values: ReadonlyArray<number | string>): number[] => values.filter((v): v is number => typeof v === 'number').sort((a, b) => b - a);

export class DigestSchedule {
  /** node-cron's task, never started: its matcher is the one the scheduler fires by, so both agree on every slot. */
  private readonly task: ScheduledTask;
  private readonly seconds: number[];
  private readonly minutes: number[];
  private readonly hours: number[];

  constructor(
    readonly expression: string,
    readonly timeZone: string,
  ) {
    this.task = cron.createTask(expression, () => undefined, { timezone: timeZone });
    const fields = cron.parse(expression);
    this.seconds = descending(fields.second);
    this.minutes = descending(fields.minute);
    this.hours = descending(fields.hour);
  }

  /** The next `count` slots after now. */
  next(count: number): Date[] {
    return this.task.getNextRuns(count);
  }

  matches(at: Date): boolean {
    return this.task.match(at);
  }

  /**
   * The latest slot in (after, atOrBefore], or undefined. Walks local days backwards; a day that does not match costs
   * one check, a matching one stops at its first time not after `atOrBefore`.
   */
  latest(after: Date, atOrBefore: Date): Date | undefined {
    const floor = after.getTime();
    const ceiling = atOrBefore.getTime();
    let { year, month, day } = wallClock(this.timeZone, ceiling);
    for (let walked = 0; walked <= MAX_LOOKBACK_DAYS; walked++) {
      // The whole local day lies at or before `after`: nothing earlier can qualify either.
      if (Date.UTC(year, month - 1, day + 1) + MAX_BEHIND_MS <= floor) return undefined;
      const found = this.latestOnDay(year, month, day, floor, ceiling);
      if (found !== undefined) return new Date(found);
      const previous = new Date(Date.UTC(year, month - 1, day - 1));
      ({ year, month, day } = { year: previous.getUTCFullYear(), month: previous.getUTCMonth() + 1, day: previous.getUTCDate() });
    }
    return undefined;
  }

  /** The slot immediately before `slot` (within the look-back), which starts the period a digest at `slot` covers. */
  previous(slot: Date): Date | undefined {
    return this.latest(new Date(slot.getTime() - MAX_LOOKBACK_DAYS * DAY_MS), new Date(slot.getTime() - 1000));
  }

  /** node-cron keeps every task in a process-wide registry until it is destroyed. */
  close(): void {
    void this.task.destroy();
  }

  private latestOnDay(year: number, month: number, day: number, floor: number, ceiling: number): number | undefined {
    // The offsets in force during the local day, sampled every six hours: two on a day the clocks change.
    const start = Date.UTC(year, month - 1, day) - offsetAt(this.timeZone, Date.UTC(year, month - 1, day, 12));
    const offsets = [...new Set([0, 1, 2, 3, 4].map((k) => offsetAt(this.timeZone, start + k * 6 * 3_600_000)))];
    const instant = (h: number, m: number, s: number, offset: number) => Date.UTC(year, month - 1, day, h, m, s) - offset;
    // One probe decides most days: the fields hold allowed times only, so a clean miss is the date's (weekday, day, month).
    const probe = instant(this.hours[0]!, this.minutes[0]!, this.seconds[0]!, offsets[0]!);
    const wall = wallClock(this.timeZone, probe);
    const clean = offsets.length === 1 && wall.day === day && wall.hour === this.hours[0] && wall.minute === this.minutes[0] && wall.second === this.seconds[0];
    if (clean && !this.task.match(new Date(probe))) return undefined;
    let best: number | undefined;
    for (const h of this.hours) {
      for (const m of this.minutes) {
        for (const s of this.seconds) {
          for (const offset of offsets) {
            const at = instant(h, m, s, offset);
            if (at > ceiling || at <= floor || (best !== undefined && at <= best)) continue;
            if (this.task.match(new Date(at))) best = at;
          }
          // Times only fall from here on this day (one offset): the first hit is the latest.
          if (best !== undefined && offsets.length === 1) return best;
        }
      }
    }
    return best;
  }
}
