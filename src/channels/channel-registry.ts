// Which chat channels run: one per platform with settings (credentials) present; a platform without them stays off.
import type { ChatChannel, Platform } from './chat-channel.js';
import type { ChatPlatformModule } from './chat-platform.js';
import { withFields, type Logger } from '../util/logger.js';

export function createChannels(platforms: readonly ChatPlatformModule[], settings: Record<string, unknown>, logger: Logger): Map<Platform, ChatChannel> {
  const channels = new Map<Platform, ChatChannel>();
  for (const platform of platforms) {
    const own = settings[platform.name];
    if (own !== undefined) channels.set(platform.name, platform.createChannel(own, withFields(logger, { channel: platform.name })));
  }
  return channels;
}
