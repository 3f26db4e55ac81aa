// The SDK's DWClient with its faults fenced off: configurable gateway, no retry loops of its own, a stop that stops.
import { DWClient } from 'dingtalk-stream';
import type { DWClientDownStream } from 'dingtalk-stream';
import type { Logger } from '../../util/logger.js';

export interface StreamClientOptions {
  clientId: string;
  clientSecret: string;
  gatewayUrl: string;
  /** Applies to the gateway request and to the websocket handshake separately. */
  connectTimeoutMs: number;
  keepAlive: boolean;
  logger: Logger;
}

/** The part of the SDK's ws socket this class touches (the SDK owns the socket; its type is private there). */
interface StreamSocket {
  readonly readyState: number;
  once(event: 'close', listener: (code: number) => void): unknown;
  close(code?: number): void;
  terminate(): void;
}

/** A live connection; `closed` resolves when its socket closes, for whatever reason. */
export interface StreamConnection {
  closed: Promise<{ code: number }>;
}

const OPEN = 1;
const CLOSED = 3;
/** After SYSTEM `disconnect` the gateway closes the socket itself; if it does not, we do, so the supervisor moves on. */
const DISCONNECT_GRACE_MS = 10_000;
/** A peer that never answers our close frame is cut off after this. */
const CLOSE_GRACE_MS = 1_000;

export class StreamClient extends DWClient {
  private stopped = false;
  private stopping: Promise<void> | undefined;
  private gatewayAbort: AbortController | undefined;
  private disconnectTimer: NodeJS.Timeout | undefined;
  private readonly gatewayUrl: string;
  private readonly connectTimeoutMs: number;
  private readonly logger: Logger;

  constructor(options: StreamClientOptions) {
    // `subscriptions` and `autoReconnect` are missing from the constructor's type but spread into the config at runtime.
    super({
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      ua: 'open-cluster-claw',
      keepAlive: options.keepAlive,
      debug: false,
      // SDK fault: the default subscriptions array is module-level, shared by every client in the process, and
      // registerCallbackListener pushes into it; a fresh array keeps this client's topics its own.
      subscriptions: [],
      // SDK fault: its fixed 1 s retry runs two loops per refused handshake (reconnect storm) and survives
      // disconnect(); StreamSupervisor is the only thing that reconnects.
      autoReconnect: false,
    } as ConstructorParameters<typeof DWClient>[0]);
    this.gatewayUrl = options.gatewayUrl;
    this.connectTimeoutMs = options.connectTimeoutMs;
    this.logger = options.logger;
  }

  /**
   * Registers a CALLBACK topic (before the first connect: subscriptions travel with the gateway request).
   * SDK fault: listeners run inside the socket's message handler, so a throw would crash the process; this one cannot.
   */
  listen(topic: string, listener: (frame: DWClientDownStream) => void): void {
    this.registerCallbackListener(topic, (frame: DWClientDownStream) => {
      try {
        listener(frame);
      } catch (err) {
        this.logger.error({ topic, err: errorText(err) }, 'DingTalk callback listener failed');
      }
    });
  }

