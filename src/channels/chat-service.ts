// The chat side of the control plane: channels receive on every replica; the outbox, approval expiry and recovery of
// half-processed events run on the leader only. Also answers `claw channels` and /readyz about the channels.
import type { DataSource } from 'typeorm';
import type { ApprovalsEngine } from '../engines/approvals/approvals-engine.js';
import type { AuditLog } from '../engines/audit/audit-log.js';
import type { ChannelDirectory, ChannelReport, OutboxReport } from '../engines/channels/channel-directory.js';
import type { ChatIdentities } from '../engines/access/chat-identities.js';
import type { TenancyEngine } from '../engines/tenancy/tenancy-engine.js';
import type { Locale } from '../i18n/locale.js';
import type { Metrics } from '../observability/metrics.js';
import { channelGauge, outboxGauge } from '../observability/metrics.js';
import type { Dispatcher } from '../pipeline/dispatcher.js';
import type { Logger } from '../util/logger.js';
import type { HelpCatalog } from '../pipeline/help-catalog.js';
import type { IdentityResolver } from '../pipeline/identity.js';
import type { OutboxMessage } from '../store/entities/outbox-message.js';
import type { SecretBox } from '../store/secret-box.js';
import { sleep } from '../util/sleep.js';
import { ApprovalCards } from './approval-cards.js';
import { LinkNotices } from './link-notices.js';
import type { ChatChannel, Platform } from './chat-channel.js';
import { pruneChatHistory } from './chat-retention.js';
import { ChatReplies } from './chat-replies.js';
import { InboundProcessor } from './inbound-processor.js';
import type { Outbox } from './outbox/outbox.js';
import { OutboxWorker } from './outbox/outbox-worker.js';

/** Approvals past their time are closed (and their cards updated) within this. */
const EXPIRY_SWEEP_MS = 15_000;
/** A replica that stored an event and died before running it: the leader runs it after this. */
const RESUME_SWEEP_MS = 15_000;
/** Retention is counted in days, so pruning hourly is enough (and spares the tables a scan every 15 s). */
const PRUNE_SWEEP_MS = 3_600_000;

/** Reports channel state to commands; exists before the dispatcher (which commands run through). */
export class ChannelHealth implements ChannelDirectory {
  constructor(
    private readonly channelMap: ReadonlyMap<Platform, ChatChannel>,
    private readonly box: Outbox,
  ) {}

  channels(): ChannelReport[] {
    return [...this.channelMap.values()].map((c) => c.status());
  }

  outbox(): Promise<OutboxReport> {
    return this.box.backlog();
  }
}

export interface ChatServiceOptions {
  db: DataSource;
  secrets: SecretBox;
  channels: ReadonlyMap<Platform, ChatChannel>;
  outbox: Outbox;
  dispatcher: Dispatcher;
  identity: IdentityResolver;
  chatIdentities: ChatIdentities;
  tenancy: TenancyEngine;
  approvals: ApprovalsEngine;
  audit: AuditLog;
  help: HelpCatalog;
  metrics: Metrics;
  logger: Logger;
  locale: Locale;
  requireMention: boolean;
  /** Shutdown: commands from chat stop waiting, and drain() then waits for them to answer. */
  signal: AbortSignal;
}

/** Shutdown waits this long for chat commands in flight to answer; what is left is not lost (see InboundProcessor). */
const DRAIN_MS = 10_000;

export class ChatService {
  readonly replies: ChatReplies;
  readonly inbound: InboundProcessor;
  private readonly worker: OutboxWorker;

