// Options of the DingTalk channel: credentials, endpoints, the card template and reconnect pacing.
import type { Logger } from '../../util/logger.js';

export interface DingTalkChannelOptions {
  /** The app key: identifies the app at the stream gateway and for the access token. */
  clientId: string;
  clientSecret: string;
  /** Stream gateway (https://api.dingtalk.com/v1.0/gateway/connections/open); configurable so tests and proxies work. */
  gatewayUrl: string;
  /** OpenAPI base (https://api.dingtalk.com). */
  apiUrl: string;
  /** The robot that sends; DingTalk's robotCode is the app's client id unless the app has several robots. */
  robotCode: string;
  /** An interactive card template with the variables of CardParamMap; without it, buttons become dtmd links. */
  cardTemplateId?: string;
  logger: Logger;
  /**
   * Reconnect backoff: starts at 1 s (a dropped connection comes back before anyone notices), doubles with jitter,
   * capped at 60 s (a gateway outage is not hammered, and recovery is noticed within a minute).
   */
  reconnect?: { initialMs?: number; maxMs?: number };
  /** Gateway request and websocket handshake, each: 10 s, since a healthy gateway answers in well under a second. */
  connectTimeoutMs?: number;
  /** A connection that lived this long resets the backoff; shorter ones count as flapping. 30 s by default. */
  stableAfterMs?: number;
  /** Websocket pings every 8 s that end a half-open connection (the SDK's keepAlive); on by default. */
  keepAlive?: boolean;
  /**
   * How long the ack of a robot message or card click waits for the handler: 1 s by default, at most 1.2 s (DingTalk
   * wants the ack within about 1.5 s). A click answer that comes later still updates the card, through the OpenAPI.
   */
  handlerBudgetMs?: number;
  /** OpenAPI request timeout: 10 s. */
  requestTimeoutMs?: number;
}
