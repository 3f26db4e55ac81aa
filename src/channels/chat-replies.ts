// Turns views into outbox messages for a chat: replies to the message that asked, secrets sent privately, and
// progress cards updated in place (at most every two seconds; the final state always).
import type { Locale } from '../i18n/locale.js';
import type { View } from '../render/view.js';
import type { ChatAddress, ChatChannel, InboundMessage, Platform } from './chat-channel.js';
import type { Outbox, SendOptions } from './outbox/outbox.js';

/** Card updates are for people reading; one every two seconds keeps well inside Feishu's 5 QPS per chat. */
const PROGRESS_INTERVAL_MS = 2000;

/** What sending a view put in the outbox: one id per rendered message, and whether the first can be updated in place. */
export interface Sent {
  ids: number[];
  updatable: boolean;
}

export class ChatReplies {
  constructor(
    private readonly outbox: Outbox,
    private readonly channels: ReadonlyMap<Platform, ChatChannel>,
  ) {}

  private channel(platform: Platform): ChatChannel {
    const channel = this.channels.get(platform);
    if (!channel) throw new Error(`channel ${platform} is not configured`);
    return channel;
  }

  /** Sends a view to a chat, as a reply to `replyTo` when given. */
  async send(to: ChatAddress, view: View, options: { locale: Locale; page?: number; correlation?: string; replyTo?: SendOptions['replyTo'] }): Promise<Sent> {
    const messages = this.channel(to.platform).render(view, { locale: options.locale, ...(options.page ? { page: options.page } : {}) });
    const ids: number[] = [];
    for (const message of messages) {
      ids.push(await this.outbox.send(to, message, {
        ...(options.correlation ? { correlation: options.correlation } : {}), ...(options.replyTo ? { replyTo: options.replyTo } : {}),
      }));
    }
    return { ids, updatable: messages[0]?.updatable ?? false };
  }

  /**
   * Replies to an inbound message. A secret (a new token) asked for in a group goes to the sender in a direct chat,
   * and the group only learns that it was sent privately.
   */
  async reply(to: InboundMessage, view: View, options: { locale: Locale; page?: number; correlation?: string }): Promise<Sent> {
    if (view.kind === 'secret' && to.chat.chatType === 'group') {
      const direct: ChatAddress = { platform: to.platform, orgId: to.chat.orgId, chatId: '', chatType: 'direct', userId: to.sender.userId };
      await this.send(direct, view, options);
      const note: View = {
        kind: 'message', tone: 'info',
        text: options.locale === 'zh' ? `${view.title}：已私信发送给你（含一次性显示的密钥）。` : `${view.title}: sent to you in a direct message (it holds a secret shown once).`,
      };
      return this.reply(to, note, options);
    }
    return this.send(to.chat, view, { ...options, replyTo: { messageId: to.messageId, ...(to.replyContext ? { context: to.replyContext } : {}) } });
  }

  /** Replaces an earlier message (a card) with a view (its first rendered message; cards are small). */
  async update(outboxId: number, platform: Platform, view: View, options: { locale: Locale; correlation?: string }): Promise<number> {
    const [message] = this.channel(platform).render(view, { locale: options.locale });
    return this.outbox.update(outboxId, message!, options.correlation ? { correlation: options.correlation } : {});
  }
}

/** One reply that shows progress while a long command runs, then becomes the result. */
export class ProgressReply {
  private outboxId: number | undefined;
  private canUpdate = false;
  private lastAt = 0;
  private pending: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly replies: ChatReplies,
    private readonly to: InboundMessage,
    private readonly locale: Locale,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** A new progress line; sent at once the first time, then at most every PROGRESS_INTERVAL_MS. */
  update(line: string): void {
    this.pending = line;
    const wait = this.lastAt + PROGRESS_INTERVAL_MS - Date.now();
    if (this.outboxId !== undefined && wait > 0) {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.flush();
      }, wait);
      return;
    }
    this.flush();
  }

  private flush(): void {
    const line = this.pending;
    if (line === undefined) return;
    this.pending = undefined;
    this.lastAt = Date.now();
    // `actions: []` asks for a card where the platform has one (DingTalk with a template), so it can be updated.
    const view: View = { kind: 'message', tone: 'warning', text: line, headline: line, actions: [] };
    this.chain = this.chain.then(async () => {
      if (this.outboxId === undefined) {
        const sent = await this.replies.reply(this.to, view, { locale: this.locale });
        this.outboxId = sent.ids[0];
        this.canUpdate = sent.updatable;
      } else if (this.canUpdate) {
        await this.replies.update(this.outboxId, this.to.platform, view, { locale: this.locale });
      }
      // Otherwise each update would be a new message (DingTalk markdown, 20 a minute): only the first and the result go.
    }).catch(this.onError);
  }

  /** The result: replaces the progress card when there is one and the result fits one message, else a new reply. */
  async finish(view: View, page?: number): Promise<void> {
    clearTimeout(this.timer);
    this.pending = undefined;
    await this.chain;
    const single = view.kind !== 'table' && view.kind !== 'secret';
    if (this.outboxId !== undefined && single && this.canUpdate) await this.replies.update(this.outboxId, this.to.platform, view, { locale: this.locale });
    else await this.replies.reply(this.to, view, { locale: this.locale, ...(page ? { page } : {}) });
  }
}
