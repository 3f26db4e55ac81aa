// Delivering through the emulated DingTalk OpenAPI: group, 1:1, sessionWebhook replies, cards, and failure mapping.
import { describe, expect, it } from 'vitest';
import { DeliveryError } from '../../../src/channels/chat-channel.js';
import type { ChatAddress, Delivery } from '../../../src/channels/chat-channel.js';
import type { DingTalkChannel } from '../../../src/channels/dingtalk/index.js';
import type { View } from '../../../src/render/view.js';
import type { DingTalkEmulator } from '../../emulators/dingtalk-emulator.js';
import { alice, direct, group, useDingTalkHarness } from './dingtalk-fixtures.js';

const h = useDingTalkHarness();


const status: View = { kind: 'message', text: 'alice is Running', tone: 'success' };
const approval: View = {
  kind: 'detail',
  title: 'Approval #12',
  tone: 'warning',
  fields: [{ label: 'Command', value: 'claw stop alice --force' }],
  actions: [
    { label: 'Approve', style: 'primary', value: { approval: '12', decision: 'approve' }, command: 'claw approve 12' },
    { label: 'Reject', style: 'danger', value: { approval: '12', decision: 'reject' }, command: 'claw reject 12' },
  ],
};

async function setup(opts: Parameters<typeof h.emulator>[0] = {}, channelOpts: Parameters<typeof h.channel>[1] = {}): Promise<{ emu: DingTalkEmulator; channel: DingTalkChannel }> {
  const emu = await h.emulator(opts);
  const { channel } = h.channel(emu, channelOpts);
  return { emu, channel };
}

function send(channel: DingTalkChannel, view: View, to: ChatAddress = group, extra: Partial<Extract<Delivery, { kind: 'send' }>> = {}): Promise<{ messageId: string }> {
  const [message] = channel.render(view, { locale: 'en' });
  return channel.deliver({ kind: 'send', to, message: message!, idempotencyKey: extra.idempotencyKey ?? `key-${Math.random()}`, ...extra });
}

async function failure(p: Promise<unknown>): Promise<DeliveryError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(DeliveryError);
  return err as DeliveryError;
}

/** A reply context as the channel builds it from an inbound robot message. */
async function replyContext(emu: DingTalkEmulator): Promise<Record<string, string>> {
  const msg = emu.buildRobotMessage({ conversationId: 'cidGroup1', conversationType: '2', sender: alice, text: 'claw status' });
  return { sessionWebhook: String(msg.sessionWebhook), sessionWebhookExpiredTime: String(msg.sessionWebhookExpiredTime) };
}

