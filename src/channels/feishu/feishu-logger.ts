// The channel's logger, and the adapter that lets the SDK log through it without leaking credentials or chat text.
import type { Logger as SdkLogger } from '@larksuiteoapi/node-sdk';
import type { Logger } from '../../util/logger.js';

const REDACTED = '[redacted]';

/** Patterns that carry credentials whatever the SDK put around them (auth headers, one-time connect tickets). */
const CREDENTIAL_PATTERNS: RegExp[] = [/Bearer\s+[^\s"',]+/gi, /([?&]ticket=)[^&\s"',]+/gi, /("?app_secret"?\s*[:=]\s*"?)[^\s"',}]+/gi];

/** Replaces every known secret and every credential-shaped substring. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join(REDACTED);
  for (const pattern of CREDENTIAL_PATTERNS) {
    out = out.replace(pattern, (_whole: string, prefix?: string) => `${typeof prefix === 'string' ? prefix : ''}${REDACTED}`);
  }
  return out;
}

/**
 * What may be said about one SDK log argument. Objects are never serialised whole: the SDK logs axios errors whose
 * config holds the Authorization header, the app secret (token requests) and message bodies (which may carry a
 * secret view), so only the message, HTTP status and Feishu's code/msg survive.
 */
function describe(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map(describe).filter(Boolean).join(' ');
  if (typeof value === 'object') {
    const v = value as { message?: unknown; code?: unknown; msg?: unknown; response?: { status?: unknown; data?: { code?: unknown; msg?: unknown } } };
    const parts: string[] = [];
    if (typeof v.message === 'string') parts.push(v.message);
    if (v.response && typeof v.response === 'object') {
      if (typeof v.response.status === 'number') parts.push(`HTTP ${v.response.status}`);
      const data = v.response.data;
      if (data && typeof data === 'object') {
        if (typeof data.code === 'number') parts.push(`code ${data.code}`);
        if (typeof data.msg === 'string') parts.push(data.msg);
      }
    }
    if (typeof v.code === 'number' || typeof v.code === 'string') parts.push(`code ${String(v.code)}`);
    if (typeof v.msg === 'string') parts.push(v.msg);
    return parts.join(', ');
  }
  return '';
}

/**
 * The SDK's `logger` option: LoggerProxy hands each call its arguments as one array. `secrets` is read on every line
 * because tenant tokens change while the process runs.
 */
export function sdkLogger(logger: Logger, secrets: () => readonly string[]): SdkLogger {
  const line = (args: unknown[]): string => redact(describe(args), secrets());
  return {
    error: (...args: unknown[]) => logger.error({ component: 'feishu-sdk' }, line(args)),
    warn: (...args: unknown[]) => logger.warn({ component: 'feishu-sdk' }, line(args)),
    info: (...args: unknown[]) => logger.info({ component: 'feishu-sdk' }, line(args)),
    // The SDK's debug and trace lines include whole events (chat text): never forwarded.
    debug: () => undefined,
    trace: () => undefined,
  };
}
