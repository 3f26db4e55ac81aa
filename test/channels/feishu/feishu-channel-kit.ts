// Test kit for the Feishu channel: an emulator, a channel pointed at it, recording handlers, a webhook server, a log
// sink and a console watch. The real @larksuiteoapi/node-sdk talks to the emulator over 127.0.0.1 throughout.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { vi } from 'vitest';
import type { CardClick, InboundMessage, RenderedMessage } from '../../../src/channels/chat-channel.js';
import { createFeishuChannel } from '../../../src/channels/feishu/index.js';
import type { FeishuChannel, FeishuChannelOptions } from '../../../src/channels/feishu/index.js';
import type { Logger } from '../../../src/util/logger.js';
import { FeishuEmulator } from '../../emulators/feishu-emulator.js';
import type { FeishuAck, FeishuEmulatorOptions } from '../../emulators/feishu-emulator.js';

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: object;
  msg: string;
}

/** Everything about a value as a person reading a log would see it: nested objects, errors and their stacks included. */
export function show(value: unknown): string {
  return typeof value === 'string' ? value : inspect(value, { depth: 12, breakLength: Infinity, maxArrayLength: Infinity, maxStringLength: Infinity });
}

export function captureLogger(): Logger & { lines: LogLine[]; text(): string } {
  const lines: LogLine[] = [];
  const at = (level: LogLine['level']) => (obj: object, msg?: string) => {
    lines.push({ level, obj, msg: msg ?? '' });
  };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), text: () => lines.map((l) => `${l.level} ${show(l.obj)} ${l.msg}`).join('\n') };
}

export interface Harness {
  emu: FeishuEmulator;
  channel: FeishuChannel;
  logger: ReturnType<typeof captureLogger>;
  received: InboundMessage[];
  clicks: CardClick[];
  abort: AbortController;
  /** Webhook mode: the URL the emulator's driver posts to. */
  webhookUrl?: string;
}

export interface HarnessOptions {
  /** Options for a new emulator, or a running one to share (it is then stopped by whoever started it). */
  emulator?: FeishuEmulatorOptions | FeishuEmulator;
  channel?: Partial<FeishuChannelOptions>;
  /** What onMessage does after recording the message; may throw synchronously (passed through as is). */
  onMessage?: (m: InboundMessage) => Promise<void>;
  /** What onCardClick answers after recording the click; may throw synchronously (passed through as is). */
  onCardClick?: (c: CardClick) => Promise<RenderedMessage | undefined>;
  /** Start the channel (default true). */
  start?: boolean;
}

const cleanups: Array<() => Promise<void>> = [];

/** Runs in afterEach: stops channels (abort), webhook servers, emulators and console watches, newest first. */
export async function cleanupHarnesses(): Promise<void> {
  for (const c of cleanups.splice(0).reverse()) await c();
}

