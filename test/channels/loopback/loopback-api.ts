// The bot's calls to the loopback service (send, replace a card), and how its refusals become DeliveryErrors.
import { DeliveryError } from '../../../src/channels/chat-channel.js';
import type { Delivery, DeliveryResult } from '../../../src/channels/chat-channel.js';
import { RATE_LIMITED_CODE, TOKEN_HEADER } from './loopback-protocol.js';
import type { ErrorAnswer, MessageAnswer, SendRequest, UpdateRequest } from './loopback-protocol.js';

export interface LoopbackApiOptions {
  /** The service's base URL. */
  url: string;
  token: string;
  /** A call that has not answered by then is retried by the outbox; 10 s is far above the emulator's answers. */
  timeoutMs?: number;
}

/** When the service names no time, a rate-limited send waits this long: its limits are per second. */
const RATE_LIMIT_RETRY_MS = 1_000;

/** Retry-After in seconds; undefined when absent or unreadable. */
function retryAfterMs(header: string | null): number | undefined {
  if (!header || !/^\d+(\.\d+)?$/.test(header.trim())) return undefined;
  return Math.round(Number(header.trim()) * 1000);
}

function errorCode(body: unknown): string | undefined {
  const code = (body as Partial<ErrorAnswer> | undefined)?.error?.code;
  return typeof code === 'string' ? code : undefined;
}

export class LoopbackApi {
  private readonly timeoutMs: number;

  constructor(private readonly o: LoopbackApiOptions) {
    this.timeoutMs = o.timeoutMs ?? 10_000;
  }

  deliver(delivery: Delivery): Promise<DeliveryResult> {
    if (delivery.kind === 'update') {
      const body: UpdateRequest = { type: delivery.message.type, content: delivery.message.content };
      return this.call('PUT', `/messages/${encodeURIComponent(delivery.messageId)}`, body);
    }
    const { to } = delivery;
    // A direct chat the core only knows by its person (chatId empty) goes to that person.
    const address = to.chatType === 'direct' && to.userId && to.chatId === '' ? { userId: to.userId } : { chatId: to.chatId };
    const body: SendRequest = {
      ...address, type: delivery.message.type, content: delivery.message.content, idempotencyKey: delivery.idempotencyKey,
      ...(delivery.replyTo ? { replyTo: delivery.replyTo.messageId } : {}),
    };
    return this.call('POST', '/messages', body);
  }

  private async call(method: 'POST' | 'PUT', path: string, body: SendRequest | UpdateRequest): Promise<DeliveryResult> {
    let response: Response;
    try {
      response = await fetch(`${this.o.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json', [TOKEN_HEADER]: this.o.token },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      // Refused, reset or timed out: the message may or may not have arrived; the idempotency key covers a retry.
      throw new DeliveryError(`loopback ${method} ${path}: ${err instanceof Error ? err.message : String(err)}`, true);
    }
    const answer = (await response.json().catch(() => undefined)) as unknown;
    if (response.ok) {
      const messageId = (answer as Partial<MessageAnswer> | undefined)?.messageId;
      if (typeof messageId !== 'string') throw new DeliveryError(`loopback ${method} ${path}: the answer names no messageId`, false);
      return { messageId };
    }
    const code = errorCode(answer);
    const what = `loopback ${method} ${path}: HTTP ${response.status}${code ? ` ${code}` : ''}`;
    if (response.status === 429 || code === RATE_LIMITED_CODE) {
      throw new DeliveryError(what, true, retryAfterMs(response.headers.get('retry-after')) ?? RATE_LIMIT_RETRY_MS, true);
    }
    // 5xx is the service's trouble and passes; any other 4xx would be refused again as it is.
    throw new DeliveryError(what, response.status >= 500);
  }
}
