// Feishu's send limits and message size, as the outbox must respect them.
import type { RateLimit } from '../chat-channel.js';

/**
 * Feishu answers more than 5 messages a second into one chat (shared by all bots there) with code 230020. A token
 * bucket lets `burst` out at once and then `perSecond`, so any one second sees up to burst + perSecond: 1 + 4 stays
 * within 5 (5 + 5 would let 9 through and earn a refusal every fifth message).
 */
export const FEISHU_PER_CHAT: RateLimit = { perSecond: 4, burst: 1 };

/** App-level send limit of 50 a second (HTTP 429, code 99991400 beyond it): 10 at once + 40 a second stays within. */
export const FEISHU_PER_BOT: RateLimit = { perSecond: 40, burst: 10 };

/** Feishu refuses cards of about 30 KB of JSON; 28 KB leaves room for what the API wraps around the content. */
export const FEISHU_MAX_MESSAGE_BYTES = 28 * 1024;

/** The per-chat limit is per second: a second is the least a retry should wait. */
export const PER_CHAT_RETRY_MS = 1000;

/** `x-ogw-ratelimit-reset` (seconds to wait, Feishu's gateway) or a standard Retry-After in seconds. */
export function retryAfterMs(headers: Record<string, unknown> | undefined): number | undefined {
  if (!headers) return undefined;
  for (const name of ['x-ogw-ratelimit-reset', 'retry-after']) {
    const raw = headers[name] ?? headers[name.toUpperCase()];
    const seconds = typeof raw === 'string' || typeof raw === 'number' ? Number(raw) : NaN;
    if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
  }
  return undefined;
}
