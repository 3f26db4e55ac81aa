// Options of the Feishu channel, their defaults, and the checks that must fail at start-up rather than at first use.
import { ClawError } from '../../errors/claw-error.js';
import type { Logger } from '../../util/logger.js';

export interface FeishuChannelOptions {
  /** `cli_` + 16 hex digits: WSClient.start() only logs a bad one and never connects, so it is checked here. */
  appId: string;
  appSecret: string;
  /** Base URL of the open platform: https://open.feishu.cn, https://open.larksuite.com, or an emulator. */
  domain: string;
  /** How events arrive. Default `websocket` (long connection): no public URL needed. */
  mode?: 'websocket' | 'webhook';
  /** Webhook mode: decrypts bodies and checks X-Lark-Signature. Required there. */
  encryptKey?: string;
  /** Webhook mode: compared with the token in every request (the SDK never checks it). Required there. */
  verificationToken?: string;
  logger: Logger;
  /** Webhook requests stamped further than this from now are refused as replays. Default 5 min: Feishu retries are new requests. */
  replayWindowMs?: number;
  /** Restart backoff after the SDK gives up on the long connection. Default 1 s doubling to 2 min (the SDK's own retry interval). */
  reconnect?: { initialMs: number; maxMs: number };
  /** Per-request OpenAPI timeout. Default 10 s: the SDK sets none, and a hung send would hold its outbox slot forever. */
  requestTimeoutMs?: number;
  /** Longest wait for a sender's name or the bot's identity before an event goes on without them. Default 500 ms of Feishu's 3 s. */
  lookupBudgetMs?: number;
  /** Longest wait for a handler before the event is acked anyway. Default 2 s, leaving margin in Feishu's 3 s deadline. */
  handlerBudgetMs?: number;
  /**
   * Seconds without an answer to a ping before the socket counts as dead. Default 30: it must stay below the server's
   * PingInterval (Feishu: 120 s) because every ping re-arms the watchdog.
   */
  pingTimeoutSeconds?: number;
  /** WebSocket handshake timeout. Default 15 s: the SDK sets none and a stuck handshake would hang the connection. */
  handshakeTimeoutMs?: number;
}

export type ResolvedFeishuOptions = Required<Omit<FeishuChannelOptions, 'encryptKey' | 'verificationToken'>> &
  Pick<FeishuChannelOptions, 'encryptKey' | 'verificationToken'>;

export const APP_ID_PATTERN = /^cli_[0-9a-fA-F]{16}$/;

function invalid(setting: string, reason: string): ClawError {
  return new ClawError('CLAW_CONFIG_INVALID', { setting: `feishu.${setting}`, reason });
}

function positive(value: number | undefined, fallback: number, setting: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw invalid(setting, `${String(value)} is not a positive number`);
  return value;
}

export function resolveFeishuOptions(options: FeishuChannelOptions): ResolvedFeishuOptions {
  if (!APP_ID_PATTERN.test(options.appId)) throw invalid('appId', 'expected cli_ followed by 16 hex digits');
  if (!options.appSecret) throw invalid('appSecret', 'the app secret is required');
  let domain: URL;
  try {
    domain = new URL(options.domain);
  } catch {
    throw invalid('domain', 'expected an http(s) URL');
  }
  if (domain.protocol !== 'http:' && domain.protocol !== 'https:') throw invalid('domain', 'expected an http(s) URL');
  const mode = options.mode ?? 'websocket';
  if (mode === 'webhook') {
    // The SDK checks signatures only with an encrypt key and never the token: without both, anyone could post events.
    const missing = [...(options.encryptKey ? [] : ['encryptKey']), ...(options.verificationToken ? [] : ['verificationToken'])];
    if (missing.length) throw invalid(missing.join(' / feishu.'), 'webhook mode needs both encryptKey and verificationToken, to verify every request');
  }
  const initialMs = positive(options.reconnect?.initialMs, 1000, 'reconnect.initialMs');
  const maxMs = positive(options.reconnect?.maxMs, 120_000, 'reconnect.maxMs');
  if (maxMs < initialMs) throw invalid('reconnect.maxMs', 'must not be below reconnect.initialMs');
  return {
    appId: options.appId,
    appSecret: options.appSecret,
    domain: options.domain.replace(/\/+$/, ''),
    mode,
    encryptKey: options.encryptKey,
    verificationToken: options.verificationToken,
    logger: options.logger,
    replayWindowMs: positive(options.replayWindowMs, 5 * 60_000, 'replayWindowMs'),
    reconnect: { initialMs, maxMs },
    requestTimeoutMs: positive(options.requestTimeoutMs, 10_000, 'requestTimeoutMs'),
    lookupBudgetMs: positive(options.lookupBudgetMs, 500, 'lookupBudgetMs'),
    handlerBudgetMs: positive(options.handlerBudgetMs, 2000, 'handlerBudgetMs'),
    pingTimeoutSeconds: positive(options.pingTimeoutSeconds, 30, 'pingTimeoutSeconds'),
    handshakeTimeoutMs: positive(options.handshakeTimeoutMs, 15_000, 'handshakeTimeoutMs'),
  };
}
