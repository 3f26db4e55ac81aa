// Feishu event payloads (as the SDK flattens them: header and event fields side by side) -> the channel's own types.
import type { CardClick, ChatAddress, InboundMessage } from '../chat-channel.js';
import { messageText } from './message-text.js';

/** im.message.receive_v1 and card.action.trigger fields the channel reads; everything optional, nothing trusted. */
export interface FlatEvent {
  event_id?: string;
  tenant_key?: string;
  sender?: {
    sender_id?: { open_id?: string };
    sender_type?: string;
    tenant_key?: string;
    /** Not sent by Feishu today; used when present. */
    name?: string;
  };
  message?: {
    message_id?: string;
    chat_id?: string;
    chat_type?: string;
    message_type?: string;
    content?: string;
    mentions?: Array<{ key?: string; name?: string; id?: { open_id?: string } }>;
  };
  operator?: { open_id?: string; tenant_key?: string; name?: string };
  action?: { value?: unknown };
  context?: { open_message_id?: string; open_chat_id?: string };
}

/** A message event checked for the fields every InboundMessage needs, before names and the bot's identity are known. */
export interface ParsedMessage {
  eventId: string;
  messageId: string;
  tenantKey: string;
  chatId: string;
  chatType: 'group' | 'direct';
  senderOpenId: string;
  senderName?: string;
  senderIsUser: boolean;
  text: string;
  mentionedOpenIds: string[];
}

export type ParseResult = { ok: true; message: ParsedMessage } | { ok: false; reason: string };

export function parseMessageEvent(event: FlatEvent): ParseResult {
  const m = event.message;
  if (!event.event_id || !m?.message_id || !m.chat_id) return { ok: false, reason: 'incomplete event' };
  const text = messageText(m.message_type ?? '', m.content ?? '');
  if (text === undefined) return { ok: false, reason: `message type ${m.message_type ?? 'unknown'} carries no command` };
  return {
    ok: true,
    message: {
      eventId: event.event_id,
      messageId: m.message_id,
      tenantKey: event.tenant_key ?? event.sender?.tenant_key ?? '',
      chatId: m.chat_id,
      chatType: m.chat_type === 'p2p' ? 'direct' : 'group',
      senderOpenId: event.sender?.sender_id?.open_id ?? '',
      senderName: event.sender?.name || undefined,
      // Anything but a person (an app, another bot, this bot) is a bot: the core ignores those.
      senderIsUser: event.sender?.sender_type === 'user',
      text,
      mentionedOpenIds: (m.mentions ?? []).map((x) => x.id?.open_id ?? '').filter(Boolean),
    },
  };
}

export function toInboundMessage(p: ParsedMessage, botOpenId: string | undefined, senderName: string | undefined, receivedAt: Date): InboundMessage {
  const chat: ChatAddress = { platform: 'feishu', orgId: p.tenantKey, chatId: p.chatId, chatType: p.chatType };
  if (p.chatType === 'direct') chat.userId = p.senderOpenId;
  const sender: InboundMessage['sender'] = { userId: p.senderOpenId };
  if (senderName) sender.name = senderName;
  return {
    platform: 'feishu',
    eventId: p.eventId,
    messageId: p.messageId,
    chat,
    sender,
    text: p.text,
    // In a direct chat every message is to the bot; in a group only an @mention of its own open_id counts.
    mentionsBot: p.chatType === 'direct' || (botOpenId !== undefined && p.mentionedOpenIds.includes(botOpenId)),
    // Echoes of the bot's own messages must never run as commands, whatever sender_type says.
    fromBot: !p.senderIsUser || (botOpenId !== undefined && p.senderOpenId === botOpenId),
    receivedAt,
  };
}

/** Button values come back as the JSON we rendered (strings); anything else is stringified rather than dropped. */
function stringValues(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof value !== 'object' || value === null) return out;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return out;
}

export interface ParsedClick {
  eventId: string;
  tenantKey: string;
  chatId: string;
  messageId: string;
  operatorOpenId: string;
  operatorName?: string;
  value: Record<string, string>;
}

export function parseCardAction(event: FlatEvent): ParsedClick | undefined {
  const operator = event.operator?.open_id;
  const chatId = event.context?.open_chat_id;
  const messageId = event.context?.open_message_id;
  if (!event.event_id || !operator || !chatId || !messageId) return undefined;
  return {
    eventId: event.event_id,
    tenantKey: event.tenant_key ?? event.operator?.tenant_key ?? '',
    chatId,
    messageId,
    operatorOpenId: operator,
    operatorName: event.operator?.name || undefined,
    value: stringValues(event.action?.value),
  };
}

/** The click's chat type is not in the event: it is the type this chat had when messages came from it (group if unseen). */
export function toCardClick(p: ParsedClick, chatType: 'group' | 'direct', name: string | undefined): CardClick {
  const chat: ChatAddress = { platform: 'feishu', orgId: p.tenantKey, chatId: p.chatId, chatType };
  if (chatType === 'direct') chat.userId = p.operatorOpenId;
  const user: CardClick['user'] = { userId: p.operatorOpenId };
  if (name) user.name = name;
  return { platform: 'feishu', eventId: p.eventId, chat, messageId: p.messageId, user, value: p.value };
}
