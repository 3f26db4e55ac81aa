// The shared ChatChannel contract, run against FeishuChannel (long connection) and the Feishu emulator with the real SDK.
import { isDeepStrictEqual } from 'node:util';
import { afterEach } from 'vitest';
import type { ChatAddress } from '../../src/channels/chat-channel.js';
import { newChatId, newOpenId } from '../emulators/feishu-protocol.js';
import type { FeishuAck } from '../emulators/feishu-emulator.js';
import { describeChatChannelContract, textOf } from './chat-channel-contract.js';
import type { ContractPlatform, PushResult, RecordedMessage, SendFault } from './chat-channel-contract.js';
import { cardButtons, cleanupHarnesses, clickAnswerCard, currentCard, startHarness } from './feishu/feishu-channel-kit.js';
import type { ClickAnswerCard } from './feishu/feishu-channel-kit.js';

afterEach(cleanupHarnesses);

const pushed = (ack: FeishuAck): PushResult => ({ acked: ack.acked, latencyMs: ack.latencyMs, ref: ack.eventId });

describeChatChannelContract('Feishu', {
  platform: 'feishu',
  // Feishu re-pushes an event (and drops a card answer) not acked within 3 s.
  ackDeadlineMs: 3000,
  async setup(): Promise<ContractPlatform> {
    // Not started: the contract starts the channel itself. The emulator is stopped by cleanupHarnesses.
    const h = await startHarness({ start: false });
    const { emu, channel } = h;
    const answers: ClickAnswerCard[] = [];
    let users = 0;
    const recorded = (messageId: string, content: unknown): RecordedMessage => ({ messageId, text: textOf(currentCard(emu, messageId, answers) ?? content) });
    return {
      channel,
      orgId: emu.tenantKey,
      newGroupChatId: () => newChatId(),
      newUserId: () => emu.addUser({ openId: newOpenId(), name: `User ${++users}` }).openId,
      async pushGroupMessage({ chatId, userId, text, mentionBot }) {
        return pushed(await emu.pushMessage({ chatId, chatType: 'group', sender: { openId: userId }, text, mentionBot }));
      },
      async pushDirectMessage({ userId, text }) {
        const chatId = newChatId();
        return { ...pushed(await emu.pushMessage({ chatId, chatType: 'p2p', sender: { openId: userId }, text })), chatId };
      },
      async pushCardClick({ messageId, userId, value }) {
        const sent = emu.messages.find((m) => m.messageId === messageId);
        if (!sent) throw new Error(`no card ${messageId} was sent`);
        const button = cardButtons(currentCard(emu, messageId, answers)).find((b) => isDeepStrictEqual(b.value, value));
        if (!button) throw new Error(`card ${messageId} has no button with value ${JSON.stringify(value)}`);
        const ack = await emu.pushCardAction({ operator: { openId: userId }, value: button.value, openMessageId: messageId, openChatId: sent.chatId });
        const answer = clickAnswerCard(emu, messageId, ack);
        if (answer) answers.push(answer);
        return pushed(ack);
      },
      async redeliver(push) {
        return pushed(await emu.redeliver(push.ref));
      },
      messagesIn(chat: ChatAddress) {
        // A direct send goes to the user's open_id; the emulator files it under that user's p2p chat.
        const inChat =
          chat.chatType === 'direct'
            ? emu.messages.filter((m) => (m.receiveIdType === 'open_id' && m.receiveId === chat.userId) || (chat.chatId !== '' && m.chatId === chat.chatId))
            : emu.messages.filter((m) => m.chatId === chat.chatId);
        return inChat.map((m) => recorded(m.messageId, m.content));
      },
      cardText(messageId) {
        const card = currentCard(emu, messageId, answers);
        return card === undefined ? undefined : textOf(card);
      },
      failNextSend(fault: SendFault) {
        if (fault === 'http-429') emu.respondWith('message.create', { status: 429 });
        // Feishu's per-chat limit (5 messages a second into one chat).
        else if (fault === 'platform-rate-limit') emu.respondWith('message.create', { status: 400, body: { code: 230020, msg: 'This operation triggers the frequency limit.' } });
        else emu.respondWith('message.create', { status: 500 });
      },
      async disconnected() {
        await emu.waitFor(() => emu.connections === 0, 5000, 'no open long connection');
      },
      async stop() {
        // The contract has aborted the channel; cleanupHarnesses stops the emulator.
      },
    };
  },
});
