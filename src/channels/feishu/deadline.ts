// Waits for work up to a deadline without abandoning it to an unhandled rejection or leaving a timer behind.

export type Settled<T> = { kind: 'ok'; value: T } | { kind: 'error'; error: unknown } | { kind: 'late' };

/**
 * Settles with the work's outcome, or `late` after `ms`. The work keeps running when late; its eventual rejection is
 * already observed here, so it can never become an unhandled rejection.
 */
export async function within<T>(work: Promise<T>, ms: number): Promise<Settled<T>> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Settled<T>>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'late' }), ms);
  });
  const settled = work.then(
    (value): Settled<T> => ({ kind: 'ok', value }),
    (error: unknown): Settled<T> => ({ kind: 'error', error }),
  );
  try {
    return await Promise.race([settled, late]);
  } finally {
    clearTimeout(timer);
  }
}
