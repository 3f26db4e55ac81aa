// --feishu OPEN_ID and --dingtalk STAFF_ID, shared by `member add` and `member link`.
import { ClawError } from '../errors/claw-error.js';
import type { ChatPlatform } from '../model/chat-origin.js';
import type { FlagSpec } from './command-spec.js';

export const chatIdentityFlags = {
  feishu: { kind: 'string', maxLength: 128, valueName: 'OPEN_ID', help: { en: 'The person\'s Feishu open_id (ou_…)', zh: '此人的飞书 open_id（ou_…）' } },
  dingtalk: { kind: 'string', maxLength: 128, valueName: 'STAFF_ID', help: { en: 'The person\'s DingTalk staff id', zh: '此人的钉钉 staffId' } },
} as const satisfies Record<string, FlagSpec>;

/** Platform user ids are opaque, but never contain spaces or markup. */
const USER_ID = /^[A-Za-z0-9][A-Za-z0-9_.@:-]{0,127}$/;

export function chatIdentitiesOf(flags: { feishu?: string | undefined; dingtalk?: string | undefined }): Array<{ platform: ChatPlatform; userId: string }> {
  const out: Array<{ platform: ChatPlatform; userId: string }> = [];
  for (const platform of ['feishu', 'dingtalk'] as const) {
    const userId = flags[platform]?.trim();
    if (userId === undefined) continue;
    if (!USER_ID.test(userId)) {
      throw new ClawError('CLAW_ARG_INVALID', { what: `--${platform}`, reason: { en: 'expected the platform\'s user id (letters, digits, _ . @ : -)', zh: '应为平台的用户 ID（字母、数字及 _ . @ : -）' } });
    }
    out.push({ platform, userId });
  }
  return out;
}
