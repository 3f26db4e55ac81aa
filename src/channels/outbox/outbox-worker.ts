// Delivers the outbox: one message at a time per chat, in order, within each platform's per-chat and per-bot rate
// limits; retries with backoff (honouring Retry-After), where rate limits delay and never drop. Runs on the leader.
import { In, type DataSource } from 'typeorm';
import { OutboxMessageEntity, type OutboxMessage } from '../../store/entities/outbox-message.js';
import { RateLimiter } from '../../util/rate-limiter.js';
import { DeliveryError, type ChatAddress, type ChatChannel, type Delivery, type Platform, type RenderedMessage } from '../chat-channel.js';
import type { Outbox } from './outbox.js';
import type { Logger } from '../../util/logger.js';

export interface OutboxWorkerOptions {
  db: DataSource;
  outbox: Outbox;
  channels: ReadonlyMap<Platform, ChatChannel>;
  logger: Logger;
  /** A message that could not be delivered for good: audited and counted by the caller. */
  onFailed?: (message: OutboxMessage, error: string) => Promise<void>;
  onDelivered?: (message: OutboxMessage, ms: number) => void;
  /** A failure that will be retried (for metrics). */
  onRetry?: (message: OutboxMessage, rateLimited: boolean) => void;
  /** How often to look for due messages when nothing woke the worker. */
  pollMs?: number;
  /** Retryable failures (other than rate limits) stop being retried after this long. A day covers any real outage. */
  giveUpAfterMs?: number;
  /** Chats delivered to in parallel; one message at a time within each. */
  concurrency?: number;
  /**
   * Retry delay of failures other than rate limits: `initialMs` doubling per attempt up to `maxMs`. Default 1 s to
   * 5 min: a broken platform is not hammered, a blip costs little. Tests shorten it.
   */
  backoff?: { initialMs: number; maxMs: number };
  /** Least wait after a rate-limited answer that names a shorter wait or none. Default 1 s. Tests shorten it. */
  rateLimitedMinWaitMs?: number;
}

/** `initialMs` doubling per attempt, capped at `maxMs`. */
function backoffMs(attempts: number, backoff: { initialMs: number; maxMs: number } = { initialMs: 1000, maxMs: 300_000 }): number {
  return Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.max(0, attempts - 1));
}

export class OutboxWorker {
  private readonly chatLimits = new Map<Platform, RateLimiter>();
  private readonly botLimits = new Map<Platform, RateLimiter>();
  private wake: (() => void) | undefined;
  /** Something was enqueued while a pass ran: look again at once rather than after the poll interval. */
  private enqueued = false;

  constructor(private readonly o: OutboxWorkerOptions) {
    for (const [platform, channel] of o.channels) {
      this.chatLimits.set(platform, new RateLimiter(channel.limits.perChat.perSecond * 60, channel.limits.perChat.burst));
      if (channel.limits.perBot) this.botLimits.set(platform, new RateLimiter(channel.limits.perBot.perSecond * 60, channel.limits.perBot.burst));
    }
    o.outbox.onEnqueue = () => {
      this.enqueued = true;
      this.wake?.();
    };
  }

  start(signal: AbortSignal): void {
    void this.loop(signal);
  }

