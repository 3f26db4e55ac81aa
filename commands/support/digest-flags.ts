// Flags the digest commands share: the digest's language, and a group named from the API or CLI.
import { ClawError } from '../../src/errors/claw-error.js';
import type { FlagSpec } from '../../src/pipeline/command-spec.js';

/** How many upcoming times `digest subscribe` and `digest list` show: enough to see the rhythm of a schedule. */
export const NEXT_RUNS_SHOWN = 2;

export const digestLocaleFlag = {
  kind: 'enum',
  values: ['zh', 'en'],
  help: { en: 'Language of the digest (default: CLAW_CHAT_LOCALE, zh)', zh: '摘要的语言（默认：CLAW_CHAT_LOCALE，即 zh）' },
} as const satisfies FlagSpec;

export const chatFlag = {
  kind: 'string',
  maxLength: 130,
  valueName: 'PLATFORM:CHAT_ID',
  help: { en: 'A group bound to the tenant (claw bind), when not typed in the group itself, e.g. feishu:oc_5ce6...', zh: '已绑定到租户的群（claw bind），不在该群中发送时使用，如 feishu:oc_5ce6...' },
} as const satisfies FlagSpec;

/** `feishu:oc_abc` as platform and chat id; a value without both parts is the user's error. */
export function parseChat(value: string): { platform: string; chatId: string } {
  const at = value.indexOf(':');
  const platform = value.slice(0, at).trim().toLowerCase();
  const chatId = value.slice(at + 1).trim();
  if (at <= 0 || !chatId) {
    throw new ClawError('CLAW_ARG_INVALID', { what: '--chat', reason: { en: `"${value}" is not PLATFORM:CHAT_ID, e.g. feishu:oc_5ce6...`, zh: `"${value}" 不是 平台:群ID 的形式，如 feishu:oc_5ce6...` } });
  }
  return { platform, chatId };
}
