// Public entry of the DingTalk channel: the channel, its factory and its options.
export { DingTalkChannel, createDingTalkChannel } from './dingtalk-channel.js';
export type { DingTalkChannelOptions } from './dingtalk-options.js';
export type { CardParamMap } from './dingtalk-messages.js';
