// Card clicks through the real SDK: the handler's answer replaces the card (in the ack, or by the card API when late).
import { describe, expect, it } from 'vitest';
import type { CardClick, ChatAddress, RenderedMessage } from '../../../src/channels/chat-channel.js';
import type { DingTalkChannel } from '../../../src/channels/dingtalk/index.js';
import type { View } from '../../../src/render/view.js';
import type { DingTalkEmulator } from '../../emulators/dingtalk-emulator.js';
import { RecordingHandlers, useDingTalkHarness } from './dingtalk-fixtures.js';

const h = useDingTalkHarness();

const pending: View = {
  kind: 'detail',
  title: 'Approval #12',
  tone: 'warning',
  fields: [{ label: 'Command', value: 'claw stop alice' }],
  actions: [
    { label: 'Approve', style: 'primary', value: { approval: '12', decision: 'approve' }, command: 'claw approve 12' },
    { label: 'Reject', style: 'danger', value: { approval: '12', decision: 'reject' }, command: 'claw reject 12' },
  ],
};
/** What the approval view becomes once decided: no `actions` at all, so it renders as markdown. */
const decided: View = { kind: 'detail', title: 'Approval #12 approved by Bob', tone: 'success', fields: [{ label: 'Command', value: 'claw stop alice' }] };

async function cardOnScreen(to: ChatAddress, opts: { handlerBudgetMs?: number } = {}): Promise<{ emu: DingTalkEmulator; channel: DingTalkChannel; handlers: RecordingHandlers }> {
  const emu = await h.emulator();
  const { channel } = h.channel(emu, { cardTemplateId: 'tpl.claw.approval', ...opts });
  const handlers = new RecordingHandlers();
  await h.start(channel, handlers);
  await emu.waitForConnections(1);
  const [card] = channel.render(pending, { locale: 'en' });
  expect(card).toMatchObject({ type: 'card', updatable: true });
  await channel.deliver({ kind: 'send', to: { ...to, orgId: emu.corpId }, message: card!, idempotencyKey: 'approval-12' });
  return { emu, channel, handlers };
}

const group: ChatAddress = { platform: 'dingtalk', orgId: '', chatId: 'cidGroup1', chatType: 'group' };
const direct: ChatAddress = { platform: 'dingtalk', orgId: '', chatId: 'cidDirect1', chatType: 'direct', userId: 'staff-alice' };

function answer(channel: DingTalkChannel, view: View): RenderedMessage {
  return channel.render(view, { locale: 'en' })[0]!;
}

describe('DingTalk card clicks', () => {
  it('a decided approval (markdown, no buttons) answered in time replaces the card through the ack', async () => {
    const { emu, channel, handlers } = await cardOnScreen(group);
    handlers.clickAnswer = answer(channel, decided);
    expect(handlers.clickAnswer.type).toBe('markdown');
    const ack = await emu.pushCardCallback({ outTrackId: 'approval-12', userId: 'staff-bob', params: { approval: '12', decision: 'approve' } });
    expect(ack.acked).toBe(true);
    expect(ack.latencyMs).toBeLessThan(1_000);
    const card = emu.cards.get('approval-12')!;
    expect(card.history.map((e) => e.kind)).toEqual(['create', 'callback-response']);
    // The buttons are gone, so nobody can vote twice; the tone and title are the decided view's.
    expect(card.cardParamMap).toMatchObject({ title: '🟢 Approval #12 approved by Bob', tone: 'success', buttons: '[]', markdown: '**Command**: claw stop alice' });
  });

  it('an answer slower than the handler budget: the ack goes out in time, then the card is updated through the card API', async () => {
    const { emu, channel, handlers } = await cardOnScreen(group, { handlerBudgetMs: 150 });
    handlers.clickAnswer = answer(channel, decided);
    handlers.clickDelayMs = 1_000;
    const ack = await emu.pushCardCallback({ outTrackId: 'approval-12', userId: 'staff-bob', params: { approval: '12', decision: 'approve' } });
    expect(ack).toMatchObject({ acked: true, response: {} });
    // Acked at the budget, long before the answer came.
    expect(ack.latencyMs).toBeLessThan(900);
    const card = emu.cards.get('approval-12')!;
    await emu.waitFor(() => card.history.length === 2, 3_000, 'the late card update');
    expect(card.history.map((e) => e.kind)).toEqual(['create', 'update']);
    expect(card.cardParamMap).toMatchObject({ tone: 'success', buttons: '[]' });
    const put = emu.requests.find((r) => r.method === 'PUT' && r.path === '/v1.0/card/instances');
    expect(put?.body).toMatchObject({ outTrackId: 'approval-12' });
  });

  it('a click on a card in the 1:1 chat names the direct chat and the user; a redelivered click keeps its eventId', async () => {
    const { emu, handlers } = await cardOnScreen(direct);
    const ack = await emu.pushCardCallback({ outTrackId: 'approval-12', userId: 'staff-alice', params: { approval: '12', decision: 'reject' } });
    await emu.redeliver(ack.messageId);
    const expected: CardClick = {
      platform: 'dingtalk',
      eventId: ack.messageId,
      chat: { platform: 'dingtalk', orgId: emu.corpId, chatId: 'staff-alice', chatType: 'direct', userId: 'staff-alice' },
      messageId: 'approval-12',
      user: { userId: 'staff-alice' },
      value: { approval: '12', decision: 'reject' },
    };
    expect(handlers.clicks).toEqual([expected, expected]);
    // No answer: the card stays as it was.
    expect(emu.cards.get('approval-12')?.history.map((e) => e.kind)).toEqual(['create']);
  });

  it('a click handler that throws is acked without touching the card, and the connection stays up', async () => {
    const { emu, channel, handlers } = await cardOnScreen(group);
    handlers.onCardClick = () => {
      throw new Error('click handler broke');
    };
    const ack = await emu.pushCardCallback({ outTrackId: 'approval-12', userId: 'staff-bob', params: { approval: '12' } });
    expect(ack).toMatchObject({ acked: true, response: {} });
    expect(emu.cards.get('approval-12')?.history).toHaveLength(1);
    expect(channel.status().connected).toBe(true);
    expect(emu.connectionsOpened).toBe(1);
  });
});
