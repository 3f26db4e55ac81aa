// DingTalk OpenAPI over HTTP: the app access token (cached, refetched on auth errors) and JSON calls mapped to DeliveryError.
import { DeliveryError } from '../chat-channel.js';
import { PLATFORM_MAX_MESSAGE_BYTES, ROBOT_LIMIT_RETRY_MS, SESSION_ERRCODE, isRateLimitCode, parseRetryAfter } from './rate-limits.js';

export interface OpenApiClientOptions {
  /** https://api.dingtalk.com in production; the emulator's URL in tests. */
  apiUrl: string;
  clientId: string;
  clientSecret: string;
  /** Per request, body included: DingTalk answers in well under a second, and a stuck socket must not hold the outbox. */
  timeoutMs?: number;
}

export interface CallOptions {
  /** Names the operation in error messages ("group send"). */
  what: string;
  /** Wait suggested after a rate-limit answer without Retry-After: the robot limit is per minute, card limits per second. */
  rateLimitRetryMs: number;
}

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

interface CachedToken {
  token: string;
  /** When to stop using it: shortly before DingTalk's expiry, so a call never races the expiry. */
  refreshAt: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

export class OpenApiClient {
  private readonly apiUrl: string;
  private readonly timeoutMs: number;
  private cached: CachedToken | undefined;
  /** One token request at a time: concurrent sends share it instead of each minting a token. */
  private pending: Promise<string> | undefined;

  constructor(private readonly options: OpenApiClientOptions) {
    this.apiUrl = options.apiUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** Calls a v1.0 API with the access token; an auth error drops the token and retries once with a fresh one. */
  async call(method: 'POST' | 'PUT', path: string, body: unknown, options: CallOptions): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      const token = await this.accessToken();
      const answer = await this.fetchJson(`${this.apiUrl}${path}`, method, body, { 'x-acs-dingtalk-access-token': token }, options.what);
      if (answer.status >= 200 && answer.status < 300) return answer.body;
      const { code, message } = errorOf(answer.body);
      if (isAuthError(answer.status, code)) {
        this.dropToken(token);
        // A token revoked or rotated away is fixed by a new one; twice in a row means the app itself lacks the right.
        if (attempt === 1) continue;
        throw new DeliveryError(`DingTalk ${options.what} refused a fresh access token: ${describe(answer.status, code, message)}`, false);
      }
      throw failure(answer, options);
    }
  }

  /**
   * POSTs to a conversation's sessionWebhook (legacy robot API: HTTP 200 with errcode, no token needed, the URL is
   * the credential). Resolves 'session-invalid' when DingTalk no longer knows the session, so the caller can fall back.
   */
  async postSessionWebhook(url: string, body: unknown): Promise<'sent' | 'session-invalid'> {
    const answer = await this.fetchJson(url, 'POST', body, {}, 'sessionWebhook reply');
    if (answer.status < 200 || answer.status >= 300) {
      throw failure(answer, { what: 'sessionWebhook reply', rateLimitRetryMs: ROBOT_LIMIT_RETRY_MS });
    }
    const { errcode, errmsg } = (answer.body ?? {}) as { errcode?: unknown; errmsg?: unknown };
    const code = typeof errcode === 'number' ? errcode : Number(errcode ?? 0);
    const message = typeof errmsg === 'string' ? errmsg : '';
    if (code === SESSION_ERRCODE.ok) return 'sent';
    if (code === SESSION_ERRCODE.sessionInvalid) return 'session-invalid';
    if (code === SESSION_ERRCODE.tooFast) {
      throw new DeliveryError(`DingTalk sessionWebhook reply rate limited: ${code} ${message}`, true, ROBOT_LIMIT_RETRY_MS, true);
    }
    if (code === SESSION_ERRCODE.tooLong) {
      throw new DeliveryError(`DingTalk rejected the message as too large (over ${PLATFORM_MAX_MESSAGE_BYTES} bytes): ${code} ${message}`, false);
    }
    throw new DeliveryError(`DingTalk sessionWebhook reply failed: ${code} ${message}`, false);
  }

