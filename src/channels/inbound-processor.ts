// Handles what the chat channels receive: each event stored once (redeliveries stop here), acknowledged at once, then
// run through the same dispatcher as the API and CLI as the person who sent it, with the reply going to the outbox.
import { performance } from 'node:perf_hooks';
import { IsNull, LessThan, type DataSource } from 'typeorm';
import type { ChatIdentities } from '../engines/access/chat-identities.js';
import type { TenancyEngine } from '../engines/tenancy/tenancy-engine.js';
import type { ClawError } from '../errors/claw-error.js';
import type { Locale } from '../i18n/locale.js';
import type { Dispatcher } from '../pipeline/dispatcher.js';
import type { IdentityResolver } from '../pipeline/identity.js';
import { normalizeCommandText } from '../pipeline/normalize.js';
import { errorView } from '../render/error-view.js';
import type { View } from '../render/view.js';
import { InboundEventEntity } from '../store/entities/inbound-event.js';
import type { SecretBox } from '../store/secret-box.js';
import { isUniqueViolation } from '../store/unique-violation.js';
import { newId } from '../util/ids.js';
import { RateLimiter } from '../util/rate-limiter.js';
import type { CardClick, ChannelHandlers, ChatChannel, InboundMessage, Platform, RenderedMessage } from './chat-channel.js';
import { ProgressReply, type ChatReplies } from './chat-replies.js';
import type { Logger } from '../util/logger.js';

export interface InboundOptions {
  db: DataSource;
  secrets: SecretBox;
  dispatcher: Dispatcher;
  identity: IdentityResolver;
  chatIdentities: ChatIdentities;
  tenancy: TenancyEngine;
  channels: ReadonlyMap<Platform, ChatChannel>;
  replies: ChatReplies;
  /** In groups, act only on messages that @mention the bot. */
  requireMention: boolean;
  locale: Locale;
  logger: Logger;
  onEvent?: (platform: Platform, kind: 'message' | 'click', outcome: 'new' | 'duplicate' | 'ignored' | 'done' | 'failed' | 'interrupted') => void;
  /** Shutdown: long waits of commands end early. */
  signal: AbortSignal;
  /** How long storing a message took: the channel acks when onMessage resolves, so this is our share of the ack. */
  onStored?: (platform: Platform, ms: number) => void;
}

/**
 * A replica running a chat command touches its row this often; the leader calls one silent for `interruptedAfterMs` cut
 * off (its replica crashed) and tells the sender. Tests shorten both.
 */
export const inboundTiming = { heartbeatMs: 30_000, interruptedAfterMs: 120_000 };
/** `claw link 123-456` typed by someone not known yet. */
const LINK = /^(?:claw\s+)?link\s+(\d{3}-?\d{3})$/i;
/**
 * Someone the bot does not know hears "you have no access" at most once in this long, however often they write or
 * click: a stranger (or a script posing as many) cannot make the bot flood a group with replies.
 */
const STRANGER_REPLY_EVERY_MS = 5 * 60_000;

