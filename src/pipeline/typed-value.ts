// Types one word as an argument's or flag's value kind, within its declared range, and names the input in errors.
import type { Text } from '../i18n/locale.js';
import type { ArgSpec, FlagSpec } from './command-spec.js';
import { clampToRange, outOfRange } from './value-range.js';
import { parseDuration } from '../model/values/duration.js';
import { parseKeyValue } from '../model/values/key-value.js';
import { parseList } from '../model/values/list.js';
import { parseMemberName, parseResourceName } from '../model/values/name.js';
import { parseQuantity } from '../model/values/quantity.js';
import { parseSelector } from '../model/values/selector.js';
import { parseTokenCount } from '../model/values/token-count.js';
import type { ValueParseResult } from '../model/values/value-result.js';

export function parseValue(spec: FlagSpec | ArgSpec, text: string): ValueParseResult<unknown> {
  switch (spec.kind) {
    case 'string':
      if (spec.maxLength !== undefined && text.length > spec.maxLength) {
        return { ok: false, reason: { en: `longer than ${spec.maxLength} characters`, zh: `超过 ${spec.maxLength} 个字符` } };
      }
      return { ok: true, value: text };
    case 'name': return parseResourceName(text, spec.maxLength);
    case 'member': return parseMemberName(text);
    case 'int': {
      if (!/^-?\d{1,15}$/.test(text)) return { ok: false, reason: { en: `"${text}" is not a whole number`, zh: `"${text}" 不是整数` } };
      return inRange(spec, Number(text));
    }
    case 'duration': {
      const parsed = parseDuration(text);
      return parsed.ok ? inRange(spec, parsed.value) : parsed;
    }
    case 'count': {
      const parsed = parseTokenCount(text);
      return parsed.ok ? inRange(spec, parsed.value) : parsed;
    }
    case 'cpu': return parseQuantity(text, 'cpu');
    case 'bytes': return parseQuantity(text, 'bytes');
    case 'selector': return parseSelector(text);
    case 'list': return parseList(text);
    case 'kv': return parseKeyValue(text);
    case 'enum': {
      const v = text.toLowerCase();
      if (spec.values?.includes(v)) return { ok: true, value: v };
      return { ok: false, reason: { en: `"${text}" is not one of ${spec.values?.join(', ')}`, zh: `"${text}" 不在可选值 ${spec.values?.join('、')} 中` } };
    }
    case 'bool': {
      const v = text.toLowerCase();
      if (['true', 'yes', 'on', '1'].includes(v)) return { ok: true, value: true };
      if (['false', 'no', 'off', '0'].includes(v)) return { ok: true, value: false };
      return { ok: false, reason: { en: `"${text}" is not true or false`, zh: `"${text}" 不是 true 或 false` } };
    }
  }
}

/** A number against the spec's declared range: refused with the range, or brought into it for `clamp` flags. */
function inRange(spec: FlagSpec | ArgSpec, value: number): ValueParseResult<number> {
  const problem = outOfRange(spec, value);
  if (!problem) return { ok: true, value };
  if ('clamp' in spec && spec.clamp) return { ok: true, value: clampToRange(spec, value) };
  return { ok: false, reason: problem };
}

/** How an error names the input a value was given for: `argument NAME`, `flag --limit`. */
export function what(kind: 'argument' | 'flag', name: string): Text {
  return kind === 'argument' ? { en: `argument ${name.toUpperCase()}`, zh: `参数 ${name.toUpperCase()}` } : { en: `flag --${name}`, zh: `参数 --${name}` };
}
