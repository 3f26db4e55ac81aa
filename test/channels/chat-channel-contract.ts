// The shared ChatChannel contract: every chat platform's channel runs these same cases against its own emulator, through
// the real SDK over 127.0.0.1. A platform supplies a small driver (ChatChannelContractDriver); the cases only speak the
// ChatChannel interface plus that driver, so whatever passes here behaves alike for the core on every platform.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeliveryError } from '../../src/channels/chat-channel.js';
import type {
  CardClick,
  ChannelHandlers,
  ChatAddress,
  ChatChannel,
  InboundMessage,
  Platform,
  RenderedMessage,
} from '../../src/channels/chat-channel.js';
import type { Locale } from '../../src/i18n/locale.js';
import type { TableView, Tone, View, ViewAction } from '../../src/render/view.js';

// ---------------------------------------------------------------------------------------------------------------------
// What a platform supplies
// ---------------------------------------------------------------------------------------------------------------------

/** The platform's answer to one pushed event. */
export interface PushResult {
  /** The channel acked it before the emulator stopped waiting. */
  acked: boolean;
  /** From the push to the ack. */
  latencyMs: number;
  /** What redeliver() needs to push the very same event again (Feishu event_id, DingTalk frame messageId). */
  ref: string;
}

/** A message as the platform recorded it. */
export interface RecordedMessage {
  /** The platform's id for it (what deliver() returns where the platform has one). */
  messageId: string;
  /** Every string of the payload, nested JSON strings unpacked (see textOf): what the cases search. */
  text: string;
}

/**
 * A failure the platform answers the next plain group send with: an HTTP 429, the platform's own rate-limit answer
 * (Feishu per-chat 230020, DingTalk QpsLimit), an HTTP 500.
 */
export type SendFault = 'http-429' | 'platform-rate-limit' | 'http-500';

/** One test's platform: a running emulator and a channel pointed at it (not started: the cases start it). */
export interface ContractPlatform {
  readonly channel: ChatChannel;
  /** What InboundMessage.chat.orgId must say: Feishu tenant_key, DingTalk corpId. */
  readonly orgId: string;
  newGroupChatId(): string;
  /** A user the platform knows (Feishu open_id, DingTalk staffId). */
  newUserId(): string;
  pushGroupMessage(o: { chatId: string; userId: string; text: string; mentionBot: boolean }): Promise<PushResult>;
  /** A 1:1 message from the user to the bot; resolves with the platform's chat id of that conversation too. */
  pushDirectMessage(o: { userId: string; text: string }): Promise<PushResult & { chatId: string }>;
  /**
   * A click on the button of a sent card whose value is `value`, as the platform sends it. Rejects when the card as
   * the platform holds it has no such button: the value a click carries comes from the card, never from the test.
   */
  pushCardClick(o: { messageId: string; userId: string; value: Record<string, string> }): Promise<PushResult>;
  /** The same event again, as the platform does when it thinks an ack was lost. */
  redeliver(push: PushResult): Promise<PushResult>;
  /** What the platform recorded as sent to this chat (a direct chat: to its user), cards included. */
  messagesIn(chat: ChatAddress): RecordedMessage[];
  /** The card's current content as text (after updates and click answers); undefined for an unknown card. */
  cardText(messageId: string): string | undefined;
  /** Makes the platform answer the next plain (non-card) group send with this failure. */
  failNextSend(fault: SendFault): void;
  /** Resolves once the platform holds no open connection from the channel any more (rejects after a few seconds). */
  disconnected(): Promise<void>;
  /** After the case: the channel's signal is already aborted; wait for it to wind down. Emulators are the harness's. */
  stop(): Promise<void>;
}

export interface ChatChannelContractDriver {
  platform: Platform;
  /** The platform's ack deadline for a pushed event (Feishu 3 s; DingTalk about 1.5 s). */
  ackDeadlineMs: number;
  /** Called in beforeEach. */
  setup(): Promise<ContractPlatform>;
}

