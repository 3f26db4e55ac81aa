// The OpenAPI calls the channel makes, through the real SDK Client: every answer's code checked, a rejected token refetched once.
import { Client, LoggerLevel } from '@larksuiteoapi/node-sdk';
import type { HttpInstance, Logger as SdkLogger } from '@larksuiteoapi/node-sdk';
import { retryAfterMs } from './rate-limits.js';
import type { TokenCache } from './token-cache.js';
import type { Logger } from '../../util/logger.js';

/** Codes meaning "this tenant_access_token is missing, invalid or expired": drop it and fetch a new one. */
export const TOKEN_REJECTED_CODES = new Set([99991661, 99991663, 99991668]);

/** One failed OpenAPI call, reduced to what decides a retry; never holds the request (which may carry a secret view). */
export class FeishuApiError extends Error {
  constructor(
    readonly operation: string,
    readonly details: {
      /** HTTP status; 200 when Feishu answered with a non-zero code. Undefined for network errors and timeouts. */
      status?: number;
      code?: number;
      /** Feishu's own msg: safe to show, it names the problem and never a credential. */
      platformMessage?: string;
      retryAfterMs?: number;
      /** Node/axios error code for failures without an answer (ECONNREFUSED, ECONNABORTED, ...). */
      networkCode?: string;
      /** The token was refused again right after being refetched. */
      tokenRejectedTwice?: boolean;
    },
  ) {
    const d = details;
    const what = d.status !== undefined ? `HTTP ${d.status}${d.code !== undefined ? `, code ${d.code}` : ''}` : `network error ${d.networkCode ?? 'unknown'}`;
    super(`Feishu ${operation} failed: ${what}${d.platformMessage ? `: ${d.platformMessage}` : ''}`);
    this.name = 'FeishuApiError';
  }

  get tokenRejected(): boolean {
    return this.details.code !== undefined && TOKEN_REJECTED_CODES.has(this.details.code);
  }
}

interface Answer {
  code?: number;
  msg?: string;
}

/** Turns whatever the SDK threw (an AxiosError, or an Error from its token manager) into a FeishuApiError. */
export function toApiError(operation: string, error: unknown): FeishuApiError {
  if (error instanceof FeishuApiError) return error;
  const e = error as { code?: unknown; message?: unknown; response?: { status?: unknown; headers?: Record<string, unknown>; data?: unknown } };
  const response = e?.response;
  if (response && typeof response.status === 'number') {
    const data = (typeof response.data === 'object' && response.data !== null ? response.data : {}) as Answer;
    return new FeishuApiError(operation, {
      status: response.status,
      code: typeof data.code === 'number' ? data.code : undefined,
      platformMessage: typeof data.msg === 'string' ? data.msg : undefined,
      retryAfterMs: retryAfterMs(response.headers),
    });
  }
  const message = (typeof e?.message === 'string' ? e.message : String(error)).slice(0, 200);
  // No answer: axios and Node name the failure in `code` (ECONNREFUSED, ECONNRESET, ECONNABORTED for a timeout).
  if (typeof e?.code === 'string') return new FeishuApiError(operation, { networkCode: e.code, platformMessage: message });
  // The token manager throws a plain Error "failed to get tenant_access_token, code: N, msg: ..." on an HTTP 200 refusal.
  const code = /code[=: ]+(-?\d+)/i.exec(message)?.[1];
  if (code !== undefined) return new FeishuApiError(operation, { status: 200, code: Number(code), platformMessage: message });
  return new FeishuApiError(operation, { networkCode: 'unknown', platformMessage: message });
}

export interface FeishuApiOptions {
  appId: string;
  appSecret: string;
  domain: string;
  cache: TokenCache;
  httpInstance: HttpInstance;
  sdkLogger: SdkLogger;
  logger: Logger;
}

export class FeishuApi {
  readonly client: Client;

  constructor(private readonly options: FeishuApiOptions) {
    this.client = new Client({
      appId: options.appId,
      appSecret: options.appSecret,
      domain: options.domain,
      cache: options.cache,
      httpInstance: options.httpInstance,
      logger: options.sdkLogger,
      loggerLevel: LoggerLevel.warn,
    });
  }

  /**
   * Runs one call. An HTTP 200 with a non-zero code resolves in the SDK: it is an error here. A rejected token is
   * dropped from the cache and the call made once more (sends carry a uuid, so a repeat cannot post twice).
   */
  async call<T extends Answer>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return this.checked(operation, await run());
    } catch (error) {
      const first = toApiError(operation, error);
      if (!first.tokenRejected) throw first;
      this.options.cache.dropTenantToken();
      this.options.logger.warn({ operation, code: first.details.code }, 'Feishu refused the tenant token; fetching a new one');
      try {
        return this.checked(operation, await run());
      } catch (again) {
        const second = toApiError(operation, again);
        if (!second.tokenRejected) throw second;
        throw new FeishuApiError(operation, { ...second.details, tokenRejectedTwice: true });
      }
    }
  }

  private checked<T extends Answer>(operation: string, answer: T): T {
    if (answer && typeof answer.code === 'number' && answer.code !== 0) {
      throw new FeishuApiError(operation, { status: 200, code: answer.code, platformMessage: answer.msg });
    }
    return answer;
  }

  /** The bot's own open_id and name (GET /open-apis/bot/v3/info answers with `bot` at the top level). */
  async botInfo(): Promise<{ openId: string; name?: string }> {
    const answer = await this.call('bot.info', () =>
      this.client.request<Answer & { bot?: { open_id?: string; app_name?: string } }>({ method: 'GET', url: '/open-apis/bot/v3/info' }),
    );
    const openId = answer.bot?.open_id;
    if (!openId) throw new FeishuApiError('bot.info', { status: 200, code: answer.code, platformMessage: 'the answer holds no bot open_id' });
    return { openId, name: answer.bot?.app_name };
  }

  /** A user's display name by open_id (needs the contact permission; callers treat a failure as "no name"). */
  async userName(openId: string): Promise<string | undefined> {
    const answer = await this.call('contact.user.get', () =>
      this.client.contact.user.get({ path: { user_id: openId }, params: { user_id_type: 'open_id' } }),
    );
    return answer.data?.user?.name || undefined;
  }
}
