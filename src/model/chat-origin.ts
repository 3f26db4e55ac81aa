// Where a command was typed: a chat address, and the check for commands that act on the chat
// they were typed in (bind, unbind, an approval chat set to `here`).
import { ClawError } from '../errors/claw-error.js';
import type { ChatPlatform, PlatformDirectory } from './chat-platforms.js';

/** A chat address, platform-neutral (the channels' ChatAddress has this shape). */
export interface ChatOrigin {
  platform: ChatPlatform;
  orgId: string;
  chatId: string;
  chatType: 'group' | 'direct';
  userId?: string;
  /** The message that carried the command: answers about it (an approval card) reply to it. */
  messageId?: string;
}

export interface ChatGroup {
  platform: ChatPlatform;
  orgId: string;
  chatId: string;
}

/** The group the command came from; a clear error from the API, CLI, web console or a direct chat. */
export function requireGroup(origin: ChatOrigin | undefined, command: string, platforms: PlatformDirectory): ChatGroup {
  // Only a chat channel sets an origin: the API, CLI and web console never do.
  if (!origin || origin.chatType !== 'group') {
    throw new ClawError('CLAW_CHAT_ONLY', { command, apps: platforms.labels(), where: { en: 'group chat', zh: '群聊' } });
  }
  return { platform: origin.platform, orgId: origin.orgId, chatId: origin.chatId };
}
