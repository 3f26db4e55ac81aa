// The shared ChatChannel contract, run against DingTalkChannel (stream mode, with a card template so that views with
// actions become updatable interactive cards) and the DingTalk emulator with the real dingtalk-stream SDK.
import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { ChatAddress } from '../../src/channels/chat-channel.js';
import type { StreamAck } from '../emulators/dingtalk-emulator.js';
import { describeChatChannelContract, textOf } from './chat-channel-contract.js';
import type { ContractPlatform, PushResult, RecordedMessage, SendFault } from './chat-channel-contract.js';
import { cardButtons, useDingTalkHarness } from './dingtalk/dingtalk-fixtures.js';

const h = useDingTalkHarness();

const id = (prefix: string): string => `${prefix}${randomBytes(6).toString('hex')}`;
const pushed = (ack: StreamAck): PushResult => ({ acked: ack.acked, latencyMs: ack.latencyMs, ref: ack.messageId });

describeChatChannelContract('DingTalk', {
  platform: 'dingtalk',
  // The channel acks within 1.2 s at most because DingTalk wants the ack within about 1.5 s.
  ackDeadlineMs: 1500,
  async setup(): Promise<ContractPlatform> {
    const emu = await h.emulator();
    const { channel } = h.channel(emu, { cardTemplateId: 'claw-contract-card.schema' });
    const nicks = new Map<string, string>();
    const nick = (userId: string): string => nicks.get(userId) ?? userId;
    return {
      channel,
      orgId: emu.corpId,
      newGroupChatId: () => id('cidGroup'),
      newUserId: () => {
        const userId = id('staff');
        nicks.set(userId, `User ${nicks.size + 1}`);
        return userId;
      },
      async pushGroupMessage({ chatId, userId, text, mentionBot }) {
        return pushed(await emu.pushRobotMessage({ conversationId: chatId, conversationType: '2', sender: { staffId: userId, nick: nick(userId) }, text, atBot: mentionBot }));
      },
      async pushDirectMessage({ userId, text }) {
        const chatId = id('cidDirect');
        return { ...pushed(await emu.pushRobotMessage({ conversationId: chatId, conversationType: '1', sender: { staffId: userId, nick: nick(userId) }, text })), chatId };
      },
      async pushCardClick({ messageId, userId, value }) {
        const card = emu.cards.get(messageId);
        if (!card) throw new Error(`no card ${messageId} was created`);
        const button = cardButtons(card).find((b) => isDeepStrictEqual(b.params, value));
        if (!button) throw new Error(`card ${messageId} has no button with params ${JSON.stringify(value)}`);
        return pushed(await emu.pushCardCallback({ outTrackId: messageId, userId, params: button.params, actionId: button.id }));
      },
      async redeliver(push) {
        return pushed(await emu.redeliver(push.ref));
      },
      messagesIn(chat: ChatAddress) {
        const out: RecordedMessage[] = [];
        if (chat.chatType === 'group') {
          for (const m of emu.groupMessages) if (m.openConversationId === chat.chatId) out.push({ messageId: m.processQueryKey, text: textOf(m.msgParam) });
        } else {
          for (const m of emu.oToMessages) if (chat.userId && m.userIds.includes(chat.userId)) out.push({ messageId: m.processQueryKey, text: textOf(m.msgParam) });
        }
        for (const m of emu.sessionMessages) if (chat.chatId !== '' && m.conversationId === chat.chatId) out.push({ messageId: '', text: textOf(m.body) });
        const space = chat.chatType === 'group' ? `dtv1.card//IM_GROUP.${chat.chatId}` : `dtv1.card//IM_ROBOT.${chat.userId ?? ''}`;
        for (const c of emu.cards.values()) if (c.openSpaceId === space) out.push({ messageId: c.outTrackId, text: textOf(c.cardParamMap) });
        return out;
      },
      cardText(messageId) {
        const card = emu.cards.get(messageId);
        return card ? textOf(card.cardParamMap) : undefined;
      },
      failNextSend(fault: SendFault) {
        if (fault === 'http-429') emu.respondWith('groupMessages', { status: 429 });
        // The emulator's robot limit answer (HTTP 403 + QpsLimitForAppkeyAndApi).
        else if (fault === 'platform-rate-limit') {
          emu.respondWith('groupMessages', { status: 403, body: { code: 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi', message: 'robot send rate limit exceeded', requestid: id('req') } });
        } else emu.respondWith('groupMessages', { status: 500 });
      },
      async disconnected() {
        await emu.waitFor(() => emu.connections === 0, 5000, 'no open stream connection');
      },
      async stop() {
        // The contract has aborted the channel; the harness closes the emulator after this.
        await channel.stopped();
      },
    };
  },
});
