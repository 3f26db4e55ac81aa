// The result of parsing one typed value: the value, or a bilingual reason it was refused.
import type { Text } from '../../i18n/locale.js';

export type ValueParseResult<T> = { ok: true; value: T } | { ok: false; reason: Text };
