// Names of tenants, projects, instances (DNS-1123 labels) and members, with the reason a name is refused.
import type { ValueParseResult } from './value-result.js';

const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

/** Resource names become parts of Kubernetes names (`claw-<tenant>`), so they follow DNS-1123 label rules. */
export function parseResourceName(text: string, maxLength = 63): ValueParseResult<string> {
  if (text.length === 0) return { ok: false, reason: { en: 'the name is empty', zh: '名称为空' } };
  if (text.length > maxLength) {
    return { ok: false, reason: { en: `"${text}" is longer than ${maxLength} characters`, zh: `"${text}" 超过 ${maxLength} 个字符` } };
  }
  if (!DNS_LABEL.test(text)) {
    const lower = text.toLowerCase();
    const hint = DNS_LABEL.test(lower) ? { en: ` (try "${lower}")`, zh: `（可改为 "${lower}"）` } : { en: '', zh: '' };
    return {
      ok: false,
      reason: {
        en: `"${text}" must be lowercase letters, digits and "-", starting and ending with a letter or digit${hint.en}`,
        zh: `"${text}" 只能包含小写字母、数字和 "-"，且以字母或数字开头和结尾${hint.zh}`,
      },
    };
  }
  return { ok: true, value: text };
}

const MEMBER = /^[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?$/;

/** Member names may also hold `.` and `_` (`alice.wang`, `bob_li`), as corporate user names do. */
export function parseMemberName(text: string): ValueParseResult<string> {
  if (text.length === 0 || text.length > 64 || !MEMBER.test(text)) {
    return {
      ok: false,
      reason: {
        en: `"${text}" must be 1-64 lowercase letters, digits, ".", "_" or "-", starting and ending with a letter or digit`,
        zh: `"${text}" 须为 1-64 个小写字母、数字、"."、"_" 或 "-"，且以字母或数字开头和结尾`,
      },
    };
  }
  return { ok: true, value: text };
}
