// Prometheus Alertmanager's webhook body (version 4), checked whole before anything is stored: a malformed payload is
// refused with the first problem named, and changes nothing.
import { ClawError } from '../../errors/claw-error.js';
import type { AlertSeverity } from '../../store/entities/alert.js';

export interface AlertmanagerAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: Date;
  endsAt: Date | null;
  /** Alertmanager's own fingerprint of the labels, when sent. */
  fingerprint: string | null;
  generatorURL: string | null;
}

/** A webhook carries one group; Alertmanager's max_alerts is usually far below this. */
const MAX_ALERTS = 1000;
const MAX_LABELS = 64;

function bad(detail: string): never {
  throw new ClawError('CLAW_HTTP_BAD_REQUEST', { detail });
}

function strings(where: string, raw: unknown, required: boolean): Record<string, string> {
  if (raw === undefined && !required) return {};
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) bad(`${where} must be an object of strings`);
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length > MAX_LABELS) bad(`${where} has more than ${MAX_LABELS} entries`);
  for (const [k, v] of entries) {
    if (typeof v !== 'string') bad(`${where}.${k} must be a string`);
    if (k.length > 100 || v.length > 4000) bad(`${where}.${k} is too long`);
  }
  return raw as Record<string, string>;
}

function time(where: string, raw: unknown): Date | null {
  if (raw === undefined || raw === null || raw === '') return null;
  const at = typeof raw === 'string' ? new Date(raw) : new Date(NaN);
  if (Number.isNaN(at.getTime())) bad(`${where} must be an RFC 3339 time`);
  // Alertmanager writes the zero time (0001-01-01) for "not ended".
  return at.getUTCFullYear() <= 1 ? null : at;
}

export function parseAlertmanagerPayload(body: unknown): AlertmanagerAlert[] {
  if (!body || typeof body !== 'object' || Array.isArray(body)) bad('the body must be Alertmanager\'s webhook JSON object');
  const doc = body as Record<string, unknown>;
  if (doc.version !== undefined && doc.version !== '4') bad(`version ${JSON.stringify(doc.version)} is not supported (Alertmanager sends "4")`);
  if (!Array.isArray(doc.alerts) || doc.alerts.length === 0) bad('alerts must be a non-empty list');
  if (doc.alerts.length > MAX_ALERTS) bad(`more than ${MAX_ALERTS} alerts in one request`);
  return doc.alerts.map((raw: unknown, i: number) => {
    const where = `alerts[${i}]`;
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) bad(`${where} must be an object`);
    const a = raw as Record<string, unknown>;
    if (a.status !== 'firing' && a.status !== 'resolved') bad(`${where}.status must be firing or resolved`);
    const labels = strings(`${where}.labels`, a.labels, true);
    if (!labels.alertname) bad(`${where}.labels.alertname is missing`);
    const startsAt = time(`${where}.startsAt`, a.startsAt);
    if (!startsAt) bad(`${where}.startsAt is missing`);
    if (a.fingerprint !== undefined && (typeof a.fingerprint !== 'string' || !/^[0-9a-f]{1,64}$/i.test(a.fingerprint))) bad(`${where}.fingerprint must be hexadecimal`);
    return {
      status: a.status, labels, annotations: strings(`${where}.annotations`, a.annotations, false), startsAt, endsAt: time(`${where}.endsAt`, a.endsAt),
      fingerprint: typeof a.fingerprint === 'string' ? a.fingerprint.toLowerCase() : null,
      generatorURL: typeof a.generatorURL === 'string' ? a.generatorURL.slice(0, 1000) : null,
    };
  });
}

/** Prometheus users write severities many ways; three are enough to route by. */
export function severityOf(labels: Record<string, string>): AlertSeverity {
  const s = (labels.severity ?? '').toLowerCase();
  if (['critical', 'crit', 'page', 'error', 'high', 'p1', 'emergency', 'fatal'].includes(s)) return 'critical';
  if (['warning', 'warn', 'medium', 'p2', 'major'].includes(s)) return 'warning';
  return s === '' ? 'warning' : 'info';
}
