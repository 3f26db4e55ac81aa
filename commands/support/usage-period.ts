// The period of `claw usage` (and its REST route): `--since` as a duration back from now (1h, 24h, 7d, 30d) or an ISO date.
import { ClawError } from '../../src/errors/claw-error.js';
import { parseDuration } from '../../src/model/values/duration.js';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

function invalid(text: string): ClawError {
  return new ClawError('CLAW_ARG_INVALID', {
    what: '--since',
    reason: {
      en: `"${text}" is neither a duration such as 1h, 24h, 7d or 30d nor an ISO date such as 2026-01-31 or 2026-01-31T08:00Z (a date alone is midnight UTC)`,
      zh: `"${text}" 既不是时长（如 1h、24h、7d、30d），也不是 ISO 日期（如 2026-01-31 或 2026-01-31T08:00Z，只写日期即 UTC 零点）`,
    },
  });
}

/** The start of the period; a date in the future is refused, since nothing was used there yet. */
export function parseSince(text: string, now: Date): Date {
  const trimmed = text.trim();
  if (ISO_DATE.test(trimmed)) {
    const normal = trimmed.replace(' ', 'T');
    // A date alone, or a time without a zone, is read as UTC: the same answer on every replica and for every reader.
    const iso = normal.length === 10 ? `${normal}T00:00:00Z` : /(?:Z|[+-]\d{2}:?\d{2})$/.test(normal) ? normal : `${normal}Z`;
    const at = new Date(iso);
    // The calendar day must exist as written (2026-02-31 is a typo, not March 3rd).
    const [y, m, d] = normal.slice(0, 10).split('-').map(Number) as [number, number, number];
    const day = new Date(Date.UTC(y, m - 1, d));
    if (Number.isNaN(at.getTime()) || day.getUTCMonth() !== m - 1 || day.getUTCDate() !== d) throw invalid(text);
    if (at.getTime() > now.getTime()) {
      throw new ClawError('CLAW_ARG_INVALID', { what: '--since', reason: { en: `${trimmed} is in the future`, zh: `${trimmed} 是将来的时间` } });
    }
    return at;
  }
  const duration = parseDuration(trimmed);
  if (!duration.ok || duration.value <= 0) throw invalid(text);
  return new Date(now.getTime() - duration.value);
}