export class InboundProcessor implements ChannelHandlers {
  /** Link codes are six digits: five tries, then one per two minutes, keep guessing hopeless (per replica, in memory). */
  private readonly linkAttempts = new RateLimiter(0.5, 5);
  /** Replies to strangers, per sender and kind of reply (per replica, in memory). */
  private readonly strangerReplies = new RateLimiter(60_000 / STRANGER_REPLY_EVERY_MS, 1);
  /** Messages being processed, so shutdown can wait for their answers. */
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly o: InboundOptions) {}

  /**
   * Waits up to `ms` for messages in flight. One cut off stays `processing` in the database and is not run again by
   * another replica (its command may already have acted; running it twice could act twice); once its heartbeat has
   * been silent long enough, the leader tells the sender (reportInterrupted).
   */
  async drain(ms: number): Promise<void> {
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
    await Promise.race([Promise.allSettled([...this.inFlight]), timeout]);
  }

  /**
   * Stores the event (a redelivery is a unique-key conflict and ends here), then processes it after the ack. Messages
   * not meant for the bot (its own, group chatter without an @mention, empty text) are not even stored.
   */
  async onMessage(message: InboundMessage): Promise<void> {
    if (!this.addressed(message)) {
      this.o.onEvent?.(message.platform, 'message', 'ignored');
      return;
    }
    const started = performance.now();
    const id = await this.store(message.platform, message.eventId, 'message', message);
    this.o.onStored?.(message.platform, performance.now() - started);
    if (!id) return;
    setImmediate(() => this.track(this.process(id, message)));
  }

  private track(work: Promise<void>): void {
    const tracked = work.catch((error: unknown) => this.o.logger.error({ err: error }, 'chat message processing failed'));
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }

  private async store(platform: Platform, eventId: string, kind: 'message' | 'click', payload: unknown): Promise<string | null> {
    const id = newId();
    try {
      await this.o.db.getRepository(InboundEventEntity).insert({
        id, platform, eventId, kind, payload: this.o.secrets.seal(JSON.stringify(payload)), status: 'received', receivedAt: new Date(), processedAt: null,
      });
      this.o.onEvent?.(platform, kind, 'new');
      return id;
    } catch (error) {
      if (isUniqueViolation(error)) {
        this.o.onEvent?.(platform, kind, 'duplicate');
        return null;
      }
      throw error;
    }
  }

  /** Runs one stored message exactly once: the status moves received -> processing by compare-and-swap. */
  async process(id: string, message: InboundMessage): Promise<void> {
    const repo = this.o.db.getRepository(InboundEventEntity);
    const claimed = await repo.update({ id, status: 'received' }, { status: 'processing', heartbeatAt: new Date() });
    if (!claimed.affected) return;
    const heartbeat = setInterval(() => {
      repo.update({ id, status: 'processing' }, { heartbeatAt: new Date() })
        .catch((error: unknown) => this.o.logger.warn({ err: error }, 'chat message heartbeat failed'));
    }, inboundTiming.heartbeatMs);
    // A message still running when shutdown gives up on it must not keep the process alive.
    heartbeat.unref();
    try {
      const status = await this.handle(message);
      await repo.update({ id }, { status, processedAt: new Date() });
      this.o.onEvent?.(message.platform, 'message', status);
    } catch (error) {
      this.o.logger.error({ err: error, platform: message.platform, eventId: message.eventId }, 'chat message could not be processed');
      this.o.onEvent?.(message.platform, 'message', 'failed');
      await repo.update({ id }, { status: 'failed', processedAt: new Date() });
    } finally {
      clearInterval(heartbeat);
    }
  }

  /**
   * On the leader: events a replica stored but never processed (it died in between) are processed now; senders of
   * messages cut off mid-run are told. Returns how many stored events were run.
   */
  async resume(olderThanMs = 10_000): Promise<number> {
    const repo = this.o.db.getRepository(InboundEventEntity);
    const stuck = await repo.find({ where: { status: 'received', kind: 'message' }, order: { receivedAt: 'ASC' }, take: 100 });
    await this.reportInterrupted();
    let n = 0;
    for (const row of stuck) {
      if (Date.now() - row.receivedAt.getTime() < olderThanMs) continue;
      const work = this.process(row.id, JSON.parse(this.o.secrets.open(row.payload), reviveDates) as InboundMessage);
      this.track(work);
      await work.catch(() => undefined);
      n++;
    }
    return n;
  }

  /**
   * Messages whose replica stopped touching them while they ran (it crashed): not run again, since the command may
   * already have acted, but the sender learns it was cut off. The compare-and-swap repeats the silence condition, so a
   * heartbeat that lands meanwhile keeps the message running.
   */
  private async reportInterrupted(): Promise<void> {
    const repo = this.o.db.getRepository(InboundEventEntity);
    const cutoff = new Date(Date.now() - inboundTiming.interruptedAfterMs);
    // Rows from before heartbeats existed count from when they arrived.
    const silent = [
      { status: 'processing' as const, kind: 'message' as const, heartbeatAt: LessThan(cutoff) },
      { status: 'processing' as const, kind: 'message' as const, heartbeatAt: IsNull(), receivedAt: LessThan(cutoff) },
    ];
    for (const row of await repo.find({ where: silent, order: { receivedAt: 'ASC' }, take: 100 })) {
      const cas = await repo.update({ ...silent[row.heartbeatAt ? 0 : 1]!, id: row.id }, { status: 'interrupted', processedAt: new Date() });
      if (!cas.affected) continue;
      const message = JSON.parse(this.o.secrets.open(row.payload), reviveDates) as InboundMessage;
      this.o.onEvent?.(message.platform, 'message', 'interrupted');
      // The reply quotes nothing: the message may hold a secret (`--set model.apiKey=...`); it answers the message itself.
      await this.say(message, {
        kind: 'message', tone: 'warning',
        text: this.o.locale === 'zh'
          ? '这条命令执行时控制面意外重启，结果未知：它可能已经生效。请先用 claw status 或 claw audit --since 1h 确认，再决定是否重试。'
          : 'The control plane restarted unexpectedly while this command ran, so its outcome is unknown: it may already have taken effect. Check with `claw status` or `claw audit --since 1h` before running it again.',
      });
    }
  }

  private addressed(message: InboundMessage): boolean {
    if (message.fromBot) return false;
    if (message.chat.chatType === 'group' && this.o.requireMention && !message.mentionsBot) return false;
    return normalizeCommandText(message.text) !== '';
  }

  private async handle(message: InboundMessage): Promise<'done'> {
    const { platform, chat, sender } = message;
    const principal = await this.o.identity.fromChat(platform, chat.orgId, sender.userId, sender.name);
    if (!principal) {
      await this.stranger(message);
      return 'done';
    }
    const binding = chat.chatType === 'group' ? await this.o.tenancy.chatBinding(platform, chat.orgId, chat.chatId) : null;
    const progress = new ProgressReply(this.o.replies, message, this.o.locale, (error) => this.o.logger.warn({ err: error }, 'progress update failed'));
    const outcome = await this.o.dispatcher.dispatch({
      requestId: `${platform}-${message.eventId}`, channel: platform, principal, text: message.text, locale: this.o.locale,
      live: true, signal: this.o.signal, origin: { ...chat, messageId: message.messageId }, onProgress: (line) => progress.update(line),
      ...(binding ? { scopeDefaults: { tenant: binding.tenant.name, ...(binding.project ? { project: binding.project.name } : {}) } } : {}),
    });
    // A held command's card is posted by the approval notifier, to this chat and the tenant's approval chat; a rollout's
    // card (the answer to a publish) by the rollout notifier.
    if (outcome.ok && (outcome.held || outcome.posted)) return 'done';
    await progress.finish(outcome.ok ? outcome.view : errorView(outcome.error, outcome.locale), outcome.ok ? outcome.page : undefined);
    return 'done';
  }

  /**
   * Someone nobody added: `claw link CODE` joins them to the member the code was made for; anything else gets a hint,
   * at most once per STRANGER_REPLY_EVERY_MS. Every attempt is audited (identical ones counted on one row).
   */
  private async stranger(message: InboundMessage): Promise<void> {
    const { platform, chat, sender } = message;
    const identity = `${platform}:${sender.userId}`;
    const code = LINK.exec(normalizeCommandText(message.text))?.[1];
    const zh = this.o.locale === 'zh';
    if (code && !this.linkAttempts.take(identity).allowed) {
      await this.o.dispatcher.rejectUnauthenticated({ requestId: `${platform}-${message.eventId}`, channel: platform, text: message.text, identity });
      if (!this.strangerReplies.take(`${identity}#link`).allowed) return;
      await this.say(message, { kind: 'message', tone: 'danger', text: zh ? '关联尝试过于频繁，请稍后再试。' : 'Too many link attempts; try again later.' });
      return;
    }
    if (code) {
      const redeemed = await this.o.chatIdentities.redeem(code);
      const member = redeemed ? await this.o.tenancy.getMemberById(redeemed.memberId) : null;
      if (redeemed && member) {
        // Linked from the account itself (confirmed), traced to the credential that asked for the code.
        await this.o.chatIdentities.attach(member, platform, sender.userId, chat.orgId, sender.name ?? null, { byMemberId: member.id, via: redeemed.via, confirmed: true });
        await this.o.dispatcher.recordLink({ requestId: `${platform}-${message.eventId}`, channel: platform, identity, member: member.name });
        await this.say(message, { kind: 'message', tone: 'success', text: zh ? `已关联：你在此平台的账号现在属于成员 ${member.name}。` : `Linked: this account now belongs to member ${member.name}.` });
        return;
      }
      await this.o.dispatcher.rejectUnauthenticated({ requestId: `${platform}-${message.eventId}`, channel: platform, text: message.text, identity });
      await this.say(message, { kind: 'message', tone: 'danger', text: zh ? '关联码无效或已过期（有效期 10 分钟，只能使用一次）。' : 'That link code is unknown, used or expired (codes last 10 minutes and work once).' });
      return;
    }
    await this.o.dispatcher.rejectUnauthenticated({ requestId: `${platform}-${message.eventId}`, channel: platform, text: message.text, identity });
    // Told once in a while; checked before the lookups below, so repeating oneself costs no queries either.
    if (!this.strangerReplies.take(identity).allowed) return;
    const binding = chat.chatType === 'group' ? await this.o.tenancy.chatBinding(platform, chat.orgId, chat.chatId) : null;
    const admins = binding ? (await this.o.tenancy.tenantAdmins(binding.tenant)).map((m) => m.displayName === m.name ? m.name : `${m.displayName} (${m.name})`) : [];
    // Each platform's account flag is named after it (member add|link --feishu, --dingtalk, ...).
    const flag = `--${platform}`;
    const lines = zh
      ? [
        `你还没有 Open Cluster Claw 的权限。请管理员执行：claw member add 你的名字 ${flag} ${sender.userId}`,
        admins.length ? `本群所属租户 ${binding!.tenant.name} 的管理员：${admins.join('、')}` : '请联系你所在租户的管理员。',
        '如果你在另一平台或命令行已有账号，可在那里发送 claw link 获取关联码，再在这里发送 claw link 关联码。',
      ]
      : [
        `You do not have access to Open Cluster Claw yet. Ask an admin to run: claw member add YOUR-NAME ${flag} ${sender.userId}`,
        admins.length ? `Admins of tenant ${binding!.tenant.name}, which this group belongs to: ${admins.join(', ')}` : 'Ask an admin of your tenant.',
        'Already a member elsewhere (another chat app, the CLI)? Send `claw link` there for a code, then `claw link CODE` here.',
      ];
    await this.say(message, { kind: 'message', tone: 'info', text: lines.join('\n') });
  }

  private async say(message: InboundMessage, view: View): Promise<void> {
    await this.o.replies.reply(message, view, { locale: this.o.locale });
  }

  /**
   * A button click (Approve / Reject on an approval card), checked and recorded like the typed command, as the person
   * who clicked. Resolves with the updated card when the command is done: each channel waits for it as long as its
   * platform allows (Feishu answers the callback within its budget; DingTalk acks and updates the card later through
   * its API), and every copy is updated through the outbox either way.
   */
  async onCardClick(click: CardClick): Promise<RenderedMessage | undefined> {
    if (!(await this.store(click.platform, click.eventId, 'click', click))) return undefined;
    // A button carrying a command (alert cards: Ack, Silence 1h, Restart, Logs) runs it exactly as if the clicker had
    // typed it in that chat: RBAC, approvals and audit as usual, the answer as a reply; the card itself is left alone.
    if (typeof click.value.command === 'string' && click.value.command.trim()) {
      this.track(this.handle({
        platform: click.platform, eventId: click.eventId, messageId: click.messageId, chat: click.chat, sender: click.user, text: click.value.command,
        mentionsBot: true, fromBot: false, receivedAt: new Date(),
      }).then(() => undefined));
      return undefined;
    }
    const approval = Number(click.value.approval);
    const decision = click.value.decision;
    if (!Number.isInteger(approval) || (decision !== 'approve' && decision !== 'reject')) return undefined;
    const work = this.click(click, approval, decision);
    this.track(work.then(() => undefined));
    return work;
  }

  private async click(click: CardClick, approval: number, decision: 'approve' | 'reject'): Promise<RenderedMessage | undefined> {
    const channel = this.o.channels.get(click.platform);
    const principal = await this.o.identity.fromChat(click.platform, click.chat.orgId, click.user.userId, click.user.name);
    const asMessage: InboundMessage = {
      platform: click.platform, eventId: click.eventId, messageId: click.messageId, chat: click.chat, sender: click.user, text: '',
      mentionsBot: true, fromBot: false, receivedAt: new Date(),
    };
    if (!principal) {
      await this.o.dispatcher.rejectUnauthenticated({ requestId: `${click.platform}-${click.eventId}`, channel: click.platform, text: `claw ${decision} ${approval}`, identity: `${click.platform}:${click.user.userId}` });
      if (!this.strangerReplies.take(`${click.platform}:${click.user.userId}`).allowed) return undefined;
      await this.say(asMessage, { kind: 'message', tone: 'danger', text: this.o.locale === 'zh' ? `${click.user.name ?? click.user.userId}：你还没有权限，无法审批。` : `${click.user.name ?? click.user.userId}: you have no access, so you cannot decide on approvals.` });
      return undefined;
    }
    const text = decision === 'approve' ? `claw approve ${approval}` : `claw reject ${approval} --reason ${JSON.stringify(this.o.locale === 'zh' ? '通过卡片拒绝' : 'rejected with the card button')}`;
    const outcome = await this.o.dispatcher.dispatch({ requestId: `${click.platform}-${click.eventId}`, channel: click.platform, principal, text, locale: this.o.locale, normalize: false, origin: click.chat });
    if (!outcome.ok) {
      await this.say(asMessage, withWho(errorView(outcome.error as ClawError, outcome.locale), click.user.name ?? principal.name));
      return undefined;
    }
    return channel?.render(outcome.view, { locale: this.o.locale })[0];
  }
}

function withWho(view: View, who: string): View {
  return view.kind === 'sections' ? { ...view, title: `${who}: ${view.title ?? ''}` } : view;
}

/** Dates inside stored events come back as ISO strings. */
function reviveDates(key: string, value: unknown): unknown {
  return key === 'receivedAt' && typeof value === 'string' ? new Date(value) : value;
}