/** The contract's cases; their names are the test names. */
export const CONTRACT_CASES = [
  'start: status() becomes connected; after abort it is not, and no later event reaches the handlers',
  'abort: an event the platform pushes right after abort() (socket still closing) does not reach the handlers',
  'a group message that @mentions the bot arrives exactly once, fully addressed',
  'a group message without the mention has mentionsBot false',
  'a direct message is chatType direct, names its user and mentions the bot',
  'the ack reaches the platform within its deadline while onMessage takes 300 ms',
  'a redelivered event keeps its eventId; distinct events have distinct eventIds',
  'render: every view kind, with and without tones, fits maxMessageBytes in both locales',
  'render: tones change the rendering',
  'render: a 400-row table is split between rows and paged with "…N more, use --page K"',
  'a view with actions renders a card: send, click (value, user, card id), the answer and update() replace it',
  'deliver to a direct chat (chatId empty, userId set) reaches that user',
  'limits: a per-chat rate above zero and a usable message size',
  'delivery errors: rate limits are retryable and rateLimited, a 500 retryable only',
] as const;

export type ContractCase = (typeof CONTRACT_CASES)[number];

// ---------------------------------------------------------------------------------------------------------------------
// Helpers shared with the drivers
// ---------------------------------------------------------------------------------------------------------------------

/**
 * Every string in a payload, one per line, with strings that hold JSON (a Feishu card's content, DingTalk's msgParam
 * and buttons) unpacked in place: a platform-neutral "what does this message say".
 */
export function textOf(value: unknown): string {
  const out: string[] = [];
  const visit = (v: unknown): void => {
    if (typeof v === 'string') {
      const t = v.trim();
      if ((t.startsWith('{') && t.endsWith('}')) || (t.startsWith('[') && t.endsWith(']'))) {
        try {
          visit(JSON.parse(t) as unknown);
          return;
        } catch {
          // Not JSON after all: plain text.
        }
      }
      out.push(v);
    } else if (Array.isArray(v)) {
      for (const x of v) visit(x);
    } else if (typeof v === 'object' && v !== null) {
      for (const x of Object.values(v)) visit(x);
    }
  };
  visit(value);
  return out.join('\n');
}

/** Letters and digits only, so no platform's escaping changes it: markers are searched for verbatim. */
export const marker = (prefix: string): string => `${prefix}${randomBytes(5).toString('hex')}`;

