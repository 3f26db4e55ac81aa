// End-to-end chat harness: a control plane whose Feishu and DingTalk channels (the real SDKs) talk to the loopback
// emulators, plus helpers to type as a person and read what the bot answered.
import type { Platform } from '../../src/channels/chat-channel.js';
import type { DingTalkSettings } from '../../src/channels/dingtalk/platform.js';
import type { FeishuSettings } from '../../src/channels/feishu/platform.js';
import type { Settings } from '../../src/config/settings.js';
import type { Locale } from '../../src/i18n/locale.js';
import { InboundEventEntity, type InboundEvent } from '../../src/store/entities/inbound-event.js';
import { OutboxMessageEntity } from '../../src/store/entities/outbox-message.js';
import { DingTalkEmulator } from '../emulators/dingtalk-emulator.js';
import { FeishuEmulator, type FeishuSentMessage } from '../emulators/feishu-emulator.js';
import { startTestControlPlane, type CommandAnswer, type TestControlPlane, type TestControlPlaneOptions } from '../support/test-control-plane.js';

export interface ChatHarnessOptions {
  feishu?: { mode?: 'websocket' | 'webhook' };
  dingtalk?: { cardTemplateId?: string };
  locale?: Locale;
  settings?: Partial<Settings>;
  /** Claw adapters in place of the build's own (stubOpenClawAdapter runs a stand-in process, no cluster needed). */
  adapters?: TestControlPlaneOptions['adapters'];
}

export interface ChatHarness {
  t: TestControlPlane;
  feishu: FeishuEmulator | undefined;
  dingtalk: DingTalkEmulator | undefined;
  /** Runs a command as the platform admin through the API; throws on failure. */
  admin(text: string): Promise<CommandAnswer>;
  close(): Promise<void>;
}

/** Webhook mode needs both; fixed values so tests can sign requests. */
export const FEISHU_ENCRYPT_KEY = 'e2e-encrypt-key-0123456789';
export const FEISHU_VERIFICATION_TOKEN = 'e2e-verification-token';

