// Test kit for the outbox: a real database (SQLite or MariaDB), the real Feishu/DingTalk channels against their
// loopback emulators, and an OutboxWorker whose hooks and log lines are recorded. Nothing is mocked.
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { ChatAddress, ChatChannel, Platform, RenderedMessage } from '../../../src/channels/chat-channel.js';
import { createDingTalkChannel } from '../../../src/channels/dingtalk/index.js';
import type { DingTalkChannel } from '../../../src/channels/dingtalk/index.js';
import { createFeishuChannel } from '../../../src/channels/feishu/index.js';
import type { FeishuChannel } from '../../../src/channels/feishu/index.js';
import { Outbox } from '../../../src/channels/outbox/outbox.js';
import { OutboxWorker } from '../../../src/channels/outbox/outbox-worker.js';
import type { OutboxWorkerOptions } from '../../../src/channels/outbox/outbox-worker.js';
import { openStore } from '../../../src/store/data-source.js';
import type { Store } from '../../../src/store/data-source.js';
import { OutboxMessageEntity } from '../../../src/store/entities/outbox-message.js';
import type { OutboxMessage } from '../../../src/store/entities/outbox-message.js';
import { SecretBox } from '../../../src/store/secret-box.js';
import type { DingTalkEmulator } from '../../emulators/dingtalk-emulator.js';
import type { FeishuEmulator, FeishuSentMessage } from '../../emulators/feishu-emulator.js';
import { createTestDatabase } from '../../support/databases.js';
import type { TestDatabase, TestDatabaseKind } from '../../support/databases.js';
import type { Logger } from '../../../src/util/logger.js';

process.env.NO_PROXY = '127.0.0.1,localhost';

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: object;
  msg: string | undefined;
}

export function recordingLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: LogLine['level']) => (obj: object, msg?: string): void => {
    lines.push({ level, obj, msg });
  };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** A database with migrations applied, and one key for the whole test database (as one deployment has). */
export interface OutboxDatabase {
  test: TestDatabase;
  store: Store;
  secrets: SecretBox;
  /** Opens the same database again, as a restarted process would (same key). */
  reopen(): Promise<Store>;
  close(): Promise<void>;
}

export async function openOutboxDatabase(kind: TestDatabaseKind): Promise<OutboxDatabase> {
  const test = await createTestDatabase(kind);
  const stores: Store[] = [];
  const open = async (): Promise<Store> => {
    const store = await openStore(test.settings);
    stores.push(store);
    return store;
  };
  const store = await open();
  const secrets = SecretBox.fromText(randomBytes(32).toString('hex'), 'test key');
  return {
    test,
    store,
    secrets,
    reopen: open,
    async close() {
      for (const s of stores) await s.close().catch(() => undefined);
      await test.drop();
    },
  };
}

export function feishuChannel(emu: FeishuEmulator): FeishuChannel {
  // Delivering needs no started channel: the outbox sends whatever the receiving side is doing.
  return createFeishuChannel({ appId: emu.appId, appSecret: emu.appSecret, domain: emu.url, logger: recordingLogger(), requestTimeoutMs: 3_000 });
}

export function dingTalkChannel(emu: DingTalkEmulator): DingTalkChannel {
  return createDingTalkChannel({
    clientId: emu.clientId, clientSecret: emu.clientSecret, gatewayUrl: emu.gatewayUrl, apiUrl: emu.url, robotCode: emu.robotCode,
    logger: recordingLogger(), requestTimeoutMs: 3_000,
  });
}

export const feishuGroup = (chatId: string): ChatAddress => ({ platform: 'feishu', orgId: 'tenant-1', chatId, chatType: 'group' });

/** A Feishu card as the product renders it, carrying a marker the tests read back from what Feishu received. */
export function card(channel: ChatChannel, marker: string): RenderedMessage {
  const [message] = channel.render({ kind: 'message', text: `claw update mark=${marker}`, tone: 'success' }, { locale: 'en' });
  if (!message) throw new Error('render produced no message');
  return message;
}

