// The bot's own open_id, learned once from the bot info API: an @mention counts only when it names this open_id.
import type { FeishuApi } from './feishu-api.js';
import type { Logger } from '../../util/logger.js';
import { within } from './deadline.js';

/** After a failed lookup, the next event may try again this much later (not every event: the API may be down). */
const RETRY_AFTER_MS = 30_000;

export class BotIdentity {
  private openId: string | undefined;
  private loading: Promise<void> | undefined;
  private failedAt = -Infinity;

  constructor(
    private readonly api: FeishuApi,
    private readonly logger: Logger,
  ) {}

  /** Starts the lookup unless it is known or under way; never rejects. */
  load(): Promise<void> {
    if (this.openId) return Promise.resolve();
    this.loading ??= this.api
      .botInfo()
      .then((bot) => {
        this.openId = bot.openId;
        this.logger.info({ botOpenId: bot.openId }, 'Feishu bot identity loaded');
      })
      .catch((error: unknown) => {
        this.failedAt = Date.now();
        this.logger.warn({ err: String(error) }, 'Feishu bot info lookup failed; group @mentions are not recognised until it succeeds');
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }

  /** The open_id if known within `ms` (a lookup under way is awaited that long); undefined otherwise. */
  async openIdWithin(ms: number): Promise<string | undefined> {
    if (this.openId) return this.openId;
    if (!this.loading && Date.now() - this.failedAt >= RETRY_AFTER_MS) void this.load();
    if (this.loading) await within(this.loading, ms);
    return this.openId;
  }
}
