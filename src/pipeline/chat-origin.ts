// Commands that act on the chat they were typed in (bind, unbind, an approval chat set to `here`).
import { ClawError } from '../errors/claw-error.js';
import type { ChatPlatform } from '../store/entities/chat-identity.js';
import type { ChatOrigin } from './dispatcher.js';

export interface ChatGroup {
  platform: ChatPlatform;
  orgId: string;
  chatId: string;
}

/** The group the command came from; a clear error from the API, CLI, web console or a direct chat. */
export function requireGroup(origin: ChatOrigin | undefined, command: string): ChatGroup {
  if (!origin || origin.chatType !== 'group' || (origin.platform !== 'feishu' && origin.platform !== 'dingtalk')) {
    throw new ClawError('CLAW_CHAT_ONLY', { command, where: { en: 'group chat', zh: '群聊' } });
  }
  return { platform: origin.platform, orgId: origin.orgId, chatId: origin.chatId };
}
