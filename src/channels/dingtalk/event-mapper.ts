// Turns DingTalk stream callbacks (robot messages, card clicks) into the channel-neutral InboundMessage and CardClick.
import type { CardClick, InboundMessage } from '../chat-channel.js';

/** The fields of a robot message callback we read (dingtalk-stream's RobotTextMessage, plus richText). */
interface RobotMessage {
  conversationId?: string;
  conversationType?: string;
  chatbotCorpId?: string;
  chatbotUserId?: string;
  msgId?: string;
  senderNick?: string;
  senderStaffId?: string;
  senderCorpId?: string;
  senderId?: string;
  sessionWebhook?: string;
  sessionWebhookExpiredTime?: number;
  isInAtList?: boolean;
  msgtype?: string;
  text?: { content?: string };
  content?: { richText?: Array<{ text?: string }> };
}

interface CardCallback {
  outTrackId?: string;
  userId?: string;
  corpId?: string;
  spaceType?: string;
  spaceId?: string;
  content?: string;
}

/** A stream frame as the SDK hands it to a callback listener (only what the mapper reads). */
export interface StreamFrame {
  headers: { messageId: string; topic?: string };
  data: string;
}

/** Thrown for a callback whose payload is not what DingTalk sends: acked and dropped, never retried. */
export class UnreadableEventError extends Error {
  override name = 'UnreadableEventError';
}

export function mapRobotMessage(frame: StreamFrame, receivedAt = new Date()): InboundMessage {
  const msg = parseData<RobotMessage>(frame);
  const chatId = msg.conversationId;
  const userId = msg.senderStaffId || msg.senderId;
  if (!chatId || !userId) throw new UnreadableEventError('robot message without conversationId or sender');
  const direct = msg.conversationType === '1';
  // msgId names the chat message itself and repeats on redelivery; the frame id is only the fallback.
  const eventId = msg.msgId || frame.headers.messageId;
  const replyContext: Record<string, string> = {};
  if (msg.sessionWebhook) replyContext.sessionWebhook = msg.sessionWebhook;
  if (msg.sessionWebhookExpiredTime !== undefined) replyContext.sessionWebhookExpiredTime = String(msg.sessionWebhookExpiredTime);
  return {
    platform: 'dingtalk',
    eventId,
    messageId: eventId,
    chat: {
      platform: 'dingtalk',
      orgId: msg.chatbotCorpId ?? msg.senderCorpId ?? '',
      chatId,
      chatType: direct ? 'direct' : 'group',
      ...(direct ? { userId } : {}),
    },
    sender: { userId, ...(msg.senderNick ? { name: msg.senderNick } : {}) },
    text: textOf(msg),
    // isInAtList says whether this robot was @mentioned in a group; a 1:1 chat with the robot is always addressed to it.
    mentionsBot: direct || msg.isInAtList === true,
    fromBot: msg.chatbotUserId !== undefined && msg.chatbotUserId === msg.senderId,
    ...(Object.keys(replyContext).length ? { replyContext } : {}),
    receivedAt,
  };
}

export function mapCardCallback(frame: StreamFrame): CardClick {
  const data = parseData<CardCallback>(frame);
  if (!data.outTrackId || !data.userId) throw new UnreadableEventError('card callback without outTrackId or userId');
  let params: Record<string, unknown> = {};
  try {
    const content = JSON.parse(data.content ?? '{}') as { cardPrivateData?: { params?: Record<string, unknown> } };
    params = content.cardPrivateData?.params ?? {};
  } catch {
    throw new UnreadableEventError('card callback content is not JSON');
  }
  const group = data.spaceType === 'IM_GROUP';
  const spaceId = data.spaceId ?? '';
  return {
    platform: 'dingtalk',
    // The frame id repeats on redelivery of the same click; outTrackId alone would merge distinct clicks.
    eventId: frame.headers.messageId,
    chat: {
      platform: 'dingtalk',
      orgId: data.corpId ?? '',
      chatId: spaceId,
      chatType: group ? 'group' : 'direct',
      ...(group ? {} : { userId: spaceId || data.userId }),
    },
    messageId: data.outTrackId,
    user: { userId: data.userId },
    value: stringValues(params),
  };
}

function parseData<T>(frame: StreamFrame): T {
  try {
    const parsed = JSON.parse(frame.data) as unknown;
    if (parsed && typeof parsed === 'object') return parsed as T;
  } catch {
    // fall through
  }
  throw new UnreadableEventError('callback data is not a JSON object');
}

function textOf(msg: RobotMessage): string {
  if (msg.text?.content !== undefined) return msg.text.content;
  // Rich text (a message with pictures): its text parts, in order.
  return (msg.content?.richText ?? []).map((p) => p.text ?? '').join('');
}

/** Card params arrive as JSON values; the ViewAction value they came from was all strings. */
function stringValues(params: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null) continue;
    out[key] = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  return out;
}
