// Feishu (and Lark) as a chat platform: its settings, the account flag `--feishu OPEN_ID`, and its channel.
import { credentialPair, httpUrl, oneOf, secretText, type Definition, type SettingsSection } from '../../config/settings-section.js';
import { ClawError } from '../../errors/claw-error.js';
import type { ChatPlatformModule } from '../chat-platform.js';
import { createFeishuChannel } from './feishu-channel.js';

export interface FeishuSettings {
  appId: string;
  appSecret: string;
  /** Base URL of the open platform (Feishu, Lark, or a URL). */
  domain: string;
  mode: 'websocket' | 'webhook';
  encryptKey: string | undefined;
  verificationToken: string | undefined;
}

const DOMAINS: Record<string, string> = { feishu: 'https://open.feishu.cn', lark: 'https://open.larksuite.com' };

const DEFS = {
  appId: {
    env: 'CLAW_FEISHU_APP_ID', accepts: 'a Feishu app id: cli_ followed by 16 hex digits',
    parse: (raw) => (typeof raw === 'string' && /^cli_[0-9a-fA-F]{16}$/.test(raw.trim()) ? raw.trim() : undefined),
  } satisfies Definition<string>,
  appSecret: { env: 'CLAW_FEISHU_APP_SECRET', accepts: 'the app secret', parse: secretText, secret: true } satisfies Definition<string>,
  domain: {
    path: 'channels.feishu.domain', env: 'CLAW_FEISHU_DOMAIN', accepts: 'feishu, lark, or an http(s) URL',
    parse: (raw) => (typeof raw === 'string' ? DOMAINS[raw.trim().toLowerCase()] ?? httpUrl(raw) : undefined),
  } satisfies Definition<string>,
  mode: { path: 'channels.feishu.mode', env: 'CLAW_FEISHU_MODE', accepts: 'websocket or webhook', parse: oneOf(['websocket', 'webhook'] as const) } satisfies Definition<'websocket' | 'webhook'>,
  encryptKey: { env: 'CLAW_FEISHU_ENCRYPT_KEY', accepts: 'the event encrypt key', parse: secretText, secret: true } satisfies Definition<string>,
  verificationToken: { env: 'CLAW_FEISHU_VERIFICATION_TOKEN', accepts: 'the event verification token', parse: secretText, secret: true } satisfies Definition<string>,
};

const settings: SettingsSection<FeishuSettings> = {
  definitions: Object.values(DEFS),
  load(read) {
    const app = credentialPair(read, DEFS.appId, DEFS.appSecret, 'Feishu');
    const appId = app?.first;
    const appSecret = app?.second;
    const mode = read.required(DEFS.mode);
    const encryptKey = read.pick(DEFS.encryptKey);
    const verificationToken = read.pick(DEFS.verificationToken);
    if (appId && mode === 'webhook' && (!encryptKey || !verificationToken)) {
      // The SDK checks signatures only with an encrypt key and never the verification token: webhook mode needs both.
      throw new ClawError('CLAW_CONFIG_INVALID', { setting: 'CLAW_FEISHU_ENCRYPT_KEY / CLAW_FEISHU_VERIFICATION_TOKEN', reason: 'webhook mode needs both, to verify every event' });
    }
    // Checked even while the channel is off, so a typo shows at once rather than on the day it is turned on.
    const domain = read.required(DEFS.domain);
    return appId && appSecret ? { appId, appSecret, domain, mode, encryptKey, verificationToken } : undefined;
  },
};

export const feishuPlatform: ChatPlatformModule<FeishuSettings> = {
  name: 'feishu',
  label: { en: 'Feishu', zh: '飞书' },
  account: { valueName: 'OPEN_ID', help: { en: 'The person\'s Feishu open_id (ou_…)', zh: '此人的飞书 open_id（ou_…）' }, example: 'ou_3f2a9c' },
  credentials: [DEFS.appId.env, DEFS.appSecret.env],
  settings,
  createChannel: (s, logger) => createFeishuChannel({
    appId: s.appId, appSecret: s.appSecret, domain: s.domain, mode: s.mode, logger,
    ...(s.encryptKey ? { encryptKey: s.encryptKey } : {}),
    ...(s.verificationToken ? { verificationToken: s.verificationToken } : {}),
  }),
};
