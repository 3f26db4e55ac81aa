// Formatting shared by command views: times, ages, role bindings, tones.
import type { Locale } from '../i18n/locale.js';
import { scopePath, type ScopeTarget } from '../model/scope.js';

/** `2026-11-21 14:36 UTC`: one unambiguous form for every replica and reader, whatever the server's time zone. */
export function formatTime(date: Date | null | undefined, locale: Locale): string {
  if (!date) return locale === 'zh' ? '从不' : 'never';
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** kubectl-style age: 45s, 12m, 5h, 3d. */
export function formatAge(date: Date, now = Date.now()): string {
  const s = Math.max(0, Math.floor((now - date.getTime()) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

/** `viewer@acme`, `operator@acme/sales`, `instance-self@acme/sales/demo`, `platform-admin@platform`. */
export function formatBinding(role: string, scope: ScopeTarget): string {
  return scope.kind === 'platform' ? `${role}@platform` : `${role}@${scopePath(scope).replace(/^tenant\//, '').replace('/project/', '/').replace('/instance/', '/')}`;
}
