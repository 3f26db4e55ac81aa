// Feishu wire formats shared by the emulator and the webhook driver: pbbp2 frames, event envelopes, AES/signature.
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import protobuf from 'protobufjs';
import { hex } from './emulator-kit.js';

// ---------------------------------------------------------------------------
// pbbp2 frames (long connection). Field numbers and "required" rules copied from the
// SDK's generated code (lib/index.js, `pbbp2.Frame.encode`) so both sides agree byte
// for byte. We build our own Root instead of importing the SDK's private copy.
// ---------------------------------------------------------------------------

const root = protobuf.Root.fromJSON({
  nested: {
    pbbp2: {
      nested: {
        Header: {
          fields: {
            key: { rule: 'required', type: 'string', id: 1 },
            value: { rule: 'required', type: 'string', id: 2 },
          },
        },
        Frame: {
          fields: {
            SeqID: { rule: 'required', type: 'uint64', id: 1 },
            LogID: { rule: 'required', type: 'uint64', id: 2 },
            service: { rule: 'required', type: 'int32', id: 3 },
            method: { rule: 'required', type: 'int32', id: 4 },
            headers: { rule: 'repeated', type: 'Header', id: 5 },
            payloadEncoding: { type: 'string', id: 6 },
            payloadType: { type: 'string', id: 7 },
            payload: { type: 'bytes', id: 8 },
            LogIDNew: { type: 'string', id: 9 },
          },
        },
      },
    },
  },
});
const FrameType = root.lookupType('pbbp2.Frame');

/** Frame.method values (SDK enum FrameType). */
export const FRAME_CONTROL = 0;
export const FRAME_DATA = 1;

export interface FrameHeader {
  key: string;
  value: string;
}

export interface Frame {
  SeqID: number;
  LogID: number;
  service: number;
  method: number;
  headers: FrameHeader[];
  payloadEncoding?: string;
  payloadType?: string;
  payload?: Uint8Array;
  LogIDNew?: string;
}

export function encodeFrame(frame: Frame): Uint8Array {
  return FrameType.encode(FrameType.fromObject(frame)).finish();
}

export function decodeFrame(buf: Uint8Array): Frame {
  const msg = FrameType.decode(buf);
  // longs: Number because the SDK disables Long support globally; ids stay small.
  const obj = FrameType.toObject(msg, { longs: Number, defaults: true, arrays: true }) as Frame;
  return obj;
}

export function headerValue(frame: Frame, key: string): string | undefined {
  return frame.headers.find((h) => h.key === key)?.value;
}

// ---------------------------------------------------------------------------
// Event envelopes (schema 2.0), as Feishu pushes them over both transports.
// ---------------------------------------------------------------------------

export interface FeishuEventHeader {
  event_id: string;
  event_type: string;
  create_time: string;
  token: string;
  app_id: string;
  tenant_key: string;
}

export interface FeishuEventEnvelope {
  schema: '2.0';
  header: FeishuEventHeader;
  event: Record<string, unknown>;
}

/** What an envelope needs to know about the app it is addressed to. */
export interface FeishuAppIdentity {
  appId: string;
  tenantKey: string;
  verificationToken: string;
  botOpenId: string;
  botUnionId: string;
  botName: string;
}

export interface FeishuUserRef {
  openId: string;
  userId?: string;
  unionId?: string;
  name?: string;
}

export interface PushMessageOptions {
  chatId: string;
  chatType: 'group' | 'p2p';
  sender: FeishuUserRef;
  /** Text typed after the mentions, e.g. 'claw status'. */
  text: string;
  /** Prepends '@_user_1' for the bot, as Feishu does when the bot is @-mentioned. Default: true in groups. */
  mentionBot?: boolean;
  /** Further @-mentions (other users), placed after the bot mention. */
  mentions?: FeishuUserRef[];
  messageId?: string;
  eventId?: string;
  /** Message this one replies to (root_id/parent_id). */
  parentId?: string;
  createTime?: number;
}

export interface PushCardActionOptions {
  operator: FeishuUserRef;
  /** The button's `value` object from the card JSON. */
  value: Record<string, unknown>;
  openMessageId: string;
  openChatId: string;
  /** Card update token (for /interactive/v1/card/update); generated when omitted. */
  token?: string;
  tag?: string;
  name?: string;
  formValue?: Record<string, unknown>;
  eventId?: string;
}

