// The one loop that connects the DingTalk stream and reconnects it: one attempt at a time, capped exponential backoff.
import type { Logger } from '../../util/logger.js';
import { errorText } from './stream-client.js';
import type { StreamConnection } from './stream-client.js';
import { sleep } from '../../util/sleep.js';

/** What the supervisor drives: StreamClient, or a fake in unit tests. */
export interface StreamConnector {
  open(): Promise<StreamConnection>;
  stop(): Promise<void>;
}

export interface StreamSupervisorOptions {
  connector: StreamConnector;
  logger: Logger;
  initialMs: number;
  maxMs: number;
  /** A connection that lived this long resets the backoff; a shorter one counts as another failure (flapping). */
  stableAfterMs: number;
  /** Injected in tests; Math.random otherwise. */
  random?: () => number;
}

export interface SupervisorState {
  connected: boolean;
  detail: string;
  /** When `connected` last changed. */
  since: Date;
}

export class StreamSupervisor {
  private current: SupervisorState = { connected: false, detail: 'not started', since: new Date() };
  private done: Promise<void> | undefined;

  constructor(private readonly options: StreamSupervisorOptions) {}

  get state(): SupervisorState {
    return this.current;
  }

  /**
   * Starts the loop and resolves once the first attempt settled, connected or not: a wrong secret must not hang the
   * start-up, and the loop keeps trying. Runs until `signal` aborts.
   */
  start(signal: AbortSignal): Promise<void> {
    if (this.done) throw new Error('StreamSupervisor already started');
    let firstSettled!: () => void;
    const first = new Promise<void>((resolve) => {
      firstSettled = resolve;
    });
    this.done = this.loop(signal, firstSettled)
      .catch((err: unknown) => this.options.logger.error({ err: errorText(err) }, 'DingTalk stream supervisor failed'))
      .finally(firstSettled);
    return first;
  }

  /** Resolves when the loop has ended after the abort: socket closed, no timer left. */
  stopped(): Promise<void> {
    return this.done ?? Promise.resolve();
  }

  /** Delay before retry number `streak` (1-based): doubling from initialMs, capped, with the upper half jittered. */
  delayFor(streak: number): number {
    const { initialMs, maxMs } = this.options;
    const base = Math.min(maxMs, initialMs * 2 ** Math.max(0, streak - 1));
    // Equal jitter: replicas restarted together spread out, yet every delay is at least half its step, so they grow.
    return Math.round(base / 2 + (this.options.random ?? Math.random)() * (base / 2));
  }

  private async loop(signal: AbortSignal, firstSettled: () => void): Promise<void> {
    const { connector, logger, stableAfterMs } = this.options;
    let aborted!: () => void;
    // Ends the wait on a live connection even if its socket never reports the close.
    const abortedWhileOpen = new Promise<{ code: number }>((resolve) => {
      aborted = () => resolve({ code: 1000 });
    });
    // Stopping the connector ends a pending gateway request, a handshake or a live socket, whichever is under way.
    const onAbort = (): void => {
      aborted();
      connector.stop().catch((err: unknown) => logger.warn({ err: errorText(err) }, 'DingTalk stream stop failed'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    let streak = 0;
    try {
      while (!signal.aborted) {
        let reason: string;
        try {
          this.set(false, streak ? `connecting (retry ${streak})` : 'connecting');
          const connection = await connector.open();
          const openedAt = Date.now();
          this.set(true, 'connected');
          logger.info({ retries: streak }, 'DingTalk stream connected');
          firstSettled();
          const { code } = await Promise.race([connection.closed, abortedWhileOpen]);
          if (signal.aborted) break;
          const livedMs = Date.now() - openedAt;
          if (livedMs >= stableAfterMs) streak = 0;
          reason = `connection closed (code ${code}) after ${livedMs} ms`;
        } catch (err) {
          firstSettled();
          if (signal.aborted) break;
          reason = errorText(err);
        }
        streak++;
        const delayMs = this.delayFor(streak);
        this.set(false, `${reason}; retrying in ${delayMs} ms`);
        logger.warn({ reason, retry: streak, delayMs }, 'DingTalk stream disconnected; reconnecting');
        await sleep(delayMs, signal);
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      await connector.stop();
      this.set(false, 'stopped');
    }
  }

  private set(connected: boolean, detail: string): void {
    const since = connected === this.current.connected ? this.current.since : new Date();
    this.current = { connected, detail, since };
  }
}
