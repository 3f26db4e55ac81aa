// Shared set-up for the DingTalk channel suites: emulator, channel, recording handlers, silenced SDK console, cleanup.
import { afterEach, beforeEach, vi } from 'vitest';
import type { MockInstance } from 'vitest';
import type { CardClick, ChannelHandlers, ChatAddress, InboundMessage, RenderedMessage } from '../../../src/channels/chat-channel.js';
import { createDingTalkChannel } from '../../../src/channels/dingtalk/index.js';
import type { DingTalkChannel, DingTalkChannelOptions } from '../../../src/channels/dingtalk/index.js';
import type { Logger } from '../../../src/util/logger.js';
import { DingTalkEmulator } from '../../emulators/dingtalk-emulator.js';
import type { DingTalkEmulatorOptions, DtCard } from '../../emulators/dingtalk-emulator.js';

process.env.NO_PROXY = '127.0.0.1,localhost';

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string | undefined;
  obj: object;
}

export interface RecordingLogger extends Logger {
  lines: LogLine[];
}

export function recordingLogger(): RecordingLogger {
  const lines: LogLine[] = [];
  const at = (level: LogLine['level']) => (obj: object, msg?: string): void => {
    lines.push({ level, msg, obj });
  };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Handlers that record what arrives; behaviour per message text is adjustable. */
export class RecordingHandlers implements ChannelHandlers {
  readonly messages: InboundMessage[] = [];
  readonly clicks: CardClick[] = [];
  /** Delay before onMessage resolves. */
  delayMs = 0;
  /** What onCardClick answers. */
  clickAnswer: RenderedMessage | undefined;
  /** Delay before onCardClick answers. */
  clickDelayMs = 0;

  onMessage(message: InboundMessage): Promise<void> {
    this.messages.push(message);
    const text = message.text.trim();
    // A handler that breaks the contract both ways: a synchronous throw and a rejection.
    if (text === 'boom-sync') throw new Error('handler threw');
    if (text === 'boom-async') return Promise.reject(new Error('handler rejected'));
    if (this.delayMs > 0) return new Promise((resolve) => setTimeout(resolve, this.delayMs));
    return Promise.resolve();
  }

  onCardClick(click: CardClick): Promise<RenderedMessage | undefined> {
    this.clicks.push(click);
    const answer = this.clickAnswer;
    if (this.clickDelayMs > 0) return new Promise((resolve) => setTimeout(() => resolve(answer), this.clickDelayMs));
    return Promise.resolve(answer);
  }
}

export interface Harness {
  emulator(opts?: DingTalkEmulatorOptions): Promise<DingTalkEmulator>;
  channel(emu: DingTalkEmulator, opts?: Partial<DingTalkChannelOptions>): { channel: DingTalkChannel; logger: RecordingLogger };
  /** Starts the channel and registers its abort for cleanup; `signal` aborts it early. */
  start(channel: DingTalkChannel, handlers?: ChannelHandlers): Promise<{ handlers: ChannelHandlers; abort: AbortController }>;
  console: Record<'info' | 'warn' | 'error' | 'log', MockInstance>;
}

/** Registers beforeEach/afterEach hooks and returns the factory; every channel is stopped and every emulator closed. */
export function useDingTalkHarness(): Harness {
  const emulators: DingTalkEmulator[] = [];
  const running: Array<{ channel: DingTalkChannel; abort: AbortController }> = [];
  const spies = {} as Harness['console'];

  beforeEach(() => {
    // The SDK prints "connect success" and socket errors straight to the console; keep test output clean.
    for (const m of ['info', 'warn', 'error', 'log'] as const) spies[m] = vi.spyOn(console, m).mockImplementation(() => undefined);
  });

  afterEach(async () => {
    for (const { channel, abort } of running.splice(0)) {
      abort.abort();
      await channel.stopped();
    }
    for (const e of emulators.splice(0)) await e.stop();
    for (const s of Object.values(spies)) s.mockRestore();
  });

  return {
    console: spies,
    async emulator(opts = {}) {
      const emu = new DingTalkEmulator(opts);
      await emu.start();
      emulators.push(emu);
      return emu;
    },
    channel(emu, opts = {}) {
      const logger = recordingLogger();
      const channel = createDingTalkChannel({
        clientId: emu.clientId,
        clientSecret: emu.clientSecret,
        gatewayUrl: emu.gatewayUrl,
        apiUrl: emu.url,
        robotCode: emu.robotCode,
        logger,
        reconnect: { initialMs: 50, maxMs: 400 },
        connectTimeoutMs: 2_000,
        ...opts,
      });
      return { channel, logger };
    },
    async start(channel, handlers = new RecordingHandlers()) {
      const abort = new AbortController();
      running.push({ channel, abort });
      await channel.start(handlers, abort.signal);
      return { handlers, abort };
    },
  };
}

export const alice = { staffId: 'staff-alice', nick: 'Alice' };
/** A group and alice's 1:1 chat in the emulator's organisation. */
export const group: ChatAddress = { platform: 'dingtalk', orgId: 'corp', chatId: 'cidGroup1', chatType: 'group' };
export const direct: ChatAddress = { platform: 'dingtalk', orgId: 'corp', chatId: 'cidDirect1', chatType: 'direct', userId: 'staff-alice' };

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A button of an interactive card as the emulator holds it (`cardParamMap.buttons`, a JSON array). */
export interface CardButton {
  id: string;
  text: string;
  params: Record<string, unknown>;
}

/** The buttons on a card now; none when `buttons` is missing or unreadable. */
export function cardButtons(card: DtCard): CardButton[] {
  const raw = card.cardParamMap.buttons;
  if (typeof raw !== 'string') return [];
  try {
    const parsed = JSON.parse(raw) as unknown;
    return Array.isArray(parsed) ? (parsed as CardButton[]) : [];
  } catch {
    return [];
  }
}

/** A channel that is never started: for render() alone (its endpoints point nowhere). */
export function offlineChannel(cardTemplateId?: string): DingTalkChannel {
  return createDingTalkChannel({
    clientId: 'dingtest',
    clientSecret: 'secret',
    gatewayUrl: 'http://127.0.0.1:9/v1.0/gateway/connections/open',
    apiUrl: 'http://127.0.0.1:9',
    robotCode: 'dingtest',
    logger: recordingLogger(),
    ...(cardTemplateId ? { cardTemplateId } : {}),
  });
}