  /** Gateway request, then the websocket; rejects on any failure or after the timeouts, leaving no socket behind. */
  async open(): Promise<StreamConnection> {
    if (this.stopped) throw new Error('stream client stopped');
    await this.getEndpoint();
    if (this.stopped) throw new Error('stream client stopped');
    const connecting = this._connect();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no websocket within ${this.connectTimeoutMs} ms`)), this.connectTimeoutMs);
    });
    try {
      await Promise.race([connecting, timeout]);
    } catch (err) {
      // The handshake may still settle later; nobody waits for it any more.
      connecting.catch(() => undefined);
      this.liveSocket()?.terminate();
      throw err;
    } finally {
      clearTimeout(timer);
    }
    const socket = this.liveSocket();
    if (this.stopped || !socket || socket.readyState !== OPEN) {
      socket?.terminate();
      throw new Error(this.stopped ? 'stream client stopped' : 'websocket closed while opening');
    }
    const closed = new Promise<{ code: number }>((resolve) => {
      socket.once('close', (code: number) => {
        this.afterClose();
        resolve({ code });
      });
    });
    return { closed };
  }

  /** Open now: the SDK's flag (cleared by SYSTEM disconnect) and a socket that is really open. */
  isOpen(): boolean {
    return !this.stopped && this.connected && this.liveSocket()?.readyState === OPEN;
  }

  /** Stops for good: no connect after this; closes the socket and clears every timer the SDK or this class started. */
  stop(): Promise<void> {
    // Idempotent: a second caller waits for the same graceful close instead of cutting it short.
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    this.stopped = true;
    this.gatewayAbort?.abort();
    this.afterClose();
    // The SDK's own close handler reads this; with autoReconnect off it is belt and braces.
    Reflect.set(this, 'userDisconnect', true);
    const socket = this.liveSocket();
    if (!socket || socket.readyState === CLOSED) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        socket.terminate();
        resolve();
      }, CLOSE_GRACE_MS);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      if (socket.readyState === OPEN) socket.close(1000);
      else socket.terminate();
    });
  }

  /** The SDK's disconnect() logs to the console and leaves a pending reconnect alive (SDK fault); this is stop(). */
  override disconnect(): void {
    this.stop().catch((err: unknown) => this.logger.warn({ err: errorText(err) }, 'DingTalk stream stop failed'));
  }

  /** SDK callers (its own connect()) go through the stopped check too. */
  override async connect(): Promise<void> {
    if (this.stopped) return;
    await super.connect();
  }

  override _connect(): Promise<void> {
    if (this.stopped) return Promise.reject(new Error('stream client stopped'));
    return super._connect();
  }

  /**
   * The SDK posts to a hard-coded URL; this posts the same body to `gatewayUrl`, with a timeout the SDK lacks and an
   * abort on stop(), and sets the private `dw_url` that _connect() reads.
   */
  override async getEndpoint(): Promise<this> {
    if (this.stopped) throw new Error('stream client stopped');
    const controller = new AbortController();
    this.gatewayAbort = controller;
    const timer = setTimeout(() => controller.abort(), this.connectTimeoutMs);
    try {
      const res = await fetch(this.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({
          clientId: this.config.clientId,
          clientSecret: this.config.clientSecret,
          ua: this.config.ua,
          subscriptions: this.config.subscriptions,
        }),
        signal: controller.signal,
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`gateway answered HTTP ${res.status}${gatewayCode(text)}`);
      const data = JSON.parse(text) as { endpoint?: unknown; ticket?: unknown } | null;
      if (!data || typeof data.endpoint !== 'string' || typeof data.ticket !== 'string' || !data.endpoint || !data.ticket) {
        throw new Error('gateway answered without endpoint or ticket');
      }
      // The ticket is a one-time credential: it goes into the private URL and nowhere else (never a log line).
      Reflect.set(this, 'dw_url', `${data.endpoint}?ticket=${encodeURIComponent(data.ticket)}`);
      return this;
    } catch (err) {
      if (this.stopped) throw new Error('stream client stopped');
      if (controller.signal.aborted) throw new Error(`gateway did not answer within ${this.connectTimeoutMs} ms`);
      throw err instanceof Error ? err : new Error(String(err));
    } finally {
      clearTimeout(timer);
      if (this.gatewayAbort === controller) this.gatewayAbort = undefined;
    }
  }

  /** SDK fault: a frame that is not JSON throws from JSON.parse inside the socket handler and crashes the process. */
  override onDownStream(data: string): void {
    try {
      super.onDownStream(data);
    } catch (err) {
      this.logger.warn({ bytes: String(data).length, err: errorText(err) }, 'dropped an unreadable DingTalk stream frame');
    }
  }

  override onSystem(downstream: DWClientDownStream): void {
    super.onSystem(downstream);
    if (downstream.headers.topic === 'disconnect' && !this.disconnectTimer) {
      this.logger.info({}, 'DingTalk gateway asked to reconnect');
      this.disconnectTimer = setTimeout(() => {
        this.disconnectTimer = undefined;
        this.liveSocket()?.terminate();
      }, DISCONNECT_GRACE_MS);
    }
  }

  /**
   * The SDK's debug output includes its whole config (the client secret) and the websocket URL (the ticket), and goes
   * straight to the console: it is never printed.
   */
  override printDebug(_msg: object | string): void {}

  /** The SDK's current socket (private there; replaced on every _connect()). */
  private liveSocket(): StreamSocket | undefined {
    return Reflect.get(this, 'socket') as unknown as StreamSocket | undefined;
  }

  /** SDK fault: its keepAlive interval is cleared only by disconnect(), so each reconnect would leak one. */
  private afterClose(): void {
    const heartbeat = Reflect.get(this, 'heartbeatIntervallId') as NodeJS.Timeout | undefined;
    if (heartbeat !== undefined) {
      clearInterval(heartbeat);
      Reflect.set(this, 'heartbeatIntervallId', undefined);
    }
    clearTimeout(this.disconnectTimer);
    this.disconnectTimer = undefined;
  }
}

/** DingTalk's error code from a gateway answer, without the rest of the body. */
function gatewayCode(text: string): string {
  try {
    const code = (JSON.parse(text) as { code?: unknown }).code;
    return typeof code === 'string' ? ` ${code}` : '';
  } catch {
    return '';
  }
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
