// An error as a chat reply: the message, the input with a caret under the mistake, the hint and suggestions.
import { toApiError } from './error-text.js';
import type { ClawError } from '../errors/claw-error.js';
import type { Locale } from '../i18n/locale.js';
import type { View } from './view.js';

export function errorView(error: ClawError, locale: Locale): View {
  const api = toApiError(error, locale);
  const lines: string[] = [];
  // Monospace keeps the caret under the right character; chat markdown renders a code block that way.
  if (api.pointer) lines.push('```', ...api.pointer.split('\n'), '```');
  if (api.hint) lines.push(api.hint);
  const more = api.suggestions.filter((s) => !api.hint?.includes(s));
  if (more.length) lines.push(`${locale === 'zh' ? '可能的命令' : 'Suggestions'}: ${more.map((s) => `\`${s}\``).join(', ')}`);
  return {
    kind: 'sections',
    title: `${locale === 'zh' ? '错误' : 'Error'}: ${api.message}`,
    headline: api.message,
    sections: lines.length ? [{ lines }] : [],
  };
}
