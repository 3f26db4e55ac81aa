// Sends and updates rendered messages: sessionWebhook replies, robot group and 1:1 sends, interactive cards.
import { createHash } from 'node:crypto';
import { DeliveryError } from '../chat-channel.js';
import type { ChatAddress, Delivery, DeliveryResult, RenderedMessage } from '../chat-channel.js';
import { MAX_ACTION_CARD_BUTTONS, cardParamMapOf } from './dingtalk-messages.js';
import type { ActionCardContent, CardContent, MarkdownContent } from './dingtalk-messages.js';
import type { OpenApiClient } from './openapi-client.js';
import { QPS_LIMIT_RETRY_MS, ROBOT_LIMIT_RETRY_MS } from './rate-limits.js';

export interface DingTalkDeliveryOptions {
  api: OpenApiClient;
  robotCode: string;
  cardTemplateId: string | undefined;
}

/** A sessionWebhook this close to expiry is not worth the race: the OpenAPI send works for any conversation. */
const SESSION_MARGIN_MS = 30_000;

const ROBOT_CALL = { rateLimitRetryMs: ROBOT_LIMIT_RETRY_MS };
const CARD_CALL = { rateLimitRetryMs: QPS_LIMIT_RETRY_MS };

/**
 * DingTalk's robot sends take no idempotency key: a send retried after a timeout whose request did arrive shows
 * twice. Cards are the exception: their outTrackId is derived from the outbox item's idempotency key (outTrackIdOf).
 */
export class DingTalkDelivery {
  constructor(private readonly options: DingTalkDeliveryOptions) {}

  async deliver(delivery: Delivery): Promise<DeliveryResult> {
    if (delivery.kind === 'update') return this.update(delivery.messageId, delivery.message);
    const { message, to } = delivery;
    if (message.type === 'card') return this.createCard(to, outTrackIdOf(delivery.idempotencyKey), message);
    const session = liveSession(delivery.replyTo?.context);
    if (session) {
      const outcome = await this.options.api.postSessionWebhook(session, sessionBody(message));
      // sessionWebhook sends return no message id; the item's key names it (it cannot be updated anyway).
      if (outcome === 'sent') return { messageId: `session:${delivery.idempotencyKey}` };
      // DingTalk forgot the session early: the OpenAPI send below reaches the same conversation.
    }
    const { msgKey, msgParam } = robotMessage(message);
    if (to.chatType === 'group') {
      const body = await this.options.api.call(
        'POST',
        '/v1.0/robot/groupMessages/send',
        { robotCode: this.options.robotCode, openConversationId: to.chatId, msgKey, msgParam },
        { what: 'group send', ...ROBOT_CALL },
      );
      return { messageId: processQueryKey(body) };
    }
    if (!to.userId) throw new DeliveryError('DingTalk direct send needs the user id of the chat', false);
    const body = (await this.options.api.call(
      'POST',
      '/v1.0/robot/oToMessages/batchSend',
      { robotCode: this.options.robotCode, userIds: [to.userId], msgKey, msgParam },
      { what: '1:1 send', ...ROBOT_CALL },
    )) as { invalidStaffIdList?: string[]; flowControlledStaffIdList?: string[] } | undefined;
    // batchSend answers 200 and lists users it skipped.
    if (body?.flowControlledStaffIdList?.includes(to.userId)) {
      throw new DeliveryError('DingTalk 1:1 send flow-controlled for this user', true, ROBOT_LIMIT_RETRY_MS, true);
    }
    if (body?.invalidStaffIdList?.includes(to.userId)) {
      throw new DeliveryError('DingTalk 1:1 send: the user is unknown to this robot (invalidStaffIdList)', false);
    }
    return { messageId: processQueryKey(body) };
  }

  private async createCard(to: ChatAddress, outTrackId: string, message: RenderedMessage): Promise<DeliveryResult> {
    const templateId = this.options.cardTemplateId;
    if (!templateId) throw new DeliveryError('DingTalk interactive card without a card template configured', false);
    const { robotCode } = this.options;
    const space =
      to.chatType === 'group'
        ? {
          openSpaceId: `dtv1.card//IM_GROUP.${to.chatId}`,
          imGroupOpenSpaceModel: { supportForward: true },
          imGroupOpenDeliverModel: { robotCode },
        }
        : {
          openSpaceId: `dtv1.card//IM_ROBOT.${requireUser(to)}`,
          imRobotOpenSpaceModel: { supportForward: true },
          imRobotOpenDeliverModel: { spaceType: 'IM_ROBOT', robotCode },
        };
    const body = (await this.options.api.call(
      'POST',
      '/v1.0/card/instances/createAndDeliver',
      {
        cardTemplateId: templateId,
        outTrackId,
        // Clicks come back over the stream connection, like robot messages.
        callbackType: 'STREAM',
        cardData: cardContent(message),
        userIdType: 1,
        ...space,
      },
      { what: 'card create', ...CARD_CALL },
    )) as { result?: { deliverResults?: Array<{ success?: boolean; errorMsg?: string }> } } | undefined;
    const failed = body?.result?.deliverResults?.find((r) => r.success === false);
    if (failed) throw new DeliveryError(`DingTalk card created but not delivered: ${failed.errorMsg ?? 'unknown reason'}`, false);
    return { messageId: outTrackId };
  }