export async function startChatHarness(o: ChatHarnessOptions): Promise<ChatHarness> {
  const feishu = o.feishu ? new FeishuEmulator({ verificationToken: FEISHU_VERIFICATION_TOKEN }) : undefined;
  // DingTalk redelivers what is not acked within about 1.5 s; the emulator gives up at twice that, so a busy machine
  // keeps a margin while an ack that waits for the command itself is still reported as missed (acked: false).
  const dingtalk = o.dingtalk ? new DingTalkEmulator({ ackTimeoutMs: 3_000 }) : undefined;
  await feishu?.start();
  await dingtalk?.start();
  const settings: Partial<Settings> = {
    chatLocale: o.locale ?? 'zh',
    requireMention: true,
    channels: {
      ...(feishu
        ? {
          feishu: {
            appId: feishu.appId, appSecret: feishu.appSecret, domain: feishu.url, mode: o.feishu?.mode ?? 'websocket',
            encryptKey: FEISHU_ENCRYPT_KEY, verificationToken: FEISHU_VERIFICATION_TOKEN,
          } satisfies FeishuSettings,
        }
        : {}),
      ...(dingtalk
        ? {
          dingtalk: {
            clientId: dingtalk.clientId, clientSecret: dingtalk.clientSecret, gatewayUrl: dingtalk.gatewayUrl, apiUrl: dingtalk.url,
            robotCode: dingtalk.robotCode, cardTemplateId: o.dingtalk?.cardTemplateId,
          } satisfies DingTalkSettings,
        }
        : {}),
    },
    ...o.settings,
  };
  const t = await startTestControlPlane({ settings, ...(o.adapters ? { adapters: o.adapters } : {}) });
  const connected = () => t.plane.engines.channels.channels().every((c) => c.connected);
  for (const deadline = Date.now() + 15_000; !connected(); ) {
    if (Date.now() > deadline) throw new Error(`channels did not connect: ${JSON.stringify(t.plane.engines.channels.channels())}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    t, feishu, dingtalk,
    async admin(text) {
      const r = await t.command(t.adminToken, text);
      if (!r.body.ok) throw new Error(`${text}: ${r.body.text}`);
      return r.body;
    },
    async close() {
      await t.close();
      await feishu?.stop();
      await dingtalk?.stop();
    },
  };
}

/** Everything a Feishu card or message says, as one searchable string (markdown escapes decoded, as Feishu shows them). */
export function feishuText(m: { content: unknown }): string {
  return JSON.stringify(m.content).replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
}

/** The reply the bot posted to a message. */
export function feishuReply(emu: FeishuEmulator, messageId: string, timeoutMs = 10_000): Promise<FeishuSentMessage> {
  return emu.waitForMessage((m) => m.replyTo === messageId, timeoutMs);
}

/** The newest content of a Feishu message: its last patch, or what was sent. */
export function feishuLatest(emu: FeishuEmulator, messageId: string): string {
  const patches = emu.patches.filter((p) => p.messageId === messageId);
  const last = patches.at(-1) ?? emu.messages.find((m) => m.messageId === messageId);
  return last ? feishuText(last) : '';
}

/** The `value` of the button labelled `label` on a Feishu card. */
export function feishuButton(m: { content: unknown }, label: string): Record<string, unknown> {
  let found: Record<string, unknown> | undefined;
  const walk = (node: unknown): void => {
    if (!node || typeof node !== 'object' || found) return;
    const n = node as Record<string, unknown>;
    if (n.tag === 'button' && JSON.stringify(n.text ?? '').includes(label)) {
      const behaviors = n.behaviors as Array<{ type: string; value: Record<string, unknown> }> | undefined;
      found = behaviors?.find((b) => b.type === 'callback')?.value ?? (n.value as Record<string, unknown> | undefined);
      return;
    }
    for (const v of Object.values(n)) walk(v);
  };
  walk(m.content);
  if (!found) throw new Error(`no button ${label} in ${feishuText(m)}`);
  return found;
}

/** Polls until `read` returns something truthy. */
export async function eventually<T>(read: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * How many chat events the control plane counted with this outcome so far (claw_chat_inbound_events_total, read from
 * /metrics): `ignored` and `duplicate` are the only trace an event not meant for the bot or a redelivery leaves.
 */
export async function inboundCount(t: TestControlPlane, platform: Platform, kind: 'message' | 'click', outcome: string): Promise<number> {
  const text = await (await fetch(`${t.url}/metrics`)).text();
  for (const line of text.split('\n')) {
    if (!line.startsWith('claw_chat_inbound_events_total{')) continue;
    const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (labels.platform === platform && labels.kind === kind && labels.outcome === outcome) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

/** The stored row of a chat event (null when it was never stored: ignored, or refused before storing). */
export function inboundRow(t: TestControlPlane, platform: Platform, eventId: string): Promise<InboundEvent | null> {
  return t.plane.store.dataSource.getRepository(InboundEventEntity).findOneBy({ platform, eventId });
}

/** Waits until the stored event has been processed to the end (`done`, `failed` or `interrupted`), and returns its row. */
export function processed(t: TestControlPlane, platform: Platform, eventId: string, timeoutMs = 15_000): Promise<InboundEvent> {
  return eventually(async () => {
    const row = await inboundRow(t, platform, eventId);
    return row && row.processedAt ? row : undefined;
  }, timeoutMs, `event ${eventId} processed`);
}

/** Waits until the outbox holds nothing pending: every reply queued so far has reached the platform (or failed). */
export async function outboxDrained(t: TestControlPlane, timeoutMs = 15_000): Promise<void> {
  const repo = t.plane.store.dataSource.getRepository(OutboxMessageEntity);
  await eventually(async () => (await repo.countBy({ status: 'pending' })) === 0, timeoutMs, 'the outbox to drain');
}
