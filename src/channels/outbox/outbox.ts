// The outbox: every chat message is stored here first (encrypted), so nothing is lost across restarts; the worker
// delivers it. Updates of a card in place are coalesced: only the newest pending update of a message is sent.
import { In, type DataSource } from 'typeorm';
import { OutboxMessageEntity, type OutboxMessage } from '../../store/entities/outbox-message.js';
import type { SecretBox } from '../../store/secret-box.js';
import type { ChatAddress, RenderedMessage } from '../chat-channel.js';

export function chatKey(to: ChatAddress): string {
  return `${to.platform}/${to.orgId}/${to.chatType === 'direct' && to.userId ? `user:${to.userId}` : to.chatId}`;
}

export interface SendOptions {
  replyTo?: { messageId: string; context?: Record<string, string> };
  correlation?: string;
}

export class Outbox {
  /** Called after every enqueue so an in-process worker delivers at once instead of at its next poll. */
  onEnqueue: () => void = () => undefined;

  constructor(
    private readonly db: DataSource,
    private readonly secrets: SecretBox,
  ) {}

  async send(to: ChatAddress, message: RenderedMessage, options: SendOptions = {}): Promise<number> {
    return this.insert({ to, kind: 'send', message, replyTo: options.replyTo ?? null, updateOf: null, correlation: options.correlation ?? null });
  }

  /**
   * Replaces message `of` (an earlier outbox id) in place. Earlier pending updates of it are superseded; when the
   * original cannot be updated (a DingTalk markdown message), the new content is sent as a new message instead.
   */
  async update(of: number, message: RenderedMessage, options: { correlation?: string } = {}): Promise<number> {
    const repo = this.db.getRepository(OutboxMessageEntity);
    const original = await repo.findOneByOrFail({ id: of });
    const to = JSON.parse(original.address) as ChatAddress;
    const originalMessage = this.open(original);
    if (!originalMessage.updatable) {
      const replyTo = this.replyContext(original);
      return this.send(to, message, { ...(replyTo ? { replyTo } : {}), ...(options.correlation ? { correlation: options.correlation } : {}) });
    }
    await repo.update({ updateOf: of, status: 'pending', kind: 'update' }, { status: 'superseded' });
    return this.insert({ to, kind: 'update', message, replyTo: null, updateOf: of, correlation: options.correlation ?? original.correlation });
  }

  /** The card messages sent for a correlation (e.g. `approval:12`), to update them all later. */
  async sentFor(correlation: string): Promise<OutboxMessage[]> {
    return this.db.getRepository(OutboxMessageEntity).find({ where: { correlation, kind: 'send', status: In(['pending', 'sent']) }, order: { id: 'ASC' } });
  }

  /** Messages still to deliver, given up on, and the oldest pending one's age: for /metrics and `claw channels`. */
  async backlog(): Promise<{ pending: number; failed: number; oldestPendingMs: number }> {
    const repo = this.db.getRepository(OutboxMessageEntity);
    const [oldest] = await repo.find({ where: { status: 'pending' }, order: { id: 'ASC' }, take: 1 });
    const [pending, failed] = await Promise.all([repo.count({ where: { status: 'pending' } }), repo.count({ where: { status: 'failed' } })]);
    return { pending, failed, oldestPendingMs: oldest ? Date.now() - oldest.createdAt.getTime() : 0 };
  }

  replyContext(row: OutboxMessage): SendOptions['replyTo'] | undefined {
    return row.replyTo ? (JSON.parse(this.secrets.open(row.replyTo)) as SendOptions['replyTo']) : undefined;
  }

  open(row: OutboxMessage): RenderedMessage {
    return JSON.parse(this.secrets.open(row.payload)) as RenderedMessage;
  }

  private async insert(input: { to: ChatAddress; kind: 'send' | 'update'; message: RenderedMessage; replyTo: SendOptions['replyTo'] | null; updateOf: number | null; correlation: string | null }): Promise<number> {
    const now = new Date();
    const row = await this.db.getRepository(OutboxMessageEntity).save({
      platform: input.to.platform, chatKey: chatKey(input.to), address: JSON.stringify(input.to), kind: input.kind,
      payload: this.secrets.seal(JSON.stringify(input.message)), replyTo: input.replyTo ? this.secrets.seal(JSON.stringify(input.replyTo)) : null,
      updateOf: input.updateOf, status: 'pending', attempts: 0, nextAttemptAt: now, lastError: null, platformMessageId: null,
      correlation: input.correlation, createdAt: now, sentAt: null,
    });
    this.onEnqueue();
    return row.id;
  }
}