  /**
   * Only interactive cards can change on DingTalk (robot markdown and ActionCards cannot), so `messageId` is a card's
   * outTrackId. The replacement may be a card or a markdown/ActionCard rendering (a view that lost its actions, such
   * as a decided approval): either becomes the card's new data.
   */
  private async update(messageId: string, message: RenderedMessage): Promise<DeliveryResult> {
    if (!this.options.cardTemplateId) {
      throw new DeliveryError(`DingTalk ${message.type} messages are not updatable without a card template`, false);
    }
    const cardParamMap = cardParamMapOf(message);
    if (!cardParamMap) throw new DeliveryError(`DingTalk cannot put a ${message.type} message on a card`, false);
    await this.options.api.call(
      'PUT',
      '/v1.0/card/instances',
      { outTrackId: messageId, cardData: { cardParamMap }, cardUpdateOptions: { updateCardDataByKey: true } },
      { what: 'card update', ...CARD_CALL },
    );
    return { messageId };
  }
}

/**
 * The card's outTrackId, stable per outbox item: a retried create names the same card instead of making a second one,
 * and later updates find it. Keys that are short and plain (`claw-outbox-12-1795000000000`) are used as they are; others are hashed.
 */
export function outTrackIdOf(idempotencyKey: string): string {
  if (/^[A-Za-z0-9_.:-]{1,64}$/.test(idempotencyKey)) return idempotencyKey;
  return `claw-${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 40)}`;
}

/** The sessionWebhook URL from a reply context, if it is still comfortably valid. */
function liveSession(context: Record<string, string> | undefined): string | undefined {
  const url = context?.sessionWebhook;
  if (!url || !/^https?:\/\//.test(url)) return undefined;
  const expiresAt = Number(context.sessionWebhookExpiredTime);
  if (!Number.isFinite(expiresAt) || expiresAt - Date.now() < SESSION_MARGIN_MS) return undefined;
  return url;
}

function parse<T>(message: RenderedMessage): T {
  try {
    return JSON.parse(message.content) as T;
  } catch {
    throw new DeliveryError(`DingTalk ${message.type} message content is not JSON`, false);
  }
}

function cardContent(message: RenderedMessage): CardContent {
  const content = parse<Partial<CardContent>>(message);
  if (!content.cardParamMap) throw new DeliveryError('DingTalk card content has no cardParamMap', false);
  return { cardParamMap: content.cardParamMap };
}

/** The legacy robot API's message shapes (msgtype + a member of the same name). */
function sessionBody(message: RenderedMessage): Record<string, unknown> {
  switch (message.type) {
    case 'markdown': {
      const { title, text } = parse<MarkdownContent>(message);
      return { msgtype: 'markdown', markdown: { title, text } };
    }
    case 'actionCard': {
      const c = parse<ActionCardContent>(message);
      const single = c.btns.length === 1 ? c.btns[0] : undefined;
      return {
        msgtype: 'actionCard',
        actionCard: single
          ? { title: c.title, text: c.text, singleTitle: single.title, singleURL: single.actionURL }
          : { title: c.title, text: c.text, btnOrientation: c.btnOrientation, btns: c.btns },
      };
    }
    case 'text':
      return { msgtype: 'text', text: { content: parse<{ content: string }>(message).content } };
    default:
      throw new DeliveryError(`DingTalk cannot send a ${message.type} message`, false);
  }
}

/** The OpenAPI's message templates: sampleMarkdown, sampleActionCard (one button) … sampleActionCard5, sampleText. */
function robotMessage(message: RenderedMessage): { msgKey: string; msgParam: string } {
  switch (message.type) {
    case 'markdown': {
      const { title, text } = parse<MarkdownContent>(message);
      return { msgKey: 'sampleMarkdown', msgParam: JSON.stringify({ title, text }) };
    }
    case 'actionCard': {
      const c = parse<ActionCardContent>(message);
      if (c.btns.length === 0) return { msgKey: 'sampleMarkdown', msgParam: JSON.stringify({ title: c.title, text: c.text }) };
      if (c.btns.length === 1) {
        const [b] = c.btns as [{ title: string; actionURL: string }];
        return { msgKey: 'sampleActionCard', msgParam: JSON.stringify({ title: c.title, text: c.text, singleTitle: b.title, singleURL: b.actionURL }) };
      }
      if (c.btns.length > MAX_ACTION_CARD_BUTTONS) throw new DeliveryError('DingTalk ActionCards carry at most 5 buttons', false);
      const param: Record<string, string> = { title: c.title, text: c.text };
      c.btns.forEach((b, i) => {
        param[`actionTitle${i + 1}`] = b.title;
        param[`actionURL${i + 1}`] = b.actionURL;
      });
      return { msgKey: `sampleActionCard${c.btns.length}`, msgParam: JSON.stringify(param) };
    }
    case 'text':
      return { msgKey: 'sampleText', msgParam: JSON.stringify({ content: parse<{ content: string }>(message).content }) };
    default:
      throw new DeliveryError(`DingTalk cannot send a ${message.type} message`, false);
  }
}

/** The send's id; a 200 without one was still accepted, and failing it would only make the outbox send it twice. */
function processQueryKey(body: unknown): string {
  const key = (body as { processQueryKey?: unknown } | undefined)?.processQueryKey;
  return typeof key === 'string' ? key : '';
}

function requireUser(to: ChatAddress): string {
  if (!to.userId) throw new DeliveryError('DingTalk direct card needs the user id of the chat', false);
  return to.userId;
}