async function webhookServer(channel: FeishuChannel): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const handle = channel.handleWebhook;
      if (!handle) {
        res.writeHead(404).end();
        return;
      }
      handle({ headers: req.headers, rawBody: Buffer.concat(chunks).toString('utf8') }).then(
        (answer) => {
          res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(answer.body));
        },
        (err: unknown) => {
          // A rejection is a channel bug: a 599 the tests can never mistake for a verdict.
          res.writeHead(599, { 'content-type': 'text/plain' }).end(String(err));
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook/feishu`, server };
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  let emu: FeishuEmulator;
  if (opts.emulator instanceof FeishuEmulator) {
    emu = opts.emulator;
  } else {
    const own = new FeishuEmulator(opts.emulator);
    await own.start();
    cleanups.push(() => own.stop());
    emu = own;
  }
  const logger = captureLogger();
  const channel = createFeishuChannel({
    appId: emu.appId,
    appSecret: emu.appSecret,
    domain: emu.url,
    mode: 'websocket',
    // The emulator's envelopes carry its own verification token.
    verificationToken: emu.verificationToken,
    logger,
    ...opts.channel,
  });
  const received: InboundMessage[] = [];
  const clicks: CardClick[] = [];
  const abort = new AbortController();
  cleanups.push(async () => {
    abort.abort();
  });
  const h: Harness = { emu, channel, logger, received, clicks, abort };
  if (channel.handleWebhook) {
    const { url, server } = await webhookServer(channel);
    h.webhookUrl = url;
    cleanups.push(() => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    });
  }
  if (opts.start !== false) {
    // Not async: a handler that throws synchronously must reach the channel as a throw, not as a rejection.
    await channel.start(
      {
        onMessage: (m) => {
          received.push(m);
          emu.emit('change');
          return opts.onMessage ? opts.onMessage(m) : Promise.resolve();
        },
        onCardClick: (c) => {
          clicks.push(c);
          emu.emit('change');
          return opts.onCardClick ? opts.onCardClick(c) : Promise.resolve(undefined);
        },
      },
      abort.signal,
    );
  }
  return h;
}

/** Resolves when the channel reports a connected long connection. */
export function waitConnected(h: Harness, timeoutMs = 5000): Promise<true> {
  return h.emu.waitFor(() => h.channel.status().connected || undefined, timeoutMs, 'channel connected');
}

export const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;

export interface ConsoleCall {
  method: (typeof CONSOLE_METHODS)[number];
  args: unknown[];
}

/** Records (and silences) every console call until cleanup: the SDK falls back to console where it has no logger. */
export function watchConsole(): ConsoleCall[] {
  const calls: ConsoleCall[] = [];
  const spies = CONSOLE_METHODS.map((method) =>
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      calls.push({ method, args });
    }),
  );
  cleanups.push(async () => {
    for (const s of spies) s.mockRestore();
  });
  return calls;
}

/** Never settles: a handler stuck on a slow database. */
export const forever = (): Promise<never> => new Promise<never>(() => undefined);

/** A callback button of a card (JSON 2.0, as the channel renders it): its label and the value a click sends back. */
export interface CardButton {
  label: string;
  value: Record<string, unknown>;
}

/** Every callback button anywhere in a card, in document order. */
export function cardButtons(card: unknown): CardButton[] {
  const out: CardButton[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const n of node) visit(n);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const el = node as { tag?: unknown; text?: { content?: unknown }; behaviors?: Array<{ type?: unknown; value?: unknown }> };
    if (el.tag === 'button') {
      const callback = el.behaviors?.find((b) => b.type === 'callback');
      if (callback && typeof callback.value === 'object' && callback.value !== null) {
        out.push({ label: typeof el.text?.content === 'string' ? el.text.content : '', value: callback.value as Record<string, unknown> });
      }
    }
    for (const v of Object.values(node)) visit(v);
  };
  visit(card);
  return out;
}

/** A card a click answer put in place of the clicked one, and when: after `patchesBefore` entries of `emu.patches`. */
export interface ClickAnswerCard {
  messageId: string;
  card: unknown;
  patchesBefore: number;
}

/** The card in a card.action.trigger answer (`{card: {type: 'raw', data}}`; Feishu replaces the card with it), if any. */
export function clickAnswerCard(emu: FeishuEmulator, messageId: string, ack: FeishuAck): ClickAnswerCard | undefined {
  const answer = ack.data as { card?: { type?: unknown; data?: unknown } } | undefined;
  if (answer?.card?.type !== 'raw' || answer.card.data === undefined) return undefined;
  return { messageId, card: answer.card.data, patchesBefore: emu.patches.length };
}

/**
 * A card as Feishu shows it now: the content sent, then patches and click answers in the order they happened (the
 * emulator records patches; click answers travel in the ack, so the caller collects them with clickAnswerCard).
 */
export function currentCard(emu: FeishuEmulator, messageId: string, answers: ClickAnswerCard[] = []): unknown {
  const sent = emu.messages.find((m) => m.messageId === messageId);
  if (!sent) return undefined;
  const changes: Array<{ at: number; card: unknown }> = [];
  emu.patches.forEach((p, i) => {
    if (p.messageId === messageId) changes.push({ at: i, card: p.content });
  });
  // An answer recorded when n patches existed came after patch n-1 and before patch n.
  for (const a of answers) if (a.messageId === messageId) changes.push({ at: a.patchesBefore - 0.5, card: a.card });
  changes.sort((x, y) => x.at - y.at);
  return changes.length ? changes[changes.length - 1]!.card : sent.content;
}
