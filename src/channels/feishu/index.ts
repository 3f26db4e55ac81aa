// The Feishu channel's public entry: the channel, its options and the logger it writes to.
export { createFeishuChannel, FeishuChannel } from './feishu-channel.js';
export type { FeishuChannelOptions } from './feishu-options.js';
export type { WebhookRequest, WebhookResponse } from './webhook-receiver.js';
export { WEBHOOK_ERRORS } from './webhook-receiver.js';
