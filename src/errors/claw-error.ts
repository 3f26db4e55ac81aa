// The one error type the product raises on purpose; everything else is treated as internal.
import { ERRORS, type ErrorCode } from './catalog.js';
import { localize, type Locale, type Text } from '../i18n/locale.js';

export interface ErrorExtras {
  /** A next step for the user, e.g. the usage line after a missing argument. */
  hint?: string | Text;
  /** Close matches for a mistyped word, best first. */
  suggestions?: string[];
  /** A caret diagram pointing at the offending part of the input. */
  pointer?: string;
  /** Extra details rendered to the user; never secrets. */
  details?: Record<string, unknown>;
}

export class ClawError extends Error {
  readonly code: ErrorCode;
  readonly params: Record<string, unknown>;
  readonly extras: ErrorExtras;

  constructor(code: ErrorCode, params: Record<string, unknown> = {}, extras: ErrorExtras = {}) {
    super(localize(ERRORS[code].message, 'en', params));
    this.name = 'ClawError';
    this.code = code;
    this.params = params;
    this.extras = extras;
  }

  get status(): number {
    return ERRORS[this.code].status;
  }

  get apiCode(): string {
    return ERRORS[this.code].api;
  }

  messageIn(locale: Locale): string {
    return localize(ERRORS[this.code].message, locale, this.params);
  }
}

export function isClawError(error: unknown): error is ClawError {
  return error instanceof ClawError;
}
