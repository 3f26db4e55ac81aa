// Coalesces identical refused attempts (same channel, credential, text and error) into one audit row a window with a
// count, so a flood of bad logins or stranger messages costs one insert a window instead of one a request.
import type { AuditInput, AuditLog } from './audit-log.js';

/** How long identical refusals are gathered into one row; tests shorten it. */
export const repeatedRefusalTiming = { windowMs: 60_000 };

/** Kinds of refusal tracked at once; past this each refusal gets its own row, so varying the text cannot grow memory. */
const MAX_TRACKED = 10_000;

interface Gathering {
  input: AuditInput;
  /** Identical refusals since the last row. */
  repeats: number;
  timer: NodeJS.Timeout;
}

export class RepeatedRefusals {
  private readonly gathering = new Map<string, Gathering>();

  constructor(
    private readonly audit: Pick<AuditLog, 'append'>,
    /** A count that cannot be written is logged: the refusal itself was already answered. */
    private readonly onError: (error: unknown) => void,
  ) {}

  /**
   * The first refusal of its kind is appended at once, so a single attempt is in the trail as soon as it is answered;
   * identical ones in the window after it are only counted, and written as one row with the count when it closes.
   */
  async record(input: AuditInput): Promise<void> {
    const key = JSON.stringify([input.channel, input.identity, input.text, input.errorCode]);
    const seen = this.gathering.get(key);
    if (seen) {
      seen.repeats++;
      return;
    }
    if (this.gathering.size < MAX_TRACKED) this.gathering.set(key, { input, repeats: 0, timer: this.arm(key) });
    await this.audit.append(input);
  }

  /** Writes the counts gathered so far and forgets every window (at shutdown, so no refusal goes unrecorded). */
  async flush(): Promise<void> {
    const open = [...this.gathering.values()];
    this.gathering.clear();
    for (const g of open) clearTimeout(g.timer);
    await Promise.all(open.filter((g) => g.repeats > 0).map((g) => this.audit.append({ ...g.input, attempts: g.repeats })));
  }

  private arm(key: string): NodeJS.Timeout {
    // Unref'd: a window still open must not keep a finished process alive (close() flushes it).
    return setTimeout(() => void this.closeWindow(key), repeatedRefusalTiming.windowMs).unref();
  }

  /** A window with repeats writes their count and opens the next one; a quiet window ends the gathering. */
  private async closeWindow(key: string): Promise<void> {
    const g = this.gathering.get(key);
    if (!g) return;
    if (g.repeats === 0) {
      this.gathering.delete(key);
      return;
    }
    const attempts = g.repeats;
    g.repeats = 0;
    g.timer = this.arm(key);
    try {
      await this.audit.append({ ...g.input, attempts });
    } catch (error) {
      this.onError(error);
    }
  }
}
