// A chat platform as a plug-in: everything the control plane needs to know about one lives in its folder
// (src/channels/<name>/platform.ts) and is listed once in src/channels/platforms.ts.
import type { SettingsSection } from '../config/settings-section.js';
import type { PlatformFacts } from '../model/chat-platforms.js';
import type { Logger } from '../util/logger.js';
import type { ChatChannel } from './chat-channel.js';

export interface ChatPlatformModule<S = unknown> extends PlatformFacts {
  /** Its settings (claw.yaml `channels.<name>.*` and CLAW_<NAME>_* variables); undefined settings leave the channel off. */
  settings: SettingsSection<S>;
  /** The channel for these settings. A channel that receives events over HTTP implements handleWebhook: it is served at POST /webhooks/<name>. */
  createChannel(settings: S, logger: Logger): ChatChannel;
}
