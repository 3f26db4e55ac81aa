// Pacing: the outbox keeps within the chat platforms' send limits on its own, so Feishu and DingTalk never have to
// refuse a message for speed. Real channels, real emulators with their limits switched on, SQLite and MariaDB.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChatAddress } from '../../../src/channels/chat-channel.js';
import { OutboxMessageEntity } from '../../../src/store/entities/outbox-message.js';
import { FEISHU_PER_CHAT } from '../../../src/channels/feishu/rate-limits.js';
import { DingTalkEmulator } from '../../emulators/dingtalk-emulator.js';
import { FeishuEmulator } from '../../emulators/feishu-emulator.js';
import { newChatId } from '../../emulators/feishu-protocol.js';
import { databaseKinds } from '../../support/databases.js';
import {
  card, dingTalkChannel, feishuChannel, feishuChat, feishuGroup, markers, messagesIn, newOutbox, openOutboxDatabase, rows, settled, sleep,
  startWorker, stopAllWorkers, until,
} from './outbox-kit.js';
import type { OutboxDatabase } from './outbox-kit.js';

const dingTalkGroup = (chatId: string): ChatAddress => ({ platform: 'dingtalk', orgId: 'corp-1', chatId, chatType: 'group' });

/** Most arrivals within any window of `ms` (a sliding window, as the platforms count). */
function busiestWindow(times: number[], ms: number): number {
  let most = 0;
  for (let i = 0; i < times.length; i++) most = Math.max(most, times.filter((t) => t >= times[i]! && t - times[i]! < ms).length);
  return most;
}

describe.each(databaseKinds())('outbox pacing on %s', (kind) => {
  let odb: OutboxDatabase;
  const stops: Array<() => Promise<void>> = [];
  const db = () => odb.store.dataSource;

  beforeAll(async () => {
    odb = await openOutboxDatabase(kind);
  });
  afterAll(async () => {
    await odb?.close();
  });
  afterEach(async () => {
    stopAllWorkers();
    await sleep(50);
    for (const stop of stops.splice(0)) await stop();
    await db().getRepository(OutboxMessageEntity).createQueryBuilder().delete().execute();
  });

  /** 40 cards into one chat at once, delivered through the real Feishu channel as it declares its limits. */
  async function burstOf40(chatRateLimit: { perSecond: number }) {
    const emu = new FeishuEmulator({ chatRateLimit });
    await emu.start();
    stops.push(() => emu.stop());
    const channel = feishuChannel(emu);
    const outbox = newOutbox(odb.store, odb.secrets);
    const a = newChatId();
    const ids: number[] = [];
    for (const m of markers('Q', 40)) ids.push(await outbox.send(feishuGroup(a), card(channel, m)));
    const started = Date.now();
    const w = startWorker(db(), outbox, [channel]);
    await until(settled(db(), ids), 25_000, '40 messages delivered');
    const refused = emu.requests.filter((r) => r.path === '/open-apis/im/v1/messages' && r.status !== 200).map((r) => (r.body as { uuid: string }).uuid);
    return { emu, a, ids, w, refused, took: Date.now() - started, arrivals: messagesIn(emu, a).map((m) => m.at) };
  }

  it("a burst of 40 messages to one Feishu chat is paced as declared, within Feishu's 5 a second: not one refusal (230020), all in order", async () => {
    const r = await burstOf40({ perSecond: 5 });
    expect(feishuChat(r.emu, r.a)).toEqual(markers('Q', 40));
    expect(r.refused).toEqual([]);
    expect(r.w.retries).toEqual([]);
    expect(busiestWindow(r.arrivals, 1000)).toBeLessThanOrEqual(5);
    // `burst` at once, the rest at `perSecond`: no faster than the channel declares.
    const { burst, perSecond } = FEISHU_PER_CHAT;
    expect(r.took).toBeGreaterThanOrEqual(((40 - burst) / perSecond) * 1000 - 50);
    expect((await rows(db(), r.ids)).every((x) => x.status === 'sent' && x.attempts === 1)).toBe(true);
  });

  it('the DingTalk robot limit (20 a minute for the whole bot) holds across chats: a burst to 8 groups sends 4, the next one after 4 s', async () => {
    const emu = new DingTalkEmulator({ robotRateLimit: { perMinute: 20 } });
    await emu.start();
    stops.push(() => emu.stop());
    const channel = dingTalkChannel(emu);
    const outbox = newOutbox(odb.store, odb.secrets);
    const chats = Array.from({ length: 8 }, (_, i) => `cid-${kind}-${i}-${Date.now()}`);
    const ids: number[] = [];
    for (const [i, chat] of chats.entries()) {
      const [message] = channel.render({ kind: 'message', text: `deploy ${i} done`, tone: 'success' }, { locale: 'en' });
      ids.push(await outbox.send(dingTalkGroup(chat), message!));
    }
    const started = Date.now();
    const w = startWorker(db(), outbox, [channel]);

    // Every chat has its own budget left; the bot's does not: 4 at once, then one every 4 s (4 + 15 a minute < 20).
    await until(() => emu.groupMessages.length >= 4, 5_000, 'the first four');
    // Still four 3.5 s after the start (counted from the start, not from the fourth: on a busy machine the first four
    // can take a while, and the bot's budget refills from when the worker began).
    await sleep(Math.max(0, started + 3_500 - Date.now()));
    expect(emu.groupMessages).toHaveLength(4);
    await until(() => emu.groupMessages.length >= 5, 5_000, 'the fifth');
    expect(emu.groupMessages[4]!.at - started).toBeGreaterThanOrEqual(3_900);
    expect(emu.groupMessages.map((m) => m.openConversationId)).toEqual(chats.slice(0, 5));
    // DingTalk never had to say "too fast".
    expect(emu.requests.filter((r) => r.status !== 200)).toEqual([]);
    expect(w.retries).toEqual([]);
    // A row is marked sent just after DingTalk saw it; the ones not yet sent wait their turn, none given up.
    const statuses = await until(async () => {
      const all = await rows(db(), ids);
      return all.filter((r) => r.status === 'sent').length === emu.groupMessages.length && all.map((r) => r.status);
    }, 2_000, 'the sent rows marked sent');
    expect(statuses.filter((s) => s === 'pending')).toHaveLength(8 - emu.groupMessages.length);
    expect(emu.groupMessages.length).toBeLessThan(8);
  });
});
