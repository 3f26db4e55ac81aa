// Which chat channels run: one per platform with credentials in the settings; a platform without them stays off.
import type { Settings } from '../config/settings.js';
import type { ChatChannel, Platform } from './chat-channel.js';
import { createDingTalkChannel } from './dingtalk/index.js';
import { createFeishuChannel } from './feishu/index.js';

export interface ChannelLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export function createChannels(settings: Pick<Settings, 'feishu' | 'dingtalk'>, logger: ChannelLogger): Map<Platform, ChatChannel> {
  const channels = new Map<Platform, ChatChannel>();
  const scoped = (platform: Platform): ChannelLogger => ({
    info: (obj, msg) => logger.info({ ...obj, channel: platform }, msg),
    warn: (obj, msg) => logger.warn({ ...obj, channel: platform }, msg),
    error: (obj, msg) => logger.error({ ...obj, channel: platform }, msg),
  });
  const feishu = settings.feishu;
  if (feishu) {
    channels.set('feishu', createFeishuChannel({
      appId: feishu.appId, appSecret: feishu.appSecret, domain: feishu.domain, mode: feishu.mode, logger: scoped('feishu'),
      ...(feishu.encryptKey ? { encryptKey: feishu.encryptKey } : {}),
      ...(feishu.verificationToken ? { verificationToken: feishu.verificationToken } : {}),
    }));
  }
  const dingtalk = settings.dingtalk;
  if (dingtalk) {
    channels.set('dingtalk', createDingTalkChannel({
      clientId: dingtalk.clientId, clientSecret: dingtalk.clientSecret, gatewayUrl: dingtalk.gatewayUrl, apiUrl: dingtalk.apiUrl,
      robotCode: dingtalk.robotCode, logger: scoped('dingtalk'), ...(dingtalk.cardTemplateId ? { cardTemplateId: dingtalk.cardTemplateId } : {}),
    }));
  }
  return channels;
}