describe('DingTalkChannel delivery', () => {
  it('sends markdown to a group with the access token, and caches the token', async () => {
    const { emu, channel } = await setup();
    const { messageId } = await send(channel, status);
    await send(channel, status);
    expect(emu.accessTokensIssued).toHaveLength(1);
    expect(emu.groupMessages).toHaveLength(2);
    expect(emu.groupMessages[0]).toMatchObject({
      robotCode: emu.robotCode,
      openConversationId: 'cidGroup1',
      msgKey: 'sampleMarkdown',
      msgParam: { title: '🟢 alice is Running', text: '🟢 alice is Running' },
      processQueryKey: messageId,
    });
    const call = emu.requests.find((r) => r.path === '/v1.0/robot/groupMessages/send');
    expect(call?.headers['x-acs-dingtalk-access-token']).toBe(emu.accessTokensIssued[0]);
  });

  it('sends an ActionCard with dtmd buttons to a group (sampleActionCard2)', async () => {
    const { emu, channel } = await setup();
    await send(channel, approval);
    expect(emu.groupMessages[0]).toMatchObject({
      msgKey: 'sampleActionCard2',
      msgParam: {
        title: '🟠 Approval #12',
        actionTitle1: 'Approve',
        actionURL1: 'dtmd://dingtalkclient/sendMessage?content=claw%20approve%2012',
        actionTitle2: 'Reject',
        actionURL2: 'dtmd://dingtalkclient/sendMessage?content=claw%20reject%2012',
      },
    });
  });

  it('sends 1:1 to the user of a direct chat', async () => {
    const { emu, channel } = await setup();
    const { messageId } = await send(channel, status, direct);
    expect(emu.oToMessages).toEqual([expect.objectContaining({ robotCode: emu.robotCode, userIds: ['staff-alice'], msgKey: 'sampleMarkdown', processQueryKey: messageId })]);
    expect(emu.requests.find((r) => r.path === '/v1.0/robot/oToMessages/batchSend')?.headers['x-acs-dingtalk-access-token']).toBe(emu.accessTokensIssued[0]);
  });

  it('replies through a live sessionWebhook (markdown and actionCard), without the access token', async () => {
    const { emu, channel } = await setup();
    const context = await replyContext(emu);
    await send(channel, status, group, { replyTo: { messageId: 'msgA', context } });
    await send(channel, approval, group, { replyTo: { messageId: 'msgA', context } });
    expect(emu.groupMessages).toHaveLength(0);
    expect(emu.sessionMessages.map((m) => m.msgtype)).toEqual(['markdown', 'actionCard']);
    expect(emu.sessionMessages[0]).toMatchObject({ conversationId: 'cidGroup1', hadAccessToken: false, body: { markdown: { title: '🟢 alice is Running' } } });
    expect(emu.sessionMessages[1]?.body).toMatchObject({
      actionCard: { btns: [{ title: 'Approve', actionURL: 'dtmd://dingtalkclient/sendMessage?content=claw%20approve%2012' }, { title: 'Reject' }] },
    });
  });

  it('falls back to the group send when the sessionWebhook has expired, by its time or by DingTalk’s answer', async () => {
    const { emu, channel } = await setup();
    const context = await replyContext(emu);
    await send(channel, status, group, { replyTo: { messageId: 'msgA', context: { ...context, sessionWebhookExpiredTime: String(Date.now() - 1_000) } } });
    expect(emu.sessionMessages).toHaveLength(0);
    expect(emu.groupMessages).toHaveLength(1);
    emu.expireSessionWebhooks();
    await send(channel, status, group, { replyTo: { messageId: 'msgA', context } });
    expect(emu.sessionMessages).toHaveLength(0);
    expect(emu.groupMessages).toHaveLength(2);
  });

  it('creates and updates an interactive card with a card template (group and 1:1)', async () => {
    const { emu, channel } = await setup({}, { cardTemplateId: 'tpl.claw.approval' });
    const { messageId } = await send(channel, approval, group, { idempotencyKey: 'approval-12' });
    expect(messageId).toBe('approval-12');
    const card = emu.cards.get('approval-12');
    expect(card).toMatchObject({ cardTemplateId: 'tpl.claw.approval', openSpaceId: 'dtv1.card//IM_GROUP.cidGroup1', callbackType: 'STREAM' });
    expect(card?.createBody).toMatchObject({ imGroupOpenSpaceModel: { supportForward: true }, imGroupOpenDeliverModel: { robotCode: emu.robotCode } });
    expect(card?.cardParamMap).toMatchObject({ title: '🟠 Approval #12', tone: 'warning' });
    expect(JSON.parse(String(card?.cardParamMap.buttons))).toEqual([
      { id: 'action_1', text: 'Approve', color: 'blue', params: { approval: '12', decision: 'approve' } },
      { id: 'action_2', text: 'Reject', color: 'red', params: { approval: '12', decision: 'reject' } },
    ]);

    const [resolved] = channel.render({ ...approval, tone: 'success', title: 'Approval #12: approved', actions: [] }, { locale: 'en' });
    expect(resolved?.updatable).toBe(true);
    await channel.deliver({ kind: 'update', to: group, messageId: 'approval-12', message: resolved! });
    expect(card?.history.map((e) => e.kind)).toEqual(['create', 'update']);
    expect(card?.cardParamMap).toMatchObject({ title: '🟢 Approval #12: approved', buttons: '[]', tone: 'success' });

    await send(channel, approval, direct, { idempotencyKey: 'approval-13' });
    expect(emu.cards.get('approval-13')).toMatchObject({ openSpaceId: 'dtv1.card//IM_ROBOT.staff-alice' });
    expect(emu.cards.get('approval-13')?.createBody).toMatchObject({ imRobotOpenDeliverModel: { spaceType: 'IM_ROBOT', robotCode: emu.robotCode } });
  });

  it('updates a card with a view that lost its actions (a decided approval renders as markdown)', async () => {
    const { emu, channel } = await setup({}, { cardTemplateId: 'tpl.claw.approval' });
    await send(channel, approval, group, { idempotencyKey: 'approval-14' });
    // What approvalView returns once decided: no `actions` at all, so render() gives markdown.
    const { actions: _gone, ...decided } = approval;
    const [message] = channel.render({ ...decided, tone: 'success', title: 'Approval #14: approved' }, { locale: 'en' });
    expect(message?.type).toBe('markdown');
    await channel.deliver({ kind: 'update', to: group, messageId: 'approval-14', message: message! });
    const card = emu.cards.get('approval-14');
    expect(card?.history.map((e) => e.kind)).toEqual(['create', 'update']);
    // Buttons gone, tone and title from the new view, and the heading not repeated in the body (the card shows the title).
    expect(card?.cardParamMap).toMatchObject({ title: '🟢 Approval #14: approved', tone: 'success', buttons: '[]', markdown: '**Command**: claw stop alice --force' });
  });

  it('refuses to update without a card template: not updatable, not retryable, nothing sent', async () => {
    const { emu, channel } = await setup();
    const { messageId } = await send(channel, status);
    const [message] = channel.render(status, { locale: 'en' });
    const err = await failure(channel.deliver({ kind: 'update', to: group, messageId, message: message! }));
    expect(err).toMatchObject({ retryable: false, rateLimited: false });
    expect(err.message).toContain('not updatable');
    expect(emu.requests.filter((r) => r.method === 'PUT')).toHaveLength(0);
  });

  it('maps the per-robot rate limit (403 QpsLimit) to rateLimited with a minute to wait', async () => {
    const { emu, channel } = await setup({ robotRateLimit: { perMinute: 2 } });
    await send(channel, status);
    await send(channel, status);
    const err = await failure(send(channel, status));
    expect(err).toMatchObject({ retryable: true, rateLimited: true, retryAfterMs: 60_000 });
    expect(err.message).toContain('QpsLimit');
    expect(emu.groupMessages).toHaveLength(2);
  });

  it('maps sessionWebhook 130101 "send too fast" to rateLimited', async () => {
    const { emu, channel } = await setup({ robotRateLimit: { perMinute: 1 } });
    const context = await replyContext(emu);
    await send(channel, status, group, { replyTo: { messageId: 'm', context } });
    const err = await failure(send(channel, status, group, { replyTo: { messageId: 'm', context } }));
    expect(err).toMatchObject({ retryable: true, rateLimited: true, retryAfterMs: 60_000 });
    expect(err.message).toContain('130101');
  });

  it('maps HTTP 429 to rateLimited, honouring Retry-After', async () => {
    const { emu, channel } = await setup();
    emu.respondWith('groupMessages', { status: 429, headers: { 'retry-after': '7' } });
    const err = await failure(send(channel, status));
    expect(err).toMatchObject({ retryable: true, rateLimited: true, retryAfterMs: 7_000 });
  });

  it('maps 5xx and network errors to retryable, other 4xx to not retryable with DingTalk’s message', async () => {
    const { emu, channel } = await setup();
    emu.respondWith('groupMessages', { status: 500 });
    expect(await failure(send(channel, status))).toMatchObject({ retryable: true, rateLimited: false });
    emu.respondWith('groupMessages', { status: 400, body: { code: 'InvalidParameter.OpenConversationId', message: 'openConversationId is invalid' } });
    const bad = await failure(send(channel, status));
    expect(bad).toMatchObject({ retryable: false, rateLimited: false });
    expect(bad.message).toContain('openConversationId is invalid');

    const offline = h.channel(emu, { apiUrl: 'http://127.0.0.1:9' }).channel;
    expect(await failure(send(offline, status))).toMatchObject({ retryable: true, rateLimited: false });
  });

  it('maps a too-large message to not retryable (sessionWebhook 460101)', async () => {
    const { emu, channel } = await setup({ maxMessageBytes: 300 });
    const context = await replyContext(emu);
    const err = await failure(send(channel, { kind: 'message', text: 'x'.repeat(1_000) }, group, { replyTo: { messageId: 'm', context } }));
    expect(err).toMatchObject({ retryable: false, rateLimited: false });
    expect(err.message).toContain('460101');
  });

  it('refetches a revoked token once and succeeds', async () => {
    const { emu, channel } = await setup();
    await send(channel, status);
    emu.revokeTokens();
    await send(channel, status);
    expect(emu.accessTokensIssued).toHaveLength(2);
    expect(emu.groupMessages).toHaveLength(2);
    expect(emu.requests.filter((r) => r.status === 401)).toHaveLength(1);
  });

  it('fails wrong credentials without retrying and without the secret in the message', async () => {
    const { emu } = await setup();
    const channel = h.channel(emu, { clientSecret: 'wrong-secret-value' }).channel;
    const err = await failure(send(channel, status));
    expect(err).toMatchObject({ retryable: false });
    expect(err.message).toContain('invalidClientIdOrSecret');
    expect(err.message).not.toContain('wrong-secret-value');
  });
});
