// Reads a webhook body as a loopback event and maps it to what the core takes: an InboundMessage or a CardClick.
import type { CardClick, ChatAddress, InboundMessage } from '../../../src/channels/chat-channel.js';
import type { ClickEvent, LoopbackEvent, MessageEvent } from './loopback-protocol.js';

export const LOOPBACK = 'loopback';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown): v is string => typeof v === 'string' && v !== '';
const isKind = (v: unknown): v is 'group' | 'direct' => v === 'group' || v === 'direct';
const isPerson = (v: unknown): boolean => isObject(v) && isText(v.userId) && (v.name === undefined || typeof v.name === 'string');
const isValue = (v: unknown): v is Record<string, string> => isObject(v) && Object.values(v).every((x) => typeof x === 'string');

/** The event, or undefined when the body is not one (the service sends nothing else: such a body is refused). */
export function parseEvent(rawBody: string): LoopbackEvent | undefined {
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch {
    return undefined;
  }
  if (!isObject(body) || !isText(body.eventId) || !isText(body.orgId)) return undefined;
  if (body.type === 'message') {
    const m = body.message;
    const ok = isObject(m) && isText(m.messageId) && isText(m.chatId) && isKind(m.chatKind) && isPerson(m.sender) && typeof m.text === 'string' && typeof m.mentionsBot === 'boolean';
    return ok ? (body as unknown as MessageEvent) : undefined;
  }
  if (body.type === 'click') {
    const c = body.click;
    const ok = isObject(c) && isText(c.messageId) && isText(c.chatId) && isKind(c.chatKind) && isPerson(c.user) && isValue(c.value);
    return ok ? (body as unknown as ClickEvent) : undefined;
  }
  return undefined;
}

function address(orgId: string, chatId: string, chatKind: 'group' | 'direct', person: string | undefined): ChatAddress {
  return { platform: LOOPBACK, orgId, chatId, chatType: chatKind, ...(chatKind === 'direct' && person ? { userId: person } : {}) };
}

export function inboundMessage(event: MessageEvent): InboundMessage {
  const { message: m } = event;
  return {
    platform: LOOPBACK,
    eventId: event.eventId,
    messageId: m.messageId,
    chat: address(event.orgId, m.chatId, m.chatKind, m.sender.userId),
    sender: { userId: m.sender.userId, ...(m.sender.name ? { name: m.sender.name } : {}) },
    text: m.text,
    // A direct message is always to the bot.
    mentionsBot: m.chatKind === 'direct' || m.mentionsBot,
    fromBot: m.sender.isBot === true,
    receivedAt: new Date(),
  };
}

export function cardClick(event: ClickEvent): CardClick {
  const { click: c } = event;
  return {
    platform: LOOPBACK,
    eventId: event.eventId,
    chat: address(event.orgId, c.chatId, c.chatKind, c.userId ?? c.user.userId),
    messageId: c.messageId,
    user: { userId: c.user.userId, ...(c.user.name ? { name: c.user.name } : {}) },
    value: { ...c.value },
  };
}
