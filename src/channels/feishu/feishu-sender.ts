// Delivers outbox items: send (create or reply, de-duplicated by uuid) and update (patch a card in place).
import { createHash } from 'node:crypto';
import { DeliveryError } from '../chat-channel.js';
import type { ChatAddress, Delivery, DeliveryResult } from '../chat-channel.js';
import { toDeliveryError } from './delivery-errors.js';
import type { FeishuApi } from './feishu-api.js';

/** Feishu accepts a uuid of at most 50 characters. */
const MAX_UUID = 50;

/** The idempotency key as Feishu's uuid: as is when it fits, else a stable digest of it (same key, same uuid). */
export function feishuUuid(idempotencyKey: string): string {
  return idempotencyKey.length <= MAX_UUID ? idempotencyKey : createHash('sha256').update(idempotencyKey).digest('base64url');
}

/**
 * Where a new message goes. A direct chat goes to the person (open_id): Feishu opens the p2p chat if there is none yet,
 * which a private send (a secret asked for in a group) needs; a group goes to its chat_id.
 */
function receiver(to: ChatAddress): { receive_id_type: 'chat_id' | 'open_id'; receive_id: string } {
  if (to.chatType === 'direct' && to.userId) return { receive_id_type: 'open_id', receive_id: to.userId };
  if (to.chatId) return { receive_id_type: 'chat_id', receive_id: to.chatId };
  throw new DeliveryError('Feishu send failed: the address has neither a chat id nor, for a direct chat, a user id', false);
}

export class FeishuSender {
  constructor(private readonly api: FeishuApi) {}

  async deliver(delivery: Delivery): Promise<DeliveryResult> {
    const operation = delivery.kind === 'update' ? 'message.patch' : delivery.replyTo ? 'message.reply' : 'message.create';
    try {
      return await this.run(delivery);
    } catch (error) {
      if (error instanceof DeliveryError) throw error;
      throw toDeliveryError(operation, error);
    }
  }

  private async run(delivery: Delivery): Promise<DeliveryResult> {
    const client = this.api.client;
    const { message } = delivery;
    if (delivery.kind === 'update') {
      // Only cards can be patched; a text message would be refused by Feishu after a wasted call.
      if (message.type !== 'interactive') throw new DeliveryError('Feishu update failed: only cards (interactive) can be updated', false);
      await this.api.call('message.patch', () => client.im.message.patch({ path: { message_id: delivery.messageId }, data: { content: message.content } }));
      return { messageId: delivery.messageId };
    }
    const uuid = feishuUuid(delivery.idempotencyKey);
    const data = { msg_type: message.type, content: message.content, uuid };
    const replyTo = delivery.replyTo?.messageId;
    let answer: { data?: { message_id?: string } };
    if (replyTo) {
      answer = await this.api.call('message.reply', () => client.im.message.reply({ path: { message_id: replyTo }, data }));
    } else {
      const { receive_id_type, receive_id } = receiver(delivery.to);
      answer = await this.api.call('message.create', () => client.im.message.create({ params: { receive_id_type }, data: { ...data, receive_id } }));
    }
    const messageId = answer.data?.message_id;
    if (!messageId) throw new DeliveryError('Feishu send failed: the answer holds no message_id', true);
    return { messageId };
  }
}
