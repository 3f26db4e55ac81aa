// DingTalk's send limits and how it says "too fast": the outbox paces by the limits, delivery maps the answers.
import type { RateLimit } from '../chat-channel.js';

/** DingTalk rejects a robot message above 20 000 bytes (errcode 460101): the channel's maxMessageBytes. */
export const PLATFORM_MAX_MESSAGE_BYTES = 20_000;
/**
 * What render() fills a message to: the content it returns is re-wrapped for sending (sampleActionCardN fields, the
 * sessionWebhook's msgtype envelope), so a kilobyte stays free for that.
 */
export const RENDER_MAX_BYTES = 19_000;

/**
 * The robot as a whole may send about 20 messages a minute (group, 1:1 and sessionWebhook together; past it the
 * sessionWebhook answers 130101 "exceed 20 times per minute"). The outbox paces with token buckets, which let `burst`
 * through at once and then `perSecond`: 5 + 15 a minute keeps any 60 s window at 20, while a three-part table still
 * goes out at once. 4 + 15 a minute keeps one message of margin for clock and network jitter. Per chat, one a second
 * with the same small burst.
 */
export const DINGTALK_LIMITS: { perChat: RateLimit; perBot: RateLimit } = {
  perChat: { perSecond: 1, burst: 4 },
  perBot: { perSecond: 15 / 60, burst: 4 },
};

/** The robot limit is per minute: retrying sooner than the window only burns another rejection. */
export const ROBOT_LIMIT_RETRY_MS = 60_000;
/** Other OpenAPI limits (cards) are per second. */
export const QPS_LIMIT_RETRY_MS = 1_000;

/** sessionWebhook errcodes (legacy robot API, HTTP 200 + errcode). */
export const SESSION_ERRCODE = {
  ok: 0,
  /** send too fast, exceed 20 times per minute */
  tooFast: 130_101,
  /** message too long */
  tooLong: 460_101,
  /** the session expired or is unknown: the OpenAPI send still works */
  sessionInvalid: 300_001,
} as const;

/** v1.0 API error codes that mean "slow down" (QpsLimitForAppkeyAndApi, Throttling.*, flow control). */
export function isRateLimitCode(code: string | undefined): boolean {
  return code !== undefined && /qpslimit|throttl|flowcontrol|ratelimit|toofast|too\.fast/i.test(code);
}

/** Retry-After in seconds or as an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