  private async loop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let nextDueMs = this.o.pollMs ?? 1000;
      this.enqueued = false;
      try {
        nextDueMs = Math.min(nextDueMs, await this.tick());
      } catch (error) {
        this.o.logger.error({ err: error }, 'outbox pass failed');
      }
      if (this.enqueued) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.max(10, nextDueMs));
        timer.unref();
        function done() {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          resolve();
        }
        this.wake = done;
        signal.addEventListener('abort', done, { once: true });
      });
      this.wake = undefined;
    }
  }

  /** Delivers the head message of every chat that is due and within limits; returns when to look again (ms). */
  async tick(): Promise<number> {
    const repo = this.o.db.getRepository(OutboxMessageEntity);
    // The oldest pending message of each chat, found per chat: a first page of all pending rows would hold nothing
    // but one busy chat's backlog, and every other chat would wait until it drained.
    const firsts = await repo
      .createQueryBuilder('m')
      .select('MIN(m.id)', 'head')
      .where('m.status = :status', { status: 'pending' })
      .groupBy('m.chatKey')
      .orderBy('head', 'ASC')
      .limit(2000)
      .getRawMany<{ head: number | string }>();
    const pending = firsts.length === 0 ? [] : await repo.find({ where: { id: In(firsts.map((f) => Number(f.head))), status: 'pending' }, order: { id: 'ASC' } });
    const now = Date.now();
    let nextDue = Number.POSITIVE_INFINITY;
    const due: OutboxMessage[] = [];
    // One row per chat: each is the lowest pending id of its chat.
    for (const head of pending) {
      const platform = head.platform as Platform;
      const wait = Math.max(head.nextAttemptAt.getTime() - now, this.chatLimits.get(platform)?.waitMs(head.chatKey) ?? 0, this.botLimits.get(platform)?.waitMs('bot') ?? 0);
      if (wait > 0) {
        nextDue = Math.min(nextDue, wait);
        continue;
      }
      // Take both tokens only when both are free, so one chat's backlog cannot starve the bot's budget half-way.
      this.chatLimits.get(platform)?.take(head.chatKey);
      this.botLimits.get(platform)?.take('bot');
      due.push(head);
    }
    const concurrency = this.o.concurrency ?? 8;
    for (let i = 0; i < due.length; i += concurrency) await Promise.all(due.slice(i, i + concurrency).map((row) => this.deliver(row)));
    if (due.length > 0) return 0;
    return Number.isFinite(nextDue) ? nextDue : (this.o.pollMs ?? 1000);
  }

  private async deliver(row: OutboxMessage): Promise<void> {
    const repo = this.o.db.getRepository(OutboxMessageEntity);
    const channel = this.o.channels.get(row.platform as Platform);
    if (!channel) {
      // The channel is off (credentials removed): keep the message, it goes out when the channel is back.
      await repo.update({ id: row.id }, { nextAttemptAt: new Date(Date.now() + 60_000), lastError: `channel ${row.platform} is not configured` });
      return;
    }
    let to: ChatAddress;
    let message: RenderedMessage;
    let replyTo: ReturnType<Outbox['replyContext']>;
    try {
      to = JSON.parse(row.address) as ChatAddress;
      message = this.o.outbox.open(row);
      replyTo = this.o.outbox.replyContext(row);
    } catch (error) {
      // Unreadable (corrupted, or sealed with another key): it never will be, and left pending it would block its chat.
      await this.fail(row, `the stored message cannot be read: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    let delivery: Delivery;
    if (row.kind === 'update') {
      const original = row.updateOf === null ? null : await repo.findOneBy({ id: row.updateOf });
      if (!original?.platformMessageId) {
        await this.fail(row, `the message to update (#${row.updateOf}) was never delivered`);
        return;
      }
      delivery = { kind: 'update', to, messageId: original.platformMessageId, message };
    } else {
      // Stable per row, and unique beyond this database: ids start again at 1 in a fresh database (a reinstall, a second
      // deployment with the same bot), and Feishu would answer a reused uuid with the old message for an hour.
      const idempotencyKey = `claw-outbox-${row.id}-${row.createdAt.getTime()}`;
      delivery = { kind: 'send', to, message, idempotencyKey, ...(replyTo ? { replyTo } : {}) };
    }
    const started = Date.now();
    try {
      const result = await channel.deliver(delivery);
      await repo.update({ id: row.id }, { status: 'sent', sentAt: new Date(), platformMessageId: result.messageId, attempts: row.attempts + 1, lastError: null });
      this.o.onDelivered?.(row, Date.now() - started);
    } catch (error) {
      const e = error instanceof DeliveryError ? error : new DeliveryError(error instanceof Error ? error.message : String(error), true);
      const tooOld = Date.now() - row.createdAt.getTime() > (this.o.giveUpAfterMs ?? 86_400_000);
      if (!e.retryable || (tooOld && !e.rateLimited)) {
        await this.fail(row, e.message);
        return;
      }
      // Rate limits never count as attempts: a 429 storm delays delivery, it never drops a message.
      const attempts = e.rateLimited ? row.attempts : row.attempts + 1;
      const delay = Math.max(e.retryAfterMs ?? 0, e.rateLimited ? (this.o.rateLimitedMinWaitMs ?? 1000) : backoffMs(attempts, this.o.backoff));
      await repo.update({ id: row.id }, { attempts, nextAttemptAt: new Date(Date.now() + delay), lastError: e.message.slice(0, 1000) });
      this.o.logger.warn({ outboxId: row.id, platform: row.platform, retryInMs: delay, rateLimited: e.rateLimited }, 'chat delivery failed; will retry');
      this.o.onRetry?.(row, e.rateLimited);
    }
  }

  private async fail(row: OutboxMessage, reason: string): Promise<void> {
    await this.o.db.getRepository(OutboxMessageEntity).update({ id: row.id }, { status: 'failed', lastError: reason.slice(0, 1000), attempts: row.attempts + 1 });
    this.o.logger.error({ outboxId: row.id, platform: row.platform, reason }, 'chat message could not be delivered');
    try {
      await this.o.onFailed?.(row, reason);
    } catch (error) {
      // The row is failed already; a broken hook (the audit write) must not stop the other chats' deliveries.
      this.o.logger.error({ err: error, outboxId: row.id }, 'recording a failed chat delivery failed');
    }
  }

}
