// The chat platforms this build runs: a platform is its folder plus its line here.
import type { ChatPlatformModule } from './chat-platform.js';
import { dingtalkPlatform } from './dingtalk/platform.js';
import { feishuPlatform } from './feishu/platform.js';

export const BUILT_IN_PLATFORMS: readonly ChatPlatformModule[] = [feishuPlatform, dingtalkPlatform];
