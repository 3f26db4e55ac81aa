// Display names of senders, looked up once per person with the contact API and remembered; a failed lookup never blocks.
import type { FeishuApi } from './feishu-api.js';
import type { Logger } from '../../util/logger.js';
import { within } from './deadline.js';

/** Names change rarely; a day keeps renames visible without a lookup per message. */
const NAME_TTL_MS = 24 * 3600_000;
/** Without the contact permission every lookup fails: ask again only after a while. */
const MISS_TTL_MS = 10 * 60_000;
/** Bounded memory: the oldest entry goes first past this many people. */
const MAX_ENTRIES = 10_000;

interface Entry {
  name: string | undefined;
  expiresAt: number;
}

export class UserNames {
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new Map<string, Promise<void>>();
  private warned = false;

  constructor(
    private readonly api: FeishuApi,
    private readonly logger: Logger,
  ) {}

  /** The cached name, or the looked-up one if it arrives within `ms`; the lookup finishes in the background anyway. */
  async nameWithin(openId: string, ms: number): Promise<string | undefined> {
    if (!openId) return undefined;
    const cached = this.entries.get(openId);
    if (cached && cached.expiresAt > Date.now()) return cached.name;
    let lookup = this.pending.get(openId);
    if (!lookup) {
      lookup = this.lookup(openId).finally(() => this.pending.delete(openId));
      this.pending.set(openId, lookup);
    }
    await within(lookup, ms);
    return this.entries.get(openId)?.name;
  }

  private async lookup(openId: string): Promise<void> {
    try {
      this.remember(openId, await this.api.userName(openId), NAME_TTL_MS);
    } catch (error) {
      this.remember(openId, undefined, MISS_TTL_MS);
      // Once: without the contact permission this would fill the log on every new sender.
      if (!this.warned) {
        this.warned = true;
        this.logger.warn({ err: String(error) }, 'Feishu contact lookup failed; senders appear without names (grant contact:user.base:readonly to fix)');
      }
    }
  }

  private remember(openId: string, name: string | undefined, ttlMs: number): void {
    this.entries.delete(openId);
    if (this.entries.size >= MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(openId, { name, expiresAt: Date.now() + ttlMs });
  }
}
