// The shared ChatChannel contract, run against the loopback platform (test/channels/loopback/): its channel, made by the
// platform module as the control plane makes it, behind a stand-in webhook route, and the loopback emulator.
import { randomBytes } from 'node:crypto';
import { afterEach } from 'vitest';
import type { ChatAddress } from '../../src/channels/chat-channel.js';
import { silentLogger } from '../../src/util/logger.js';
import { describeChatChannelContract, textOf } from './chat-channel-contract.js';
import type { ContractPlatform, PushResult, RecordedMessage } from './chat-channel-contract.js';
import { LoopbackEmulator, type LoopbackAck, type LoopbackMessage } from './loopback/loopback-emulator.js';
import { ACK_TIMEOUT_MS } from './loopback/loopback-protocol.js';
import { loopbackPlatform } from './loopback/platform.js';
import { serveWebhook, type WebhookServer } from './loopback/webhook-server.js';

/** What each case started; closed after it (the contract has aborted the channel by then). */
const running: Array<{ emu: LoopbackEmulator; webhook: WebhookServer }> = [];
afterEach(async () => {
  for (const { emu, webhook } of running.splice(0)) {
    await webhook.close();
    await emu.stop();
  }
});

const id = (prefix: string): string => `${prefix}${randomBytes(5).toString('hex')}`;
const pushed = (ack: LoopbackAck): PushResult => ({ acked: ack.acked, latencyMs: ack.latencyMs, ref: ack.eventId });
const recorded = (m: LoopbackMessage): RecordedMessage => ({ messageId: m.messageId, text: textOf(m.content) });

describeChatChannelContract('Loopback', {
  platform: 'loopback',
  // The service pushes an event again when its webhook request is not answered within 3 s.
  ackDeadlineMs: ACK_TIMEOUT_MS,
  async setup(): Promise<ContractPlatform> {
    const emu = new LoopbackEmulator();
    await emu.start();
    const channel = loopbackPlatform.createChannel({ url: emu.url, token: emu.token }, silentLogger);
    const webhook = await serveWebhook(channel);
    emu.webhookUrl = webhook.url;
    running.push({ emu, webhook });
    const names = new Map<string, string>();
    return {
      channel,
      orgId: emu.orgId,
      newGroupChatId: () => id('grp'),
      newUserId: () => {
        const userId = id('u');
        names.set(userId, `User ${names.size + 1}`);
        return userId;
      },
      async pushGroupMessage({ chatId, userId, text, mentionBot }) {
        return pushed(await emu.pushMessage({ chatKind: 'group', chatId, userId, name: names.get(userId), text, mentionBot }));
      },
      async pushDirectMessage({ userId, text }) {
        const ack = await emu.pushMessage({ chatKind: 'direct', userId, name: names.get(userId), text });
        return { ...pushed(ack), chatId: ack.chatId };
      },
      async pushCardClick({ messageId, userId, value }) {
        return pushed(await emu.pushCardClick({ messageId, userId, name: names.get(userId), value }));
      },
      async redeliver(push) {
        return pushed(await emu.redeliver(push.ref));
      },
      messagesIn(chat: ChatAddress) {
        // A direct send names the person; the service files it in their direct chat with the bot.
        const chatId = chat.chatType === 'direct' && chat.userId ? emu.directChatOf(chat.userId) : chat.chatId;
        return emu.messagesIn(chatId).map(recorded);
      },
      cardText(messageId) {
        const card = emu.message(messageId);
        return card ? textOf(card.content) : undefined;
      },
      failNextSend(fault) {
        emu.failNextSend(fault);
      },
      async disconnected() {
        // A webhook holds no connection between events: gone means no push is waiting for an answer.
        await emu.waitFor(() => emu.inFlight === 0, 5000, 'no push in flight');
      },
      async stop() {
        // Nothing winds down: after the abort the webhook refuses events. The emulator is closed by afterEach.
      },
    };
  },
});
