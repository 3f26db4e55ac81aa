// The account flags of `member add` and `member link`: one per chat platform the control plane runs (--feishu OPEN_ID,
// --dingtalk STAFF_ID, ...), made from the platform's own description (channels/<name>/platform.ts).
import { ClawError } from '../errors/claw-error.js';
import type { ChatPlatform, PlatformDirectory } from '../model/chat-platforms.js';
import type { FlagSpec } from './command-spec.js';

export function accountFlags(platforms: PlatformDirectory): Record<string, FlagSpec> {
  return Object.fromEntries(platforms.all.map((p) => [p.name, { kind: 'string', maxLength: 128, valueName: p.account.valueName, help: p.account.help } satisfies FlagSpec]));
}

/** Platform user ids are opaque, but never contain spaces or markup. */
const USER_ID = /^[A-Za-z0-9][A-Za-z0-9_.@:-]{0,127}$/;

/** The accounts given with the platforms' flags, checked; a command declares `accountFlags` to have them. */
export function chatIdentitiesOf(flags: Record<string, unknown>, platforms: PlatformDirectory): Array<{ platform: ChatPlatform; userId: string }> {
  const out: Array<{ platform: ChatPlatform; userId: string }> = [];
  for (const { name } of platforms.all) {
    const value = flags[name];
    if (typeof value !== 'string') continue;
    const userId = value.trim();
    if (!USER_ID.test(userId)) {
      throw new ClawError('CLAW_ARG_INVALID', { what: `--${name}`, reason: { en: 'expected the platform\'s user id (letters, digits, _ . @ : -)', zh: '应为平台的用户 ID（字母、数字及 _ . @ : -）' } });
    }
    out.push({ platform: name, userId });
  }
  return out;
}
