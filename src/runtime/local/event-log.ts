// events.jsonl: an instance's append-only event history (Started, Crashed, InstallFailed ...), repeats folded into a count.
import { appendFile, readFile, stat } from 'node:fs/promises';
import type { RuntimeEvent } from '../runtime.js';
import { writeFileAtomic } from './atomic-file.js';

export type EventReason =
  | 'Adopted'
  | 'Crashed'
  | 'Destroyed'
  | 'Exited'
  | 'Installed'
  | 'InstallFailed'
  | 'InstallStarted'
  | 'Killed'
  | 'Lost'
  | 'Ready'
  | 'Restarting'
  | 'StartFailed'
  | 'Started'
  | 'Stopped'
  | 'Stopping'
  | 'Unhealthy';

interface StoredEvent {
  at: string;
  type: RuntimeEvent['type'];
  reason: EventReason;
  message: string;
}

/** A crash loop appends a few lines a minute for days: past this size the file keeps only its newest lines. */
const COMPACT_BYTES = 512 * 1024;
const KEEP_LINES = 2000;

export class EventLog {
  /** Appends and compactions of one file happen in order. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly path: string,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Fire and forget for callers: an event that cannot be written is logged, never thrown into the supervisor. */
  record(type: RuntimeEvent['type'], reason: EventReason, message: string): void {
    const line = `${JSON.stringify({ at: new Date().toISOString(), type, reason, message } satisfies StoredEvent)}\n`;
    this.queue = this.queue.then(() => this.append(line)).catch(this.onError);
  }

  /** Resolves when everything recorded so far is on disk. */
  flush(): Promise<void> {
    return this.queue;
  }

  private async append(line: string): Promise<void> {
    try {
      await appendFile(this.path, line, { mode: 0o600 });
    } catch (error) {
      // The instance directory is gone (destroyed): nothing to record into.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    if ((await stat(this.path)).size > COMPACT_BYTES) {
      const lines = (await readFile(this.path, 'utf8')).split('\n').filter(Boolean);
      await writeFileAtomic(this.path, `${lines.slice(-KEEP_LINES).join('\n')}\n`, 0o600);
    }
  }

  /** Oldest first; consecutive repeats (same type, reason and message) become one event with a count and the latest time. */
  async read(): Promise<RuntimeEvent[]> {
    await this.queue;
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const events: RuntimeEvent[] = [];
    for (const line of text.split('\n')) {
      if (!line) continue;
      let stored: StoredEvent;
      try {
        stored = JSON.parse(line) as StoredEvent;
      } catch {
        continue;
      }
      const last = events.at(-1);
      if (last && last.type === stored.type && last.reason === stored.reason && last.message === stored.message) {
        last.count++;
        last.at = new Date(stored.at);
      } else {
        events.push({ at: new Date(stored.at), type: stored.type, reason: stored.reason, message: stored.message, count: 1 });
      }
    }
    return events;
  }
}
