// Which chat channels run: one per platform with credentials in the settings; a platform without them stays off.
import type { Settings } from '../config/settings.js';
import type { ChatChannel, Platform } from './chat-channel.js';
import { createDingTalkChannel } from './dingtalk/index.js';
import { createFeishuChannel } from './feishu/index.js';
import { withFields, type Logger } from '../util/logger.js';


export function createChannels(settings: Pick<Settings, 'feishu' | 'dingtalk'>, logger: Logger): Map<Platform, ChatChannel> {
  const channels = new Map<Platform, ChatChannel>();
  const scoped = (platform: Platform): Logger => withFields(logger, { channel: platform });
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