export const newOpenId = (): string => `ou_${hex(16)}`;
export const newUnionId = (): string => `on_${hex(16)}`;
export const newChatId = (): string => `oc_${hex(16)}`;
export const newMessageId = (): string => `om_${hex(16)}`;
export const newEventId = (): string => hex(16);
export const newAppId = (): string => `cli_${hex(8)}`;
export const newCardToken = (): string => `c-${hex(20)}`;

export function buildEnvelope(
  app: FeishuAppIdentity,
  eventType: string,
  event: Record<string, unknown>,
  eventId: string = newEventId(),
  createTime: number = Date.now(),
): FeishuEventEnvelope {
  return {
    schema: '2.0',
    header: {
      event_id: eventId,
      event_type: eventType,
      create_time: String(createTime),
      token: app.verificationToken,
      app_id: app.appId,
      tenant_key: app.tenantKey,
    },
    event,
  };
}

/** im.message.receive_v1, shaped like a real push (content is a JSON *string*). */
export function buildMessageReceiveEvent(
  app: FeishuAppIdentity,
  opts: PushMessageOptions,
): FeishuEventEnvelope {
  const createTime = opts.createTime ?? Date.now();
  const mentionBot = opts.mentionBot ?? opts.chatType === 'group';
  const mentions: Array<Record<string, unknown>> = [];
  const keys: string[] = [];
  if (mentionBot) {
    const key = `@_user_${mentions.length + 1}`;
    keys.push(key);
    // Bots have no user_id; Feishu sends an empty string there.
    mentions.push({
      key,
      id: { open_id: app.botOpenId, union_id: app.botUnionId, user_id: '' },
      mentioned_type: 'bot',
      name: app.botName,
      tenant_key: app.tenantKey,
    });
  }
  for (const m of opts.mentions ?? []) {
    const key = `@_user_${mentions.length + 1}`;
    keys.push(key);
    mentions.push({
      key,
      id: { open_id: m.openId, union_id: m.unionId ?? newUnionId(), user_id: m.userId ?? '' },
      mentioned_type: 'user',
      name: m.name ?? m.openId,
      tenant_key: app.tenantKey,
    });
  }
  const text = [...keys, opts.text].join(' ');
  const message: Record<string, unknown> = {
    message_id: opts.messageId ?? newMessageId(),
    root_id: opts.parentId ?? '',
    parent_id: opts.parentId ?? '',
    create_time: String(createTime),
    update_time: String(createTime),
    chat_id: opts.chatId,
    chat_type: opts.chatType,
    message_type: 'text',
    content: JSON.stringify({ text }),
  };
  if (mentions.length > 0) message.mentions = mentions;
  return buildEnvelope(
    app,
    'im.message.receive_v1',
    {
      sender: {
        sender_id: {
          open_id: opts.sender.openId,
          union_id: opts.sender.unionId ?? '',
          user_id: opts.sender.userId ?? '',
        },
        sender_type: 'user',
        tenant_key: app.tenantKey,
      },
      message,
    },
    opts.eventId,
    createTime,
  );
}

/** card.action.trigger (new-style card callback, schema 2.0). */
export function buildCardActionEvent(
  app: FeishuAppIdentity,
  opts: PushCardActionOptions & { token: string },
): FeishuEventEnvelope {
  const action: Record<string, unknown> = { value: opts.value, tag: opts.tag ?? 'button' };
  if (opts.name !== undefined) action.name = opts.name;
  if (opts.formValue !== undefined) action.form_value = opts.formValue;
  return buildEnvelope(
    app,
    'card.action.trigger',
    {
      operator: {
        tenant_key: app.tenantKey,
        open_id: opts.operator.openId,
        user_id: opts.operator.userId ?? '',
        union_id: opts.operator.unionId ?? '',
      },
      token: opts.token,
      action,
      host: 'im_message',
      context: { open_message_id: opts.openMessageId, open_chat_id: opts.openChatId },
    },
    opts.eventId,
  );
}

// ---------------------------------------------------------------------------
// Webhook crypto. Mirrors the SDK's AESCipher (key = sha256(encryptKey), IV = first
// 16 bytes of the base64 blob) and RequestHandle.checkIsEventValidated (sha256 hex of
// timestamp + nonce + encryptKey + body).
// ---------------------------------------------------------------------------

export function encryptPayload(encryptKey: string, plaintext: string): string {
  const key = createHash('sha256').update(encryptKey).digest();
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  const enc = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, enc]).toString('base64');
}

export function signBody(timestamp: string, nonce: string, encryptKey: string, body: string): string {
  return createHash('sha256')
    .update(timestamp + nonce + encryptKey + body)
    .digest('hex');
}
