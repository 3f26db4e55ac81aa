// Loopback, a chat platform that exists only in tests: its settings, the account flag `--loopback USER_ID`, and its
// channel. It is the proof that a platform is one folder plus one line in the platform list (here, in the test).
import { credentialPair, httpUrl, secretText, type Definition, type SettingsSection } from '../../../src/config/settings-section.js';
import type { ChatPlatformModule } from '../../../src/channels/chat-platform.js';
import { createLoopbackChannel } from './loopback-channel.js';
import { LOOPBACK } from './loopback-events.js';

export interface LoopbackSettings {
  /** The service's base URL (the emulator's). */
  url: string;
  /** Shared with the service, both ways. */
  token: string;
}

const DEFS = {
  url: { path: 'channels.loopback.url', env: 'CLAW_LOOPBACK_URL', accepts: 'an http(s) URL', parse: httpUrl } satisfies Definition<string>,
  token: { env: 'CLAW_LOOPBACK_TOKEN', accepts: 'the shared token', parse: secretText, secret: true } satisfies Definition<string>,
};

const settings: SettingsSection<LoopbackSettings> = {
  definitions: Object.values(DEFS),
  load(read) {
    const pair = credentialPair(read, DEFS.url, DEFS.token, 'Loopback');
    return pair ? { url: pair.first, token: pair.second } : undefined;
  },
};

export const loopbackPlatform: ChatPlatformModule<LoopbackSettings> = {
  name: LOOPBACK,
  label: { en: 'Loopback', zh: '回环' },
  account: { valueName: 'USER_ID', help: { en: 'The person\'s Loopback user id', zh: '此人的回环用户 ID' }, example: 'u-alice' },
  credentials: [DEFS.url.env, DEFS.token.env],
  settings,
  createChannel: (s, logger) => createLoopbackChannel({ url: s.url, token: s.token, logger }),
};