  constructor(private readonly o: ChatServiceOptions) {
    this.replies = new ChatReplies(o.outbox, o.channels);
    this.inbound = new InboundProcessor({
      db: o.db, secrets: o.secrets, dispatcher: o.dispatcher, identity: o.identity, chatIdentities: o.chatIdentities, tenancy: o.tenancy,
      channels: o.channels, replies: this.replies, requireMention: o.requireMention, locale: o.locale, logger: o.logger, signal: o.signal,
      onEvent: (platform, kind, outcome) => o.metrics.inboundEvents.inc({ platform, kind, outcome }),
      onStored: (platform, ms) => o.metrics.inboundAck.observe({ platform }, ms / 1000),
    });
    this.worker = new OutboxWorker({
      db: o.db, outbox: o.outbox, channels: o.channels, logger: o.logger,
      onDelivered: (row, ms) => {
        o.metrics.outboxDeliveries.inc({ platform: row.platform, outcome: 'sent' });
        o.metrics.outboxDeliveryDuration.observe({ platform: row.platform }, ms / 1000);
      },
      onRetry: (row, rateLimited) => o.metrics.outboxDeliveries.inc({ platform: row.platform, outcome: rateLimited ? 'rate_limited' : 'retry' }),
      onFailed: (row, reason) => this.deliveryFailed(row, reason),
    });
    o.approvals.notifier = new ApprovalCards({
      replies: this.replies, outbox: o.outbox, channels: o.channels, locale: o.locale,
      summaryOf: (command) => o.help.summaryOf(command),
      approvalChat: async (tenantId) => (tenantId ? ((await o.tenancy.getTenantById(tenantId))?.approvalPolicy?.approvalChat ?? null) : null),
    });
    o.chatIdentities.notifier = new LinkNotices({
      replies: this.replies, channels: o.channels, locale: o.locale,
      memberName: async (id) => (await o.tenancy.getMemberById(id))?.name ?? null,
    });
    outboxGauge(o.metrics, () => o.outbox.backlog());
    channelGauge(o.metrics, () => [...o.channels.values()].map((c) => c.status()));
  }

  /** Starts receiving on every configured channel (every replica receives; the database dedupes). */
  async start(signal: AbortSignal): Promise<void> {
    for (const channel of this.o.channels.values()) {
      try {
        await channel.start(this.inbound, signal);
      } catch (error) {
        // One platform's trouble must not keep the other, or the API, from starting; status() shows it.
        this.o.logger.error({ err: error, channel: channel.platform }, 'chat channel failed to start');
      }
    }
  }

  /** Leader-only work for one leadership term. */
  lead(signal: AbortSignal): void {
    this.worker.start(signal);
    void this.every(EXPIRY_SWEEP_MS, signal, 'approval expiry', () => this.o.approvals.expireDue());
    void this.every(RESUME_SWEEP_MS, signal, 'inbound recovery', () => this.inbound.resume());
    void this.every(PRUNE_SWEEP_MS, signal, 'pruning', () => pruneChatHistory(this.o.db));
  }

  /** Waits (a while) for chat commands in flight, after the signal aborted; call before closing the database. */
  async drain(): Promise<void> {
    await this.inbound.drain(DRAIN_MS);
  }

  webhook(platform: Platform): ChatChannel['handleWebhook'] {
    return this.o.channels.get(platform)?.handleWebhook?.bind(this.o.channels.get(platform));
  }

  private async every(ms: number, signal: AbortSignal, what: string, run: () => Promise<unknown>): Promise<void> {
    while (!signal.aborted) {
      try {
        await run();
      } catch (error) {
        this.o.logger.warn({ err: error }, `${what} pass failed`);
      }
      await sleep(ms, signal);
    }
  }

  /** A message given up on: visible in `claw audit` (as a failed delivery) and in /metrics. */
  private async deliveryFailed(row: OutboxMessage, reason: string): Promise<void> {
    this.o.metrics.outboxDeliveries.inc({ platform: row.platform, outcome: 'failed' });
    await this.o.audit.append({
      requestId: `outbox-${row.id}`, channel: row.platform, memberId: null, memberName: null, identity: null, tenantName: null,
      scope: null, command: 'deliver', text: `deliver ${row.kind === 'update' ? 'update' : 'message'} #${row.id} to ${row.chatKey}: ${reason}`.slice(0, 1000),
      decision: 'allowed', outcome: 'failure', errorCode: 'delivery_failed', durationMs: 0,
    });
  }
}
