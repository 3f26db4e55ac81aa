// Drives a product's Feishu webhook URL the way Feishu does: challenge, AES-encrypted + signed events, tampering on demand.
import { randomBytes } from 'node:crypto';
import { encryptPayload, signBody } from './feishu-protocol.js';
import type { FeishuEventEnvelope } from './feishu-protocol.js';

export type WebhookTamper = 'signature' | 'token' | 'timestamp';

export interface WebhookSendOptions {
  /** When set the body is {encrypt} and the X-Lark-Signature headers are sent, like Feishu does. */
  encryptKey?: string;
  /** Goes into header.token (schema 2.0) / token (url_verification). */
  verificationToken: string;
  /** Unix seconds as a string, like Feishu. Default: now. */
  timestamp?: string;
  nonce?: string;
  /**
   * 'signature': a wrong X-Lark-Signature; 'token': a wrong verification token inside the
   * (correctly signed) body; 'timestamp': a correctly signed request stamped one hour ago
   * (a replay).
   */
  tamper?: WebhookTamper;
  /** Extra headers, e.g. to drop or override one. */
  headers?: Record<string, string>;
}

export interface WebhookResult {
  status: number;
  headers: Record<string, string>;
  /** Raw response text ('' when the handler answered with an empty body). */
  body: string;
  /** Parsed body when it is JSON. */
  json?: unknown;
  /** The exact request body and headers that were sent. */
  sent: { body: string; headers: Record<string, string> };
}

const WRONG_TOKEN = 'not-the-verification-token';
const REPLAY_AGE_SECONDS = 3600;

async function post(url: string, bodyText: string, headers: Record<string, string>): Promise<WebhookResult> {
  const res = await fetch(url, { method: 'POST', body: bodyText, headers });
  const text = await res.text();
  let json: unknown;
  try {
    json = text.length > 0 ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    json = undefined;
  }
  return {
    status: res.status,
    headers: Object.fromEntries(res.headers.entries()),
    body: text,
    json,
    sent: { body: bodyText, headers },
  };
}

/** Encrypts (optionally), signs and POSTs one JSON object to `url`. */
async function sendSigned(url: string, plain: Record<string, unknown>, opts: WebhookSendOptions): Promise<WebhookResult> {
  const now = Math.floor(Date.now() / 1000);
  const timestamp = opts.tamper === 'timestamp' ? String(now - REPLAY_AGE_SECONDS) : (opts.timestamp ?? String(now));
  const nonce = opts.nonce ?? randomBytes(8).toString('hex');
  const plainText = JSON.stringify(plain);
  // Compact JSON on purpose: the SDK re-serialises the parsed body with JSON.stringify
  // before hashing, so only a compact body hashes to the same signature.
  const bodyText = opts.encryptKey ? JSON.stringify({ encrypt: encryptPayload(opts.encryptKey, plainText) }) : plainText;
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  if (opts.encryptKey) {
    let signature = signBody(timestamp, nonce, opts.encryptKey, bodyText);
    if (opts.tamper === 'signature') signature = signature.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    headers['X-Lark-Request-Timestamp'] = timestamp;
    headers['X-Lark-Request-Nonce'] = nonce;
    headers['X-Lark-Signature'] = signature;
  }
  return post(url, bodyText, { ...headers, ...opts.headers });
}

/**
 * POSTs a schema-2.0 event envelope (e.g. from buildMessageReceiveEvent) to `url`.
 * header.token is set from opts.verificationToken (or a wrong one when tamper='token').
 */
export function sendWebhookEvent(
  url: string,
  event: FeishuEventEnvelope,
  opts: WebhookSendOptions,
): Promise<WebhookResult> {
  const token = opts.tamper === 'token' ? WRONG_TOKEN : opts.verificationToken;
  const plain = { ...event, header: { ...event.header, token } };
  return sendSigned(url, plain, opts);
}

/** Sends Feishu's url_verification request; a correct endpoint echoes {challenge}. */
export function sendUrlVerification(
  url: string,
  opts: WebhookSendOptions & { challenge?: string },
): Promise<WebhookResult> {
  const token = opts.tamper === 'token' ? WRONG_TOKEN : opts.verificationToken;
  const challenge = opts.challenge ?? randomBytes(12).toString('hex');
  return sendSigned(url, { challenge, token, type: 'url_verification' }, opts);
}
