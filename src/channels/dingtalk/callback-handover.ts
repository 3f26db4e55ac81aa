// Hands one stream CALLBACK to a handler under a time budget: the ack goes out when the handler answers or when the
// budget runs out, whichever is first, and a handler that throws, rejects or runs late never loses the ack.
import type { Logger } from '../../util/logger.js';
import { errorText } from './stream-client.js';

export interface HandOver<T> {
  /** Names the callback in log lines ("robot message", "card click"). */
  what: string;
  /** How long the ack may wait for the handler. */
  budgetMs: number;
  logger: Logger;
  run: () => Promise<T>;
  /** Sends the ack, exactly once: with the handler's value if it came within the budget, else with undefined. */
  ack: (value: T | undefined) => void;
  /** A value that came after the ack went out (the caller may still use it another way). */
  late?: (value: NonNullable<T>) => void;
}

export function handOver<T>(o: HandOver<T>): void {
  let acked = false;
  const ack = (value: T | undefined): void => {
    if (acked) return;
    acked = true;
    try {
      o.ack(value);
    } catch (err) {
      o.logger.warn({ what: o.what, err: errorText(err) }, 'DingTalk ack failed');
    }
  };
  const timer = setTimeout(() => {
    o.logger.warn({ what: o.what, budgetMs: o.budgetMs }, 'DingTalk handler still running at the ack deadline; acked');
    ack(undefined);
  }, o.budgetMs);
  // Promise.resolve().then turns a synchronous throw into a rejection like any other.
  Promise.resolve()
    .then(o.run)
    .then(
      (value) => {
        clearTimeout(timer);
        if (!acked) ack(value);
        else if (value !== undefined && value !== null) o.late?.(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        o.logger.error({ what: o.what, err: errorText(err) }, 'DingTalk event handler failed');
        ack(undefined);
      },
    )
    .catch((err: unknown) => o.logger.error({ what: o.what, err: errorText(err) }, 'DingTalk event hand-over failed'));
}