/** Polls `probe` every 10 ms until it returns something truthy. */
export async function waitUntil<T>(probe: () => T | undefined | null | false, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** Records what reaches the handlers; behaviour adjustable per case. */
class ContractHandlers implements ChannelHandlers {
  readonly messages: InboundMessage[] = [];
  readonly clicks: CardClick[] = [];
  messageDelayMs = 0;
  clickAnswer: RenderedMessage | undefined;

  onMessage(message: InboundMessage): Promise<void> {
    this.messages.push(message);
    return this.messageDelayMs > 0 ? sleep(this.messageDelayMs).then(() => undefined) : Promise.resolve();
  }

  onCardClick(click: CardClick): Promise<RenderedMessage | undefined> {
    this.clicks.push(click);
    return Promise.resolve(this.clickAnswer);
  }
}

const TONES: readonly Tone[] = ['success', 'info', 'warning', 'danger'];
const LOCALES: readonly Locale[] = ['en', 'zh'];

/** One of each view kind, in several shapes; every one must render within the limits. */
function sampleViews(): Array<{ name: string; view: View }> {
  const approve: ViewAction = { label: 'Approve', style: 'primary', value: { approval: '7', decision: 'approve' }, command: 'claw approve 7' };
  const reject: ViewAction = { label: 'Reject', style: 'danger', value: { approval: '7', decision: 'reject' }, command: 'claw reject 7' };
  const table: TableView = {
    kind: 'table',
    title: 'Instances',
    columns: [
      { key: 'name', label: 'Name' },
      { key: 'phase', label: 'Phase' },
      { key: 'cpu', label: 'CPU', align: 'right' },
    ],
    rows: [
      { name: 'alpha', phase: 'Running', cpu: '250m' },
      { name: 'beta', phase: 'Failed (CrashLoop)', cpu: '1' },
      { name: 'gamma', phase: 'Running -> Stopped', cpu: '' },
    ],
    empty: 'No instances.',
    footer: '3 instances',
  };
  const views: Array<{ name: string; view: View }> = [
    { name: 'message', view: { kind: 'message', text: 'Hello <at id=all> *bold* [link](http://x) `code`\nsecond line' } },
    { name: 'message with headline', view: { kind: 'message', text: 'Body', headline: 'Headline', tone: 'info' } },
    { name: 'empty message', view: { kind: 'message', text: '' } },
    { name: 'table', view: table },
    { name: 'table with headline', view: { ...table, headline: 'Fleet' } },
    { name: 'empty table', view: { ...table, rows: [] } },
    { name: 'detail', view: { kind: 'detail', title: 'Instance alpha', fields: [{ label: 'Phase', value: 'Running' }, { label: 'Owner', value: 'alice' }] } },
    { name: 'secret', view: { kind: 'secret', title: 'New token', label: 'Token', secret: 'clw_`tok`_123', warning: 'Shown once.', fields: [{ label: 'Name', value: 'ci' }] } },
    {
      name: 'sections',
      view: {
        kind: 'sections',
        title: 'Help',
        sections: [
          { heading: 'Commands', lines: ['claw list', 'claw status <name>'] },
          { heading: 'Fleet', view: table },
          { lines: ['# not a heading', '- not a list'] },
        ],
      },
    },
    { name: 'detail with actions', view: { kind: 'detail', title: 'Approval 7', tone: 'warning', fields: [{ label: 'Command', value: 'claw stop alpha' }], actions: [approve, reject] } },
    { name: 'message with empty actions', view: { kind: 'message', text: 'Approved', tone: 'success', actions: [] } },
  ];
  for (const tone of TONES) {
    views.push({ name: `message, ${tone}`, view: { kind: 'message', text: `A ${tone} message`, tone } });
    views.push({ name: `detail, ${tone}`, view: { kind: 'detail', title: `Detail ${tone}`, tone, fields: [{ label: 'Tone', value: tone }] } });
  }
  return views;
}

/** A row name: fixed width, so no name is part of another. */
const rowName = (i: number): string => `inst${String(i).padStart(4, '0')}x`;
/** A long cell, unique per row, without the row's name and without any character a platform escapes. */
const rowNote = (i: number): string => `note${String(i).padStart(4, '0')} ${'lorem ipsum dolor sit amet '.repeat(36)}end${String(i).padStart(4, '0')}`;
const ROW_NAME = /inst(\d{4})x/g;

const MORE_LINE: Record<Locale, RegExp> = {
  en: /…\s*(\d+) more, use --page (\d+)/,
  zh: /…\s*还有\s*(\d+)\s*[^\n"]*?--page\s*(\d+)/,
};

// ---------------------------------------------------------------------------------------------------------------------
// The contract
// ---------------------------------------------------------------------------------------------------------------------

export function describeChatChannelContract(name: string, driver: ChatChannelContractDriver): void {
  describe(`ChatChannel contract: ${name}`, () => {
    let p: ContractPlatform | undefined;
    let abort: AbortController;
    let handlers: ContractHandlers;

    beforeEach(async () => {
      abort = new AbortController();
      handlers = new ContractHandlers();
      p = await driver.setup();
    });

    afterEach(async () => {
      abort.abort();
      await p?.stop();
      p = undefined;
    });

    const platform = (): ContractPlatform => {
      if (!p) throw new Error('driver.setup() did not run');
      return p;
    };

    /** Starts the channel with the recording handlers and waits until it reports a connection. */
    const started = async (): Promise<ContractPlatform> => {
      const pl = platform();
      await pl.channel.start(handlers, abort.signal);
      await waitUntil(() => pl.channel.status().connected, 'status().connected', 10_000);
      return pl;
    };

    const groupAddress = (pl: ContractPlatform, chatId: string): ChatAddress => ({ platform: driver.platform, orgId: pl.orgId, chatId, chatType: 'group' });

    /** A case of the contract: its title is one of CONTRACT_CASES. */
    const contractCase = (title: ContractCase, fn: () => Promise<void>, timeoutMs?: number): void => {
      it(title, fn, timeoutMs);
    };

    // 1 ------------------------------------------------------------------------------------------------------------
    /** Pushes a group message, settling within 1.5 s whatever happens (rejected: no connection; unacked: none in time). */
    const pushAfterAbort = (pl: ContractPlatform, chatId: string, userId: string, text: string): Promise<unknown> =>
      Promise.race([pl.pushGroupMessage({ chatId, userId, text, mentionBot: true }).catch((err: unknown) => err), sleep(1500)]);

    contractCase('start: status() becomes connected; after abort it is not, and no later event reaches the handlers', async () => {
      const pl = platform();
      await pl.channel.start(handlers, abort.signal);
      await waitUntil(() => pl.channel.status().connected, 'status().connected', 10_000);
      expect(pl.channel.status()).toMatchObject({ platform: driver.platform, connected: true, mode: expect.any(String) });

      // Events flow while it runs...
      const chatId = pl.newGroupChatId();
      const userId = pl.newUserId();
      const before = await pl.pushGroupMessage({ chatId, userId, text: 'claw status', mentionBot: true });
      expect(before.acked).toBe(true);
      expect(handlers.messages).toHaveLength(1);

      // ...and stop with the abort: once the platform has seen the connection go, nothing comes back.
      abort.abort();
      await waitUntil(() => !pl.channel.status().connected, 'status().connected false after abort', 5000);
      expect(pl.channel.status()).toMatchObject({ platform: driver.platform, connected: false });
      await pl.disconnected();
      // With no connection the platform cannot deliver it at all: the push is refused, so nothing is left in flight.
      const late = await pushAfterAbort(pl, chatId, userId, 'claw stop all');
      expect(late).toBeInstanceOf(Error);
      expect(handlers.messages.map((m) => m.text)).toHaveLength(1);
      // No reconnect either: once the channel has wound down (no socket, no timer left to reconnect with), the platform
      // still sees no connection and the status stays down.
      await pl.stop();
      await pl.disconnected();
      expect(pl.channel.status().connected).toBe(false);
      await expect(pl.pushGroupMessage({ chatId, userId, text: 'claw status', mentionBot: true })).rejects.toThrow();
      expect(handlers.messages).toHaveLength(1);
    });

    contractCase('abort: an event the platform pushes right after abort() (socket still closing) does not reach the handlers', async () => {
      const pl = await started();
      const chatId = pl.newGroupChatId();
      const userId = pl.newUserId();
      await pl.pushGroupMessage({ chatId, userId, text: 'claw status', mentionBot: true });
      expect(handlers.messages).toHaveLength(1);
      // Same tick as the abort: the platform still has the connection and sends the event down it.
      abort.abort();
      const late = await pushAfterAbort(pl, chatId, userId, 'claw stop all');
      // Whatever reached the closing socket was dropped, not acked (the platform delivers it again elsewhere).
      expect((late as Partial<PushResult> | undefined)?.acked ?? false).toBe(false);
      await waitUntil(() => !pl.channel.status().connected, 'status().connected false after abort', 5000);
      // Everything the socket carried has been read once the channel has wound down and the platform holds no
      // connection: only then is "it did not reach the handlers" final.
      await pl.stop();
      await pl.disconnected();
      expect(handlers.messages.map((m) => m.text)).toHaveLength(1);
    });

    // 2 ------------------------------------------------------------------------------------------------------------
    contractCase('a group message that @mentions the bot arrives exactly once, fully addressed', async () => {
      const pl = await started();
      const chatId = pl.newGroupChatId();
      const userId = pl.newUserId();
      const ack = await pl.pushGroupMessage({ chatId, userId, text: 'claw list', mentionBot: true });
      expect(ack.acked).toBe(true);
      await waitUntil(() => handlers.messages.length > 0, 'the message at onMessage');
      // A later message on the same connection has arrived too, so a second copy of the first would be in by now.
      await pl.pushGroupMessage({ chatId, userId, text: 'claw version', mentionBot: true });
      await waitUntil(() => handlers.messages.some((x) => x.text.includes('claw version')), 'the next message at onMessage');
      expect(handlers.messages.map((x) => x.text.includes('claw list'))).toEqual([true, false]);
      const m = handlers.messages[0]!;
      expect(m).toMatchObject({
        platform: driver.platform,
        eventId: expect.any(String),
        messageId: expect.any(String),
        chat: { platform: driver.platform, orgId: pl.orgId, chatId, chatType: 'group' },
        sender: { userId },
        mentionsBot: true,
        fromBot: false,
        receivedAt: expect.any(Date),
      });
      expect(m.eventId).not.toBe('');
      expect(m.messageId).not.toBe('');
      expect(m.chat.orgId).not.toBe('');
      expect(m.text).toContain('claw list');
    });

    contractCase('a group message without the mention has mentionsBot false', async () => {
      const pl = await started();
      const chatId = pl.newGroupChatId();
      const userId = pl.newUserId();
      const ack = await pl.pushGroupMessage({ chatId, userId, text: 'lunch anyone', mentionBot: false });
      expect(ack.acked).toBe(true);
      await waitUntil(() => handlers.messages.length > 0, 'the message at onMessage');
      expect(handlers.messages).toHaveLength(1);
      expect(handlers.messages[0]).toMatchObject({
        platform: driver.platform,
        chat: { platform: driver.platform, orgId: pl.orgId, chatId, chatType: 'group' },
        sender: { userId },
        mentionsBot: false,
        fromBot: false,
      });
    });

    contractCase('a direct message is chatType direct, names its user and mentions the bot', async () => {
      const pl = await started();
      const userId = pl.newUserId();
      const ack = await pl.pushDirectMessage({ userId, text: 'claw help' });
      expect(ack.acked).toBe(true);
      await waitUntil(() => handlers.messages.length > 0, 'the message at onMessage');
      expect(handlers.messages).toHaveLength(1);
      const m = handlers.messages[0]!;
      expect(m).toMatchObject({
        platform: driver.platform,
        chat: { platform: driver.platform, orgId: pl.orgId, chatType: 'direct', userId },
        sender: { userId },
        mentionsBot: true,
        fromBot: false,
      });
      expect(m.eventId).not.toBe('');
      expect(m.messageId).not.toBe('');
      expect(m.chat.chatId).toBe(ack.chatId);
    });

    contractCase('the ack reaches the platform within its deadline while onMessage takes 300 ms', async () => {
      const pl = await started();
      handlers.messageDelayMs = 300;
      const ack = await pl.pushGroupMessage({ chatId: pl.newGroupChatId(), userId: pl.newUserId(), text: 'claw status', mentionBot: true });
      expect(ack.acked).toBe(true);
      expect(ack.latencyMs).toBeLessThanOrEqual(driver.ackDeadlineMs);
      expect(handlers.messages).toHaveLength(1);
    });

    // 3 ------------------------------------------------------------------------------------------------------------
    contractCase('a redelivered event keeps its eventId; distinct events have distinct eventIds', async () => {
      const pl = await started();
      const chatId = pl.newGroupChatId();
      const userId = pl.newUserId();
      const first = await pl.pushGroupMessage({ chatId, userId, text: 'claw restart alpha', mentionBot: true });
      await waitUntil(() => handlers.messages.length === 1, 'the first delivery');
      const eventId = handlers.messages[0]!.eventId;
      const messageId = handlers.messages[0]!.messageId;

      const again = await pl.redeliver(first);
      expect(again.acked).toBe(true);

      // Identical text, a new message: a different eventId, or the core would drop it as a duplicate. Once it has
      // arrived, so has anything the redelivery produced (same connection, in order).
      await pl.pushGroupMessage({ chatId, userId, text: 'claw restart alpha', mentionBot: true });
      await waitUntil(() => handlers.messages.some((m) => m.eventId !== eventId), 'the second message');
      const n = handlers.messages.length - 1;
      expect(handlers.messages[n]!.eventId).not.toBe(eventId);
      // The channel passes the redelivery on (or drops it itself): whatever arrived before names the same event and message.
      expect(n).toBeGreaterThanOrEqual(1);
      expect(n).toBeLessThanOrEqual(2);
      for (const m of handlers.messages.slice(0, n)) {
        expect(m.eventId).toBe(eventId);
        expect(m.messageId).toBe(messageId);
      }
    });

    // 4 ------------------------------------------------------------------------------------------------------------
    contractCase('render: every view kind, with and without tones, fits maxMessageBytes in both locales', async () => {
      const { channel } = platform();
      for (const locale of LOCALES) {
        for (const { name: viewName, view } of sampleViews()) {
          const messages = channel.render(view, { locale });
          expect(messages.length, `${viewName} (${locale})`).toBeGreaterThanOrEqual(1);
          for (const m of messages) {
            expect(m.type, `${viewName} (${locale}) type`).toMatch(/\S/);
            expect(() => JSON.parse(m.content) as unknown, `${viewName} (${locale}) content is JSON`).not.toThrow();
            expect(Buffer.byteLength(m.content, 'utf8'), `${viewName} (${locale}) bytes`).toBeLessThanOrEqual(channel.maxMessageBytes);
          }
        }
      }
      // A secret is shown whole.
      const secret = channel.render({ kind: 'secret', title: 'Token', label: 'Token', secret: 'clwSecret0123456789', warning: 'Once.', fields: [] }, { locale: 'en' });
      expect(secret.map((m) => textOf(JSON.parse(m.content))).join('\n')).toContain('clwSecret0123456789');
    });

    contractCase('render: tones change the rendering', async () => {
      const { channel } = platform();
      for (const kind of ['message', 'detail'] as const) {
        const contents = [undefined, ...TONES].map((tone) => {
          const view: View = kind === 'message' ? { kind, text: 'Same text', tone } : { kind, title: 'Same title', fields: [{ label: 'A', value: 'b' }], tone };
          return channel.render(view, { locale: 'en' }).map((m) => m.content).join('\n');
        });
        expect(new Set(contents).size, `${kind}: one distinct rendering per tone`).toBe(contents.length);
      }
    });

    contractCase('render: a 400-row table is split between rows and paged with "…N more, use --page K"', async () => {
      const { channel } = platform();
      const total = 400;
      const view: TableView = {
        kind: 'table',
        title: 'Instances',
        columns: [
          { key: 'name', label: 'Name' },
          { key: 'phase', label: 'Phase' },
          { key: 'note', label: 'Note' },
        ],
        rows: Array.from({ length: total }, (_, k) => ({ name: rowName(k + 1), phase: 'Running', note: rowNote(k + 1) })),
        empty: 'No instances.',
        footer: `${total} instances`,
      };
      for (const locale of LOCALES) {
        const seen = new Map<number, number>();
        const pageRows: number[][] = [];
        for (let page = 1; ; page++) {
          expect(page, `${locale}: pages never end`).toBeLessThan(60);
          const messages = channel.render(view, { locale, page });
          expect(messages.length, `${locale} page ${page}`).toBeGreaterThanOrEqual(1);
          const rowsHere: number[] = [];
          for (const m of messages) {
            expect(Buffer.byteLength(m.content, 'utf8'), `${locale} page ${page} bytes`).toBeLessThanOrEqual(channel.maxMessageBytes);
            const inMessage = [...m.content.matchAll(ROW_NAME)].map((x) => Number(x[1]));
            for (const i of inMessage) {
              // Never cut: a row shown in a message is in it whole, long cell included.
              expect(m.content, `${locale} page ${page}: ${rowName(i)} whole`).toContain(rowNote(i));
              seen.set(i, (seen.get(i) ?? 0) + 1);
              rowsHere.push(i);
            }
          }
          pageRows.push(rowsHere);
          const all = messages.map((m) => m.content).join('\n');
          const more = MORE_LINE[locale].exec(all);
          const shownSoFar = seen.size;
          if (shownSoFar < total) {
            // Rows are left for later pages: the page says how many, and which page shows them.
            expect(more, `${locale} page ${page} ends with a "more" line`).not.toBeNull();
            expect(Number(more![1]), `${locale} page ${page}: N in "…N more"`).toBe(total - shownSoFar);
            expect(Number(more![2]), `${locale} page ${page}: K in "--page K"`).toBe(page + 1);
          } else {
            expect(more, `${locale} page ${page} is the last: no "more" line`).toBeNull();
            break;
          }
          expect(rowsHere.length, `${locale} page ${page} shows rows`).toBeGreaterThan(0);
        }
        // Every row exactly once across the pages, in order.
        expect([...seen.entries()].filter(([, n]) => n !== 1), `${locale}: rows shown more than once`).toEqual([]);
        expect(seen.size, `${locale}: rows shown`).toBe(total);
        expect(pageRows.flat(), `${locale}: rows in order`).toEqual(Array.from({ length: total }, (_, k) => k + 1));
        // Page 1 is split (several pages) and page 2 shows rows page 1 did not.
        expect(pageRows.length, `${locale}: pages`).toBeGreaterThan(1);
        expect(pageRows[1]!.length).toBeGreaterThan(0);
        expect(pageRows[1]!.filter((i) => pageRows[0]!.includes(i))).toEqual([]);
      }
      // The first page holds more than one message can: it is split (between rows, as checked above).
      expect(channel.render(view, { locale: 'en' }).length, 'messages on page 1').toBeGreaterThan(1);
    });

    // 5 ------------------------------------------------------------------------------------------------------------
    contractCase('a view with actions renders a card: send, click (value, user, card id), the answer and update() replace it', async () => {
      const pl = await started();
      const { channel } = pl;
      const chatId = pl.newGroupChatId();
      const to = groupAddress(pl, chatId);
      const requester = marker('req');
      const approve: ViewAction = { label: 'Approve', style: 'primary', value: { approval: '12', decision: 'approve' }, command: 'claw approve 12' };
      const reject: ViewAction = { label: 'Reject', style: 'danger', value: { approval: '12', decision: 'reject' }, command: 'claw reject 12' };
      const approval: View = {
        kind: 'detail',
        title: 'Approval 12',
        tone: 'warning',
        fields: [
          { label: 'Command', value: 'claw stop alpha' },
          { label: 'Requested by', value: requester },
        ],
        actions: [approve, reject],
      };
      const rendered = channel.render(approval, { locale: 'en' });
      const card = rendered[rendered.length - 1]!;
      expect(card.updatable, 'the message with the buttons is updatable').toBe(true);
      const sent = await channel.deliver({ kind: 'send', to, message: card, idempotencyKey: marker('contract-card-') });
      expect(sent.messageId).toMatch(/\S/);
      expect(pl.messagesIn(to).map((m) => m.messageId)).toContain(sent.messageId);
      expect(pl.cardText(sent.messageId)).toContain(requester);

      // The click answers with the decided approval (no buttons): it replaces the card.
      const decidedMarker = marker('decided');
      handlers.clickAnswer = channel.render({ kind: 'message', tone: 'danger', text: `Rejected ${decidedMarker}` }, { locale: 'en' })[0];
      const clicker = pl.newUserId();
      const click = await pl.pushCardClick({ messageId: sent.messageId, userId: clicker, value: reject.value });
      expect(click.acked).toBe(true);
      expect(click.latencyMs).toBeLessThanOrEqual(driver.ackDeadlineMs);
      expect(handlers.clicks).toHaveLength(1);
      const c = handlers.clicks[0]!;
      expect(c.value).toEqual({ approval: '12', decision: 'reject' });
      expect(Object.values(c.value).every((v) => typeof v === 'string')).toBe(true);
      expect(c).toMatchObject({ platform: driver.platform, messageId: sent.messageId, user: { userId: clicker } });
      expect(c.chat).toMatchObject({ platform: driver.platform, chatId, chatType: 'group' });
      expect(c.eventId).toMatch(/\S/);
      const afterClick = await waitUntil(() => {
        const t = pl.cardText(sent.messageId);
        return t?.includes(decidedMarker) ? t : undefined;
      }, 'the click answer on the card');
      expect(afterClick).not.toContain(requester);

      // update() replaces it again, in place.
      const updatedMarker = marker('updated');
      const update = channel.render({ kind: 'message', tone: 'info', text: `Reopened ${updatedMarker}` }, { locale: 'en' })[0]!;
      const updated = await channel.deliver({ kind: 'update', to, messageId: sent.messageId, message: update });
      expect(updated.messageId).toBe(sent.messageId);
      const afterUpdate = pl.cardText(sent.messageId);
      expect(afterUpdate).toContain(updatedMarker);
      expect(afterUpdate).not.toContain(decidedMarker);
    });

    // 6 ------------------------------------------------------------------------------------------------------------
    contractCase('deliver to a direct chat (chatId empty, userId set) reaches that user', async () => {
      const pl = await started();
      const userId = pl.newUserId();
      const other = pl.newUserId();
      const to: ChatAddress = { platform: driver.platform, orgId: pl.orgId, chatId: '', chatType: 'direct', userId };
      const text = marker('direct');
      const message = pl.channel.render({ kind: 'message', text: `Your token is ready ${text}` }, { locale: 'en' })[0]!;
      const result = await pl.channel.deliver({ kind: 'send', to, message, idempotencyKey: marker('contract-direct-') });
      expect(typeof result.messageId).toBe('string');
      expect(pl.messagesIn(to).filter((m) => m.text.includes(text))).toHaveLength(1);
      expect(pl.messagesIn({ ...to, userId: other }).filter((m) => m.text.includes(text))).toEqual([]);
    });

    // 7 ------------------------------------------------------------------------------------------------------------
    contractCase('limits: a per-chat rate above zero and a usable message size', async () => {
      const { channel } = platform();
      expect(channel.platform).toBe(driver.platform);
      expect(channel.limits.perChat.perSecond).toBeGreaterThan(0);
      expect(channel.limits.perChat.burst).toBeGreaterThanOrEqual(1);
      if (channel.limits.perBot) {
        expect(channel.limits.perBot.perSecond).toBeGreaterThan(0);
        expect(channel.limits.perBot.burst).toBeGreaterThanOrEqual(1);
      }
      expect(channel.maxMessageBytes).toBeGreaterThan(1000);
    });

    // 8 ------------------------------------------------------------------------------------------------------------
    contractCase('delivery errors: rate limits are retryable and rateLimited, a 500 retryable only', async () => {
      const pl = await started();
      const to = groupAddress(pl, pl.newGroupChatId());
      const send = (text: string): Promise<unknown> =>
        pl.channel.deliver({ kind: 'send', to, message: pl.channel.render({ kind: 'message', text }, { locale: 'en' })[0]!, idempotencyKey: marker('contract-fault-') });
      const failure = async (fault: SendFault): Promise<DeliveryError> => {
        pl.failNextSend(fault);
        const err = await send(`fault ${fault}`).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err, `${fault}: a DeliveryError`).toBeInstanceOf(DeliveryError);
        return err as DeliveryError;
      };
      for (const fault of ['http-429', 'platform-rate-limit'] as const) {
        const e = await failure(fault);
        expect({ fault, retryable: e.retryable, rateLimited: e.rateLimited }).toEqual({ fault, retryable: true, rateLimited: true });
        if (e.retryAfterMs !== undefined) expect(e.retryAfterMs).toBeGreaterThanOrEqual(0);
      }
      const e500 = await failure('http-500');
      expect({ retryable: e500.retryable, rateLimited: e500.rateLimited }).toEqual({ retryable: true, rateLimited: false });

      // The faults were one-offs: the next send goes through and is recorded in the chat.
      const text = marker('after');
      await send(`fine ${text}`);
      expect(pl.messagesIn(to).filter((m) => m.text.includes(text))).toHaveLength(1);
    });
  });
}
