// DingTalk as a chat platform: its settings, the account flag `--dingtalk STAFF_ID`, and its channel (stream mode).
import { credentialPair, httpUrl, optionalString, secretText, type Definition, type SettingsSection } from '../../config/settings-section.js';
import type { ChatPlatformModule } from '../chat-platform.js';
import { createDingTalkChannel } from './dingtalk-channel.js';

export interface DingTalkSettings {
  clientId: string;
  clientSecret: string;
  gatewayUrl: string;
  apiUrl: string;
  /** The robot that sends group messages; DingTalk's robotCode is the app's client id unless told otherwise. */
  robotCode: string;
  cardTemplateId: string | undefined;
}

const DEFS = {
  clientId: { env: 'CLAW_DINGTALK_CLIENT_ID', accepts: 'the app key (client id)', parse: secretText } satisfies Definition<string>,
  clientSecret: { env: 'CLAW_DINGTALK_CLIENT_SECRET', accepts: 'the app secret (client secret)', parse: secretText, secret: true } satisfies Definition<string>,
  gatewayUrl: { path: 'channels.dingtalk.gatewayUrl', env: 'CLAW_DINGTALK_GATEWAY_URL', accepts: 'an http(s) URL', parse: httpUrl } satisfies Definition<string>,
  apiUrl: { path: 'channels.dingtalk.apiUrl', env: 'CLAW_DINGTALK_API_URL', accepts: 'an http(s) URL', parse: httpUrl } satisfies Definition<string>,
  robotCode: { env: 'CLAW_DINGTALK_ROBOT_CODE', accepts: 'the robot code', parse: secretText } satisfies Definition<string>,
  cardTemplateId: { path: 'channels.dingtalk.cardTemplateId', env: 'CLAW_DINGTALK_CARD_TEMPLATE_ID', accepts: 'a card template id, or empty', parse: optionalString } satisfies Definition<string>,
};

const settings: SettingsSection<DingTalkSettings> = {
  definitions: Object.values(DEFS),
  load(read) {
    // Checked even while the channel is off, so a typo shows at once rather than on the day it is turned on.
    const gatewayUrl = read.required(DEFS.gatewayUrl);
    const apiUrl = read.required(DEFS.apiUrl);
    const robotCode = read.pick(DEFS.robotCode);
    const cardTemplateId = read.pick(DEFS.cardTemplateId) || undefined;
    const client = credentialPair(read, DEFS.clientId, DEFS.clientSecret, 'DingTalk');
    return client ? { clientId: client.first, clientSecret: client.second, gatewayUrl, apiUrl, robotCode: robotCode ?? client.first, cardTemplateId } : undefined;
  },
};

export const dingtalkPlatform: ChatPlatformModule<DingTalkSettings> = {
  name: 'dingtalk',
  label: { en: 'DingTalk', zh: '钉钉' },
  account: { valueName: 'STAFF_ID', help: { en: 'The person\'s DingTalk staff id', zh: '此人的钉钉 staffId' }, example: '0123456789' },
  credentials: [DEFS.clientId.env, DEFS.clientSecret.env],
  settings,
  createChannel: (s, logger) => createDingTalkChannel({
    clientId: s.clientId, clientSecret: s.clientSecret, gatewayUrl: s.gatewayUrl, apiUrl: s.apiUrl, robotCode: s.robotCode, logger,
    ...(s.cardTemplateId ? { cardTemplateId: s.cardTemplateId } : {}),
  }),
};
