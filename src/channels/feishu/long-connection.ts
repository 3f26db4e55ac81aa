// Supervises the SDK's WSClient: reports its state, and restarts it with capped backoff when the SDK gives up for good.
import { LoggerLevel, WSClient } from '@larksuiteoapi/node-sdk';
import type { EventDispatcher, HttpInstance, Logger as SdkLogger } from '@larksuiteoapi/node-sdk';
import type { ConnectionStatus } from './connection-status.js';
import type { Logger } from '../../util/logger.js';

export interface LongConnectionOptions {
  appId: string;
  appSecret: string;
  domain: string;
  dispatcher: EventDispatcher;
  httpInstance: HttpInstance;
  sdkLogger: SdkLogger;
  logger: Logger;
  status: ConnectionStatus;
  reconnect: { initialMs: number; maxMs: number };
  pingTimeoutSeconds: number;
  handshakeTimeoutMs: number;
}

/** `pullConnectConfig failed: code=1, msg=system busy` -> `handshake refused: code 1 (system busy)`. */
export function describeGiveUp(error: Error): string {
  const m = /code=(-?\d+)(?:,\s*msg=(.*))?/.exec(error.message);
  if (m) return `handshake refused: code ${m[1]}${m[2] ? ` (${m[2]})` : ''}`;
  return `long connection failed: ${error.message}`;
}

/**
 * The SDK retries dropped connections and refused upgrades by itself (at the server's ReconnectInterval), but an
 * endpoint answer with code 1, 514, 403 or most others makes it fire onError and stop for good. This restarts it then,
 * one client at a time: delays double from initialMs to maxMs (with up to 20 % jitter so replicas do not sync up) and
 * reset after a successful connect.
 */
export class LongConnection {
  private client: WSClient | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private stopped = false;

  constructor(private readonly o: LongConnectionOptions) {}

  start(signal: AbortSignal): void {
    if (signal.aborted) return;
    signal.addEventListener('abort', () => this.stop(), { once: true });
    this.connect();
  }

  private connect(): void {
    if (this.stopped) return;
    const client: WSClient = new WSClient({
      appId: this.o.appId,
      appSecret: this.o.appSecret,
      domain: this.o.domain,
      httpInstance: this.o.httpInstance,
      logger: this.o.sdkLogger,
      loggerLevel: LoggerLevel.warn,
      handshakeTimeoutMs: this.o.handshakeTimeoutMs,
      wsConfig: { pingTimeout: this.o.pingTimeoutSeconds },
      onReady: () => this.up(client, 'connected'),
      onReconnected: () => this.up(client, 'reconnected'),
      onReconnecting: () => this.down(client, 'connection lost; reconnecting'),
      onError: (error: Error) => this.gaveUp(client, error),
    });
    this.client = client;
    this.o.status.set(false, this.failures === 0 ? 'connecting' : `${this.o.status.snapshot().detail}; retrying`);
    // start() resolves before the socket opens (onReady says when); it rejects only on a programming error.
    client.start({ eventDispatcher: this.o.dispatcher }).catch((error: unknown) => this.gaveUp(client, error instanceof Error ? error : new Error(String(error))));
  }

  private up(client: WSClient, how: string): void {
    if (client !== this.client || this.stopped) return;
    this.failures = 0;
    this.o.status.set(true, how);
    this.o.logger.info({ how }, 'Feishu long connection up');
  }

  private down(client: WSClient, detail: string): void {
    if (client !== this.client || this.stopped) return;
    this.o.status.set(false, detail);
    this.o.logger.warn({}, `Feishu long connection: ${detail}`);
  }

  private gaveUp(client: WSClient, error: Error): void {
    if (client !== this.client || this.stopped) return;
    const detail = describeGiveUp(error);
    // The SDK has stopped this client; closing it also clears its fragment-cache timer.
    client.close({ force: true });
    this.client = undefined;
    const base = Math.min(this.o.reconnect.maxMs, this.o.reconnect.initialMs * 2 ** Math.min(this.failures, 30));
    const delayMs = Math.min(this.o.reconnect.maxMs, Math.round(base * (1 + Math.random() * 0.2)));
    this.failures++;
    this.o.status.set(false, detail);
    this.o.logger.warn({ detail, delayMs, failures: this.failures }, 'the Feishu SDK gave up on the long connection; restarting it');
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.connect();
    }, delayMs);
  }

  private stop(): void {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    this.client?.close({ force: true });
    this.client = undefined;
    this.o.status.set(false, 'stopped');
  }
}