/** A plain Feishu text message (not updatable in place). */
export const feishuText = (marker: string): RenderedMessage => ({ type: 'text', content: JSON.stringify({ text: `claw says mark=${marker}` }), updatable: false });

/** The marker (`A-07`, `v3`, …) inside what Feishu received, card or text. */
export function markerOf(raw: string): string {
  const m = /mark=([A-Za-z0-9-]+)/.exec(raw);
  if (!m?.[1]) throw new Error(`no marker in ${raw.slice(0, 200)}`);
  return m[1];
}

/** Markers of the messages Feishu shows in one chat, in the order they were posted. */
export function feishuChat(emu: FeishuEmulator, chatId: string): string[] {
  return emu.messages.filter((m) => m.chatId === chatId).map((m) => markerOf(m.rawContent));
}

export function messagesIn(emu: FeishuEmulator, chatId: string): FeishuSentMessage[] {
  return emu.messages.filter((m) => m.chatId === chatId);
}

export const markers = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}-${String(i + 1).padStart(2, '0')}`);

export interface RunningWorker {
  worker: OutboxWorker;
  abort: AbortController;
  logger: ReturnType<typeof recordingLogger>;
  failed: Array<{ row: OutboxMessage; error: string }>;
  retries: Array<{ row: OutboxMessage; rateLimited: boolean; at: number }>;
  delivered: OutboxMessage[];
  stop(): void;
}

/** Test timing: a fast poll and fast backoffs, so waiting for a state never takes seconds for nothing. */
export const FAST: Partial<OutboxWorkerOptions> = { pollMs: 50, backoff: { initialMs: 50, maxMs: 800 }, rateLimitedMinWaitMs: 50 };

const running: RunningWorker[] = [];

export function startWorker(
  db: DataSource,
  outbox: Outbox,
  channels: ReadonlyArray<ChatChannel>,
  options: Partial<OutboxWorkerOptions> = {},
): RunningWorker {
  const logger = recordingLogger();
  const failed: RunningWorker['failed'] = [];
  const retries: RunningWorker['retries'] = [];
  const delivered: OutboxMessage[] = [];
  const worker = new OutboxWorker({
    db,
    outbox,
    channels: new Map<Platform, ChatChannel>(channels.map((c) => [c.platform, c])),
    logger,
    onFailed: async (row, error) => {
      failed.push({ row, error });
    },
    onRetry: (row, rateLimited) => retries.push({ row, rateLimited, at: Date.now() }),
    onDelivered: (row) => delivered.push(row),
    ...FAST,
    ...options,
  });
  const abort = new AbortController();
  worker.start(abort.signal);
  const r: RunningWorker = { worker, abort, logger, failed, retries, delivered, stop: () => abort.abort() };
  running.push(r);
  return r;
}

export function stopAllWorkers(): void {
  for (const r of running.splice(0)) r.stop();
}

export const newOutbox = (store: Store, secrets: SecretBox): Outbox => new Outbox(store.dataSource, secrets);

export async function rows(db: DataSource, ids?: number[]): Promise<OutboxMessage[]> {
  const all = await db.getRepository(OutboxMessageEntity).find({ order: { id: 'ASC' } });
  return ids ? all.filter((r) => ids.includes(r.id)) : all;
}

export async function row(db: DataSource, id: number): Promise<OutboxMessage> {
  return db.getRepository(OutboxMessageEntity).findOneByOrFail({ id });
}

/** Resolves once `predicate` holds, checking every 20 ms; fails with `what` after `timeoutMs`. */
export async function until<T>(predicate: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await predicate();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Every outbox row of these ids has left 'pending'. */
export function settled(db: DataSource, ids: number[]): () => Promise<boolean> {
  return async () => (await rows(db, ids)).every((r) => r.status !== 'pending');
}
