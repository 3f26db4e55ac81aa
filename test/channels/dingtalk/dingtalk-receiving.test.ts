// Receiving through the real dingtalk-stream SDK and the emulator: robot messages, acks, redelivery, card clicks, pings.
import { TOPIC_ROBOT } from 'dingtalk-stream';
import { describe, expect, it } from 'vitest';
import { DT_TOPIC_ROBOT } from '../../emulators/dingtalk-emulator.js';
import { RecordingHandlers, alice, useDingTalkHarness } from './dingtalk-fixtures.js';

const h = useDingTalkHarness();

async function connected(opts: Parameters<typeof h.channel>[1] = {}) {
  const emu = await h.emulator();
  const { channel, logger } = h.channel(emu, opts);
  const handlers = new RecordingHandlers();
  await h.start(channel, handlers);
  await emu.waitForConnections(1);
  return { emu, channel, handlers, logger };
}

describe('DingTalkChannel receiving (real SDK against the emulator)', () => {
  it('normalises a group robot message that @mentions the bot, with the sessionWebhook as reply context', async () => {
    const { emu, channel, handlers } = await connected();
    expect(channel.status()).toMatchObject({ platform: 'dingtalk', mode: 'stream', connected: true });
    const ack = await emu.pushRobotMessage({ conversationId: 'cidGroup1', conversationType: '2', sender: alice, text: 'claw status', msgId: 'msgA' });
    expect(ack.acked).toBe(true);
    expect(handlers.messages).toHaveLength(1);
    const m = handlers.messages[0]!;
    expect(m).toEqual({
      platform: 'dingtalk',
      eventId: 'msgA',
      messageId: 'msgA',
      chat: { platform: 'dingtalk', orgId: emu.corpId, chatId: 'cidGroup1', chatType: 'group' },
      sender: { userId: 'staff-alice', name: 'Alice' },
      // As delivered: DingTalk leaves a space where the @mention was; the core normalises.
      text: ' claw status',
      mentionsBot: true,
      fromBot: false,
      replyContext: { sessionWebhook: expect.stringContaining(`${emu.url}/robot/sendBySession?session=`), sessionWebhookExpiredTime: expect.stringMatching(/^\d+$/) },
      receivedAt: expect.any(Date),
    });
    expect(Number(m.replyContext?.sessionWebhookExpiredTime)).toBeGreaterThan(Date.now());
    // Only the channel's own two CALLBACK topics were subscribed.
    expect(emu.gatewayRequests[0]?.subscriptions).toEqual([
      { type: 'CALLBACK', topic: '/v1.0/im/bot/messages/get' },
      { type: 'CALLBACK', topic: '/v1.0/card/instances/callback' },
    ]);
  });

  it('maps a 1:1 message as a direct chat addressed to the bot', async () => {
    const { emu, handlers } = await connected();
    await emu.pushRobotMessage({ conversationId: 'cidDirect1', conversationType: '1', sender: alice, text: 'claw help' });
    expect(handlers.messages[0]).toMatchObject({
      chat: { chatId: 'cidDirect1', chatType: 'direct', userId: 'staff-alice' },
      sender: { userId: 'staff-alice' },
      mentionsBot: true,
      fromBot: false,
    });
  });

  it('reports mentionsBot false for a group message that does not @mention the bot', async () => {
    const { emu, handlers } = await connected();
    await emu.pushRobotMessage({ conversationId: 'cidGroup1', conversationType: '2', sender: alice, text: 'lunch?', atBot: false });
    expect(handlers.messages[0]).toMatchObject({ chat: { chatType: 'group' }, text: 'lunch?', mentionsBot: false });
  });

  it('marks the robot’s own messages as fromBot', async () => {
    const { emu, handlers } = await connected();
    const payload = { ...emu.buildRobotMessage({ conversationId: 'cidGroup1', conversationType: '2', sender: alice, text: 'echo' }), senderId: emu.chatbotUserId };
    await emu.push('CALLBACK', DT_TOPIC_ROBOT, payload);
    expect(handlers.messages[0]?.fromBot).toBe(true);
  });

  it('acks the CALLBACK with socketCallBackResponse after the handler, well inside the deadline', async () => {
    const { emu, handlers } = await connected();
    handlers.delayMs = 50;
    const ack = await emu.pushRobotMessage({ conversationId: 'cidGroup1', conversationType: '2', sender: alice, text: 'claw status' });
    expect(ack).toMatchObject({ acked: true, code: 200, response: {} });
    expect(ack.latencyMs).toBeGreaterThanOrEqual(45);
    expect(ack.latencyMs).toBeLessThan(1_000);
  });

  it('acks at the deadline when a handler is slower than its contract, so DingTalk (1.5 s) does not redeliver', async () => {
    // The emulator stops waiting at DingTalk's own 1.5 s; a 300 ms budget leaves a busy machine 1.2 s of margin, and the
    // handler takes 3 s, so an ack that waited for it would be reported as missed.
    const emu = await h.emulator({ ackTimeoutMs: 1_500 });
    const { channel, logger } = h.channel(emu, { handlerBudgetMs: 300 });
    const handlers = new RecordingHandlers();
    handlers.delayMs = 3_000;
    await h.start(channel, handlers);
    await emu.waitForConnections(1);
    let handlerDone = false;
    const onMessage = handlers.onMessage.bind(handlers);
    handlers.onMessage = (message) => onMessage(message).finally(() => {
      handlerDone = true;
    });
    const ack = await emu.pushRobotMessage({ conversationId: 'cidGroup1', conversationType: '2', sender: alice, text: 'claw status' });
    // The emulator's verdict: acked before DingTalk's deadline, and while the handler was still running.
    expect(ack).toMatchObject({ acked: true, code: 200 });
    expect(handlerDone).toBe(false);
    // Not before the budget: the channel gave the handler its time first.
    expect(ack.latencyMs).toBeGreaterThanOrEqual(280);
    expect(logger.lines.some((l) => l.msg?.includes('ack deadline'))).toBe(true);
  });

  it('the handler budget is 1 s by default, and a configured 5 s is capped (1.2 s) so the ack still beats the deadline', async () => {
    // Lower bounds hold on any machine; the upper side is the emulator's verdict against a 3 s deadline (twice
    // DingTalk's), which a channel waiting for the 4 s handler would miss.
    for (const [budget, atLeast] of [[undefined, 950], [5_000, 1_150]] as const) {
      const emu = await h.emulator({ ackTimeoutMs: 3_000 });
      const { channel } = h.channel(emu, budget === undefined ? {} : { handlerBudgetMs: budget });
      const handlers = new RecordingHandlers();
      handlers.delayMs = 4_000;
      await h.start(channel, handlers);
      await emu.waitForConnections(1);
      const ack = await emu.pushRobotMessage({ conversationId: 'cidGroup1', conversationType: '2', sender: alice, text: 'claw status' });
      expect(ack.acked, `budget ${String(budget)}`).toBe(true);
      expect(ack.latencyMs, `budget ${String(budget)}`).toBeGreaterThanOrEqual(atLeast);
    }
  });

  it('keeps the eventId of a redelivered message so the core can deduplicate', async () => {
    const { emu, handlers } = await connected();
    const first = await emu.pushRobotMessage({ conversationId: 'cidGroup1', conversationType: '2', sender: alice, text: 'claw stop alice', msgId: 'msgRe' });
    const again = await emu.redeliver(first.messageId);
    expect(again.acked).toBe(true);
    expect(handlers.messages.map((m) => m.eventId)).toEqual(['msgRe', 'msgRe']);
  });

  it('delivers a card click with the button params and updates the card with the handler’s answer', async () => {
    const { emu, channel, handlers } = await connected({ cardTemplateId: 'tpl.claw.approval' });
    const [card] = channel.render(
      { kind: 'message', text: 'Stop alice?', headline: 'Approval #12', tone: 'warning', actions: [{ label: 'Approve', style: 'primary', value: { approval: '12', decision: 'approve' }, command: 'claw approve 12' }] },
      { locale: 'en' },
    );
    const sent = await channel.deliver({ kind: 'send', to: { platform: 'dingtalk', orgId: emu.corpId, chatId: 'cidGroup1', chatType: 'group' }, message: card!, idempotencyKey: 'approval-12' });
    expect(sent.messageId).toBe('approval-12');
    handlers.clickAnswer = channel.render({ kind: 'message', text: 'Approved by Bob', headline: 'Approval #12', tone: 'success', actions: [] }, { locale: 'en' })[0];

    const ack = await emu.pushCardCallback({ outTrackId: 'approval-12', userId: 'staff-bob', params: { approval: '12', decision: 'approve' } });
    expect(ack.acked).toBe(true);
    expect(handlers.clicks).toEqual([
      {
        platform: 'dingtalk',
        eventId: ack.messageId,
        chat: { platform: 'dingtalk', orgId: emu.corpId, chatId: 'cidGroup1', chatType: 'group' },
        messageId: 'approval-12',
        user: { userId: 'staff-bob' },
        value: { approval: '12', decision: 'approve' },
      },
    ]);
    const after = emu.cards.get('approval-12');
    expect(after?.history.map((e) => e.kind)).toEqual(['create', 'callback-response']);
    expect(after?.cardParamMap).toMatchObject({ title: '🟢 Approval #12', buttons: '[]' });
    expect(String(after?.cardParamMap.markdown)).toContain('Approved by Bob');
  });

  it('answers the gateway’s pings', async () => {
    const { emu } = await connected();
    const results = await emu.ping();
    expect(results).toHaveLength(1);
    expect(results.every((r) => r.ok)).toBe(true);
  });

  it('never logs the client secret, the ticket or an access token', async () => {
    const { emu, channel, logger } = await connected();
    await emu.pushRobotMessage({ conversationId: 'cidGroup1', conversationType: '2', sender: alice, text: 'claw status' });
    await channel.deliver({
      kind: 'send',
      to: { platform: 'dingtalk', orgId: emu.corpId, chatId: 'cidGroup1', chatType: 'group' },
      message: channel.render({ kind: 'message', text: 'ok' }, { locale: 'en' })[0]!,
      idempotencyKey: 'k1',
    });
    emu.dropConnections();
    await emu.waitFor(() => emu.connectionsOpened === 2 && emu.connections === 1, 5000, 'reconnected');
    const printed = JSON.stringify([logger.lines, ...Object.values(h.console).map((s) => s.mock.calls)], (_k, v: unknown) => (v instanceof Error ? v.message : v));
    expect(printed).not.toContain(emu.clientSecret);
    expect(printed).not.toContain('ticket=');
    for (const token of emu.accessTokensIssued) expect(printed).not.toContain(token);
    expect(TOPIC_ROBOT).toBe(DT_TOPIC_ROBOT);
  });
});
