// Renders a ClawError for people (CLI, API `text`, chat) and as the API's JSON error object.
import { ERRORS } from '../errors/catalog.js';
import type { ClawError } from '../errors/claw-error.js';
import { localize, type Locale } from '../i18n/locale.js';

export interface ApiError {
  code: string;
  message: string;
  hint: string | null;
  suggestions: string[];
  /** The input with a caret line under the offending part, when the error is about the input. */
  pointer?: string;
}

export function toApiError(error: ClawError, locale: Locale): ApiError {
  const internal = ERRORS[error.code].audience === 'internal';
  return {
    code: error.apiCode,
    message: error.messageIn(locale),
    hint: !internal && error.extras.hint ? localize(error.extras.hint, locale) : null,
    suggestions: internal ? [] : (error.extras.suggestions ?? []),
    ...(error.extras.pointer && !internal ? { pointer: error.extras.pointer } : {}),
  };
}

export function renderErrorText(error: ClawError, locale: Locale): string {
  const api = toApiError(error, locale);
  const lines = [`${locale === 'zh' ? '错误' : 'Error'}: ${api.message}`];
  if (api.pointer) lines.push(...api.pointer.split('\n').map((l) => `  ${l}`));
  if (api.hint) lines.push(api.hint);
  const others = api.suggestions.filter((s) => !api.hint?.includes(s));
  if (others.length) lines.push(`${locale === 'zh' ? '可能的命令' : 'Suggestions'}: ${others.join(', ')}`);
  return lines.join('\n');
}
