// Locales the product speaks, and the bilingual text type every user-facing string is written in.
export type Locale = 'zh' | 'en';

/** A user-facing string in both languages; command specs, errors and help are written this way. */
export interface Text {
  zh: string;
  en: string;
}

export const LOCALES: readonly Locale[] = ['zh', 'en'];

/** Accepts `zh`, `zh-CN`, `zh_CN.UTF-8`, `en-US`, ...; anything else is undefined so callers pick their default. */
export function parseLocale(value: string | undefined | null): Locale | undefined {
  if (!value) return undefined;
  const v = value.trim().toLowerCase();
  if (v.startsWith('zh')) return 'zh';
  if (v.startsWith('en')) return 'en';
  return undefined;
}

/** Picks a locale from an HTTP Accept-Language header, honouring order but not q-values (clients we serve send one). */
export function localeFromAcceptLanguage(header: string | undefined): Locale | undefined {
  if (!header) return undefined;
  for (const part of header.split(',')) {
    const l = parseLocale(part.split(';')[0]);
    if (l) return l;
  }
  return undefined;
}

/** Replaces `{name}` placeholders; a missing parameter stays visible rather than printing "undefined". */
export function format(template: string, params: Record<string, unknown> = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => {
    const value = params[key];
    return value === undefined || value === null ? whole : String(value);
  });
}

export function isText(value: unknown): value is Text {
  return typeof value === 'object' && value !== null && typeof (value as Text).zh === 'string' && typeof (value as Text).en === 'string';
}

/** Renders a bilingual template; parameters that are themselves bilingual follow the same locale. */
export function localize(text: Text | string, locale: Locale, params: Record<string, unknown> = {}): string {
  const resolved: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) resolved[key] = isText(value) ? value[locale] : value;
  return format(typeof text === 'string' ? text : text[locale], resolved);
}