  /** The cached app access token, fetched when missing or about to expire. */
  async accessToken(): Promise<string> {
    if (this.cached && Date.now() < this.cached.refreshAt) return this.cached.token;
    this.pending ??= this.fetchToken().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private dropToken(token: string): void {
    if (this.cached?.token === token) this.cached = undefined;
  }

  private async fetchToken(): Promise<string> {
    const answer = await this.fetchJson(
      `${this.apiUrl}/v1.0/oauth2/accessToken`,
      'POST',
      { appKey: this.options.clientId, appSecret: this.options.clientSecret },
      {},
      'access token request',
    );
    const body = (answer.body ?? {}) as { accessToken?: unknown; expireIn?: unknown };
    if (answer.status >= 200 && answer.status < 300 && typeof body.accessToken === 'string' && body.accessToken) {
      const ttlMs = (typeof body.expireIn === 'number' && body.expireIn > 0 ? body.expireIn : 7200) * 1000;
      // Refresh five minutes early (or halfway through a short lifetime): clocks and in-flight calls need the slack.
      this.cached = { token: body.accessToken, refreshAt: Date.now() + ttlMs - Math.min(300_000, ttlMs / 2) };
      return body.accessToken;
    }
    const { code, message } = errorOf(answer.body);
    if (answer.status >= 400 && answer.status < 500 && !isRateLimitCode(code) && answer.status !== 429) {
      // Wrong client id or secret: retrying cannot help until someone fixes the configuration.
      throw new DeliveryError(`DingTalk refused the app credentials: ${describe(answer.status, code, message)}`, false);
    }
    throw failure(answer, { what: 'access token request', rateLimitRetryMs: 1_000 });
  }

  private async fetchJson(url: string, method: string, body: unknown, headers: Record<string, string>, what: string): Promise<Answer> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    try {
      const res = await fetch(url, {
        method,
        headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
        body: JSON.stringify(body),
        signal: controller.signal,
      });
      const text = await res.text();
      let parsed: unknown = undefined;
      try {
        parsed = text ? (JSON.parse(text) as unknown) : undefined;
      } catch {
        parsed = { message: text.slice(0, 200) };
      }
      return { status: res.status, headers: res.headers, body: parsed };
    } catch (err) {
      // Network errors and timeouts: the message may never have arrived, so the outbox may try again.
      const reason = controller.signal.aborted ? `no answer within ${this.timeoutMs} ms` : networkReason(err);
      throw new DeliveryError(`DingTalk ${what} failed: ${reason}`, true);
    } finally {
      clearTimeout(timer);
    }
  }
}

function errorOf(body: unknown): { code: string | undefined; message: string } {
  const b = (body ?? {}) as { code?: unknown; message?: unknown; errcode?: unknown; errmsg?: unknown };
  const code = b.code ?? b.errcode;
  const message = b.message ?? b.errmsg;
  return {
    code: code === undefined || code === null ? undefined : String(code),
    message: typeof message === 'string' ? message.slice(0, 300) : '',
  };
}

function isAuthError(status: number, code: string | undefined): boolean {
  return status === 401 || (code !== undefined && /invalidauthentication|invalidaccesstoken|accesstoken(is)?(invalid|expired)/i.test(code));
}

function describe(status: number, code: string | undefined, message: string): string {
  return [`HTTP ${status}`, code, message].filter(Boolean).join(' ');
}

/** Maps a non-2xx answer: rate limits and 5xx retry, other 4xx fail the item with DingTalk's own words. */
function failure(answer: Answer, options: CallOptions): DeliveryError {
  const { code, message } = errorOf(answer.body);
  const text = `DingTalk ${options.what} failed: ${describe(answer.status, code, message)}`;
  if (answer.status === 429 || isRateLimitCode(code)) {
    const retryAfterMs = parseRetryAfter(answer.headers.get('retry-after')) ?? options.rateLimitRetryMs;
    return new DeliveryError(text, true, retryAfterMs, true);
  }
  if (answer.status >= 500) return new DeliveryError(text, true);
  return new DeliveryError(text, false);
}

function networkReason(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as Error & { cause?: { code?: unknown; message?: unknown } }).cause;
    if (cause && typeof cause.code === 'string') return cause.code;
    if (cause && typeof cause.message === 'string') return cause.message;
    return err.message;
  }
  return String(err);
}
