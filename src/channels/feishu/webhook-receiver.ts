// Webhook mode: verifies, decrypts and dispatches one Feishu HTTP request, doing every check the SDK leaves out.
import type { FlatEvent } from './event-mapper.js';
import type { Logger } from '../../util/logger.js';
import type { InboundEvents } from './inbound-events.js';
import { decryptBody, sameSecret, signatureValid } from './webhook-crypto.js';

export interface WebhookRequest {
  headers: Record<string, string | string[] | undefined>;
  rawBody: string;
}

export interface WebhookResponse {
  status: number;
  body: unknown;
}

export interface WebhookReceiverOptions {
  encryptKey: string;
  verificationToken: string;
  replayWindowMs: number;
  inbound: InboundEvents;
  logger: Logger;
}

/** Stable codes for refused requests: Feishu only sees the status, but an operator reading the body should not guess. */
export const WEBHOOK_ERRORS = {
  malformed: 'FEISHU_WEBHOOK_MALFORMED',
  unencrypted: 'FEISHU_WEBHOOK_UNENCRYPTED',
  signature: 'FEISHU_WEBHOOK_BAD_SIGNATURE',
  stale: 'FEISHU_WEBHOOK_STALE_TIMESTAMP',
  replayed: 'FEISHU_WEBHOOK_REPLAYED',
  token: 'FEISHU_WEBHOOK_BAD_TOKEN',
  notReady: 'FEISHU_WEBHOOK_NOT_READY',
  handler: 'FEISHU_WEBHOOK_HANDLER_FAILED',
} as const;

const refuse = (status: number, code: string, message: string): WebhookResponse => ({ status, body: { error: { code, message } } });

function header(headers: WebhookRequest['headers'], name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** Accepted nonces, so the same signed request cannot be replayed inside the window either. */
class SeenRequests {
  private readonly seen = new Map<string, number>();

  constructor(private readonly windowMs: number) {}

  has(key: string): boolean {
    return (this.seen.get(key) ?? 0) > Date.now();
  }

  add(key: string): void {
    const now = Date.now();
    // Expired entries go whenever the map grows large, keeping memory bounded by the window's traffic.
    if (this.seen.size > 10_000) for (const [k, until] of this.seen) if (until <= now) this.seen.delete(k);
    this.seen.set(key, now + 2 * this.windowMs);
  }
}

export class WebhookReceiver {
  private readonly seen: SeenRequests;

  constructor(private readonly o: WebhookReceiverOptions) {
    this.seen = new SeenRequests(o.replayWindowMs);
  }

  /** One request; refusals are logged (their code only: bodies may hold chat text) so forgeries are visible. */
  async handle(request: WebhookRequest): Promise<WebhookResponse> {
    const response = await this.answer(request);
    if (response.status >= 400) {
      const code = (asObject(asObject(response.body)?.error)?.code as string | undefined) ?? 'unknown';
      this.o.logger.warn({ status: response.status, code }, 'Feishu webhook request refused');
    }
    return response;
  }

  private async answer(request: WebhookRequest): Promise<WebhookResponse> {
    let outer: Record<string, unknown> | undefined;
    try {
      outer = asObject(JSON.parse(request.rawBody));
    } catch {
      outer = undefined;
    }
    if (!outer) return refuse(400, WEBHOOK_ERRORS.malformed, 'the body is not a JSON object');
    // With an encrypt key configured Feishu encrypts every request: a plain body is a misconfiguration or a forgery.
    if (typeof outer.encrypt !== 'string') return refuse(400, WEBHOOK_ERRORS.unencrypted, 'expected an encrypted body ({"encrypt": ...})');

    const timestamp = header(request.headers, 'x-lark-request-timestamp');
    const nonce = header(request.headers, 'x-lark-request-nonce');
    const signature = header(request.headers, 'x-lark-signature');
    const signed = timestamp !== undefined && nonce !== undefined && signature !== undefined;
    if (signed) {
      if (!signatureValid(timestamp, nonce, this.o.encryptKey, request.rawBody, signature)) {
        return refuse(401, WEBHOOK_ERRORS.signature, 'X-Lark-Signature does not match');
      }
      const ageMs = Math.abs(Date.now() - Number(timestamp) * 1000);
      if (!Number.isFinite(ageMs) || ageMs > this.o.replayWindowMs) {
        return refuse(401, WEBHOOK_ERRORS.stale, 'the request timestamp is outside the replay window');
      }
      if (this.seen.has(signature)) return refuse(401, WEBHOOK_ERRORS.replayed, 'this request was already accepted');
    }

    let body: Record<string, unknown> | undefined;
    try {
      body = asObject(JSON.parse(decryptBody(this.o.encryptKey, outer.encrypt)));
    } catch {
      body = undefined;
    }
    if (!body) return refuse(400, WEBHOOK_ERRORS.malformed, 'the encrypted body does not decrypt to a JSON object');

    const envelope = asObject(body.header);
    const token = envelope ? envelope.token : body.token;
    if (typeof token !== 'string' || !sameSecret(token, this.o.verificationToken)) {
      return refuse(401, WEBHOOK_ERRORS.token, 'the verification token does not match');
    }

    if (body.type === 'url_verification') {
      // Feishu may send the challenge unsigned; decrypting with our key and carrying our token authenticate it.
      return { status: 200, body: { challenge: body.challenge } };
    }
    // Every event must be signed: the signature is what binds the timestamp, and so the replay check, to the body.
    if (!signed) return refuse(401, WEBHOOK_ERRORS.signature, 'events must carry X-Lark-Signature');
    if (!this.o.inbound.ready) return refuse(503, WEBHOOK_ERRORS.notReady, 'the Feishu channel is not started');

    const response = await this.dispatch(body, envelope);
    if (response.status === 200) this.seen.add(signature);
    return response;
  }

  private async dispatch(body: Record<string, unknown>, envelope: Record<string, unknown> | undefined): Promise<WebhookResponse> {
    // Only schema 2.0 events carry what the channel reads; older ones are acknowledged and ignored.
    if (body.schema !== '2.0' || !envelope) return { status: 200, body: {} };
    const flat = { ...envelope, ...asObject(body.event) } as FlatEvent;
    try {
      switch (envelope.event_type) {
        case 'im.message.receive_v1':
          await this.o.inbound.message(flat);
          return { status: 200, body: {} };
        case 'card.action.trigger':
          return { status: 200, body: (await this.o.inbound.cardAction(flat)) ?? {} };
        default:
          return { status: 200, body: {} };
      }
    } catch {
      // A non-2xx answer makes Feishu deliver the event again, which is what a refused event needs.
      return refuse(500, WEBHOOK_ERRORS.handler, 'the event could not be handed over; Feishu will retry');
    }
  }
}
