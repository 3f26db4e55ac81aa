// Chat figures against the loopback emulators (the real SDKs): how fast an inbound event is acknowledged, how long a
// command takes from the event to its reply, and how many messages per second the outbox sends within the limits.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DingTalkSettings } from '../src/channels/dingtalk/platform.js';
import type { FeishuSettings } from '../src/channels/feishu/platform.js';
import { loadSettings } from '../src/config/settings.js';
import { createControlPlane, type ControlPlane } from '../src/control-plane.js';
import { DingTalkEmulator } from '../test/emulators/dingtalk-emulator.js';
import { FeishuEmulator } from '../test/emulators/feishu-emulator.js';
import { FEISHU_PER_BOT, FEISHU_PER_CHAT } from '../src/channels/feishu/rate-limits.js';
import { percentile } from './http-client.js';

export interface ChatBench {
  feishuAck: { p50: number; p99: number; n: number };
  dingtalkAck: { p50: number; p99: number; n: number };
  feishuRoundTrip: { p50: number; p99: number; n: number };
  outbox: { messages: number; chats: number; seconds: number; perSecond: number; limitPerSecond: number; refusals: number };
}

const ADMIN = 'claw_bench_chat_token_0123456789';

async function start(feishu: FeishuEmulator, dingtalk: DingTalkEmulator): Promise<{ plane: ControlPlane; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'claw-bench-chat-'));
  const plane = await createControlPlane({
    ...loadSettings({ env: {} }),
    host: '127.0.0.1', port: 0, dataDir, database: { kind: 'sqlite', path: join(dataDir, 'claw.db') }, adminToken: ADMIN,
    logLevel: 'silent', chatLocale: 'en',
    channels: {
      feishu: { appId: feishu.appId, appSecret: feishu.appSecret, domain: feishu.url, mode: 'websocket', encryptKey: undefined, verificationToken: undefined } satisfies FeishuSettings,
      dingtalk: { clientId: dingtalk.clientId, clientSecret: dingtalk.clientSecret, gatewayUrl: dingtalk.gatewayUrl, apiUrl: dingtalk.url, robotCode: dingtalk.robotCode, cardTemplateId: undefined } satisfies DingTalkSettings,
    },
  });
  await plane.listen();
  for (const deadline = Date.now() + 15_000; !plane.engines.channels.channels().every((c) => c.connected);) {
    if (Date.now() > deadline) throw new Error('channels did not connect');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { plane, dataDir };
}

const stats = (values: number[]) => ({ p50: percentile(values, 50), p99: percentile(values, 99), n: values.length });

async function idle(plane: ControlPlane): Promise<void> {
  while ((await plane.engines.channels.outbox()).pending > 0) await new Promise((resolve) => setTimeout(resolve, 20));
}

export async function chatBench(events = 300): Promise<ChatBench> {
  // Feishu's real per-chat limit on, so the outbox figure shows it is respected (refusals must stay 0).
  const feishu = new FeishuEmulator({ chatRateLimit: { perSecond: 5 } });
  const dingtalk = new DingTalkEmulator();
  await feishu.start();
  await dingtalk.start();
  const { plane, dataDir } = await start(feishu, dingtalk);
  try {
    const member = await plane.dispatcher.dispatch({
      requestId: 'bench', channel: 'api', locale: 'en', principal: (await plane.identity.fromToken(ADMIN))!,
      text: 'claw member add bench --platform --role platform-admin --feishu ou_bench0000000000001 --dingtalk staff-bench',
    });
    if (!member.ok) throw new Error(member.error.message);

    // Ack latency: many chats, so replies are not held back by the per-chat limit while acks are measured.
    const feishuAcks: number[] = [];
    const roundTrips: number[] = [];
    for (let i = 0; i < events; i++) {
      const sent = Date.now();
      const ack = await feishu.pushMessage({ chatId: `oc_bench${String(i % 50).padStart(12, '0')}`, chatType: 'group', sender: { openId: 'ou_bench0000000000001' }, text: 'claw whoami' });
      feishuAcks.push(ack.latencyMs);
      if (i % 10 === 0) {
        await feishu.waitForMessage((m) => m.replyTo === ack.messageId, 30_000);
        roundTrips.push(Date.now() - sent);
      }
    }
    const dingtalkAcks: number[] = [];
    for (let i = 0; i < events; i++) {
      // Messages the bot ignores (no @mention): the ack path is measured without 20-a-minute replies piling up.
      const ack = await dingtalk.pushRobotMessage({ conversationId: `cidbench${i % 50}`, conversationType: '2', sender: { staffId: 'staff-bench', nick: 'bench' }, text: 'claw whoami', atBot: false });
      dingtalkAcks.push(ack.latencyMs);
    }
    await idle(plane);

    // Outbox throughput: 20 chats x 15 messages, limited by Feishu's 5 per second per chat.
    const chats = 20;
    const perChat = 15;
    const before = feishu.requests.filter((r) => r.status === 400).length;
    const started = Date.now();
    for (let i = 0; i < chats * perChat; i++) {
      await plane.chat.replies.send({ platform: 'feishu', orgId: feishu.identity.tenantKey, chatId: `oc_out${String(i % chats).padStart(13, '0')}`, chatType: 'group' }, { kind: 'message', text: `message ${i}` }, { locale: 'en' });
    }
    await idle(plane);
    const seconds = (Date.now() - started) / 1000;
    const limit = Math.min(chats * FEISHU_PER_CHAT.perSecond, FEISHU_PER_BOT.perSecond);
    return {
      feishuAck: stats(feishuAcks), dingtalkAck: stats(dingtalkAcks), feishuRoundTrip: stats(roundTrips),
      outbox: {
        messages: chats * perChat, chats, seconds, perSecond: (chats * perChat) / seconds, limitPerSecond: limit,
        refusals: feishu.requests.filter((r) => r.status === 400).length - before,
      },
    };
  } finally {
    await plane.close();
    await feishu.stop();
    await dingtalk.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
