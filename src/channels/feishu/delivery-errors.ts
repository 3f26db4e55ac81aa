// Maps a failed send/reply/patch to the DeliveryError the outbox acts on: retry, wait, or fail the item loudly.
import { DeliveryError } from '../chat-channel.js';
import { FeishuApiError, toApiError } from './feishu-api.js';
import { PER_CHAT_RETRY_MS } from './rate-limits.js';

/** App-level frequency limit (the gateway's answer to HTTP 429). */
const APP_RATE_LIMITED = 99991400;
/** Per-chat limit: more than 5 messages a second into one chat. */
const CHAT_RATE_LIMITED = 230020;

export function toDeliveryError(operation: string, error: unknown): DeliveryError {
  const e = error instanceof FeishuApiError ? error : toApiError(operation, error);
  const { status, code, retryAfterMs, tokenRejectedTwice } = e.details;
  if (status === 429 || code === APP_RATE_LIMITED) return new DeliveryError(e.message, true, retryAfterMs, true);
  if (code === CHAT_RATE_LIMITED) return new DeliveryError(e.message, true, retryAfterMs ?? PER_CHAT_RETRY_MS, true);
  // A token refused again right after a refetch is a permission or credential problem: waiting will not fix it.
  if (tokenRejectedTwice) return new DeliveryError(e.message, false);
  if (e.tokenRejected) return new DeliveryError(e.message, true);
  // No answer at all: connection refused or reset, DNS, timeout.
  if (status === undefined) return new DeliveryError(e.message, true, retryAfterMs);
  if (status >= 500) return new DeliveryError(e.message, true, retryAfterMs);
  return new DeliveryError(e.message, false);
}
