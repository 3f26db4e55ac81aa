// Time buckets of the rollups (5 minutes, an hour, a UTC day) and the choice of the finest one still kept for a period.
import type { Resolution } from '../../store/entities/usage-token-rollup.js';
import type { UsageSettings } from '../../config/settings.js';

export const BUCKET_MS: Record<Resolution, number> = { '5m': 300_000, '1h': 3_600_000, '1d': 86_400_000 };
/** Finest first: each rollup is built from the one before it (5m from raw samples). */
export const RESOLUTIONS: readonly Resolution[] = ['5m', '1h', '1d'];

export function floorTo(at: Date | number, resolution: Resolution): Date {
  const ms = typeof at === 'number' ? at : at.getTime();
  return new Date(ms - (ms % BUCKET_MS[resolution]));
}

export function retentionOf(resolution: Resolution, retention: UsageSettings['retentionMs']): number {
  return resolution === '5m' ? retention.fiveMinutes : resolution === '1h' ? retention.hourly : retention.daily;
}

/** The finest rollup that still holds every bucket from `since` on (the daily one when none does). */
export function resolutionFor(since: Date, now: Date, retention: UsageSettings['retentionMs']): Resolution {
  return RESOLUTIONS.find((r) => since.getTime() >= now.getTime() - retentionOf(r, retention)) ?? '1d';
}

/** `YYYY-MM-DD` of a moment in UTC: the day bucket claws report in. */
export function utcDay(at: Date | number): string {
  return new Date(typeof at === 'number' ? at : at.getTime()).toISOString().slice(0, 10);
}

/**
 * The moment use reported for `day` is put in the time buckets: now for today (it just became known), the day's last
 * millisecond for an earlier day (a late count after midnight still belongs to its day), now for a day ahead of ours.
 */
export function attributionTime(day: string, now: Date): Date {
  const end = Date.parse(`${day}T00:00:00.000Z`) + BUCKET_MS['1d'] - 1;
  return Number.isFinite(end) && end < now.getTime() ? new Date(end) : now;
}
