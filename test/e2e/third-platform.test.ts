// A third chat platform, end to end: the loopback platform (test/channels/loopback/, one folder) joins the built-in ones
// with one line, and a real control plane then offers its account flag, runs its people's commands and guards its webhook.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_IN_PLATFORMS } from '../../src/channels/platforms.js';
import { loadSettings } from '../../src/config/settings.js';
import { LoopbackEmulator, type LoopbackMessage } from '../channels/loopback/loopback-emulator.js';
import { TOKEN_HEADER } from '../channels/loopback/loopback-protocol.js';
import { loopbackPlatform, type LoopbackSettings } from '../channels/loopback/platform.js';
import { startTestControlPlane, type TestControlPlane } from '../support/test-control-plane.js';
import { inboundCount, outboxDrained } from './chat-harness.js';

/** The one registry line: what src/channels/platforms.ts would say if loopback were built in. */
const PLATFORMS = [...BUILT_IN_PLATFORMS, loopbackPlatform];

const group = 'grp-ops';
let emu: LoopbackEmulator;
let t: TestControlPlane;
let webhook: string;

/** Says `text` in the group, @mentioning the bot, and returns the bot's reply to it as text. */
async function say(userId: string, text: string): Promise<string> {
  const ack = await emu.pushMessage({ chatKind: 'group', chatId: group, userId, text, mentionBot: true });
  expect(ack.acked).toBe(true);
  const reply = await emu.waitFor(() => emu.messages.find((m) => m.replyTo === ack.messageId), 15_000, `the reply to "${text}"`);
  return textOf(reply);
}

const textOf = (m: LoopbackMessage): string => m.content.text;

beforeAll(async () => {
  emu = new LoopbackEmulator();
  await emu.start();
  // Its settings come through the real loader, as `npm start` reads every platform's: environment first, then claw.yaml.
  const loaded = loadSettings({ env: { CLAW_LOOPBACK_URL: emu.url, CLAW_LOOPBACK_TOKEN: emu.token }, platforms: PLATFORMS });
  expect(loaded.channels).toEqual({ loopback: { url: emu.url, token: emu.token } satisfies LoopbackSettings });
  t = await startTestControlPlane({ platforms: PLATFORMS, settings: { chatLocale: 'en', requireMention: true, channels: loaded.channels } });
  webhook = `${t.url}/webhooks/loopback`;
  emu.webhookUrl = webhook;
});

afterAll(async () => {
  await t?.close();
  await emu?.stop();
});

describe('a third chat platform (loopback), added by one folder and one registry line', () => {
  it('runs as a channel: /readyz reports it connected in webhook mode', async () => {
    const ready = (await (await fetch(`${t.url}/readyz`)).json()) as { channels: Record<string, { mode: string; connected: boolean }> };
    expect(ready.channels.loopback).toMatchObject({ mode: 'webhook', connected: true });
  });

  it('`claw help member add` lists --loopback USER_ID next to the built-in platforms\' flags', async () => {
    const help = await t.command(t.adminToken, 'claw help member add');
    expect(help.body.ok).toBe(true);
    expect(help.body.text).toContain('--loopback USER_ID');
    expect(help.body.text).toContain('--feishu OPEN_ID');
    expect(help.body.text).toContain('--dingtalk STAFF_ID');
  });

  it('asks for an account flag of any platform when member link gets none', async () => {
    const r = await t.command(t.adminToken, 'claw member link someone --tenant default');
    expect(r.body.error?.code).toBe('invalid_argument');
    expect(r.body.text).toContain('--feishu / --dingtalk / --loopback');
    expect(r.body.text).toContain('claw member link NAME --feishu ou_3f2a9c');
  });

  it('names it among the chat apps where a chat-only command works', async () => {
    const bind = await t.command(t.adminToken, 'claw bind --tenant default');
    expect(bind.body.text).toContain('works in a Feishu, DingTalk or Loopback group chat');
    const zh = await t.command(t.adminToken, 'claw bind --tenant default', 'zh');
    expect(zh.body.text).toContain('只能在飞书、钉钉或回环群聊中使用');
  });

  it('`member add --loopback` attaches the account, and that person\'s `claw whoami` in a group is answered in the chat', async () => {
    expect((await t.command(t.adminToken, 'claw tenant create t')).body.ok).toBe(true);
    const added = await t.command(t.adminToken, 'claw member add zoe --tenant t --role operator --loopback u-zoe');
    expect(added.body.ok, added.body.text).toBe(true);

    const reply = await say('u-zoe', 'claw whoami');
    expect(reply).toContain('You are zoe');
    expect(reply).toContain('loopback:u-zoe');
    expect(emu.messagesIn(group).length).toBeGreaterThanOrEqual(1);
  });

  it('someone unknown is told how to get access, with the --loopback flag and their own id', async () => {
    const reply = await say('u-stranger', 'claw whoami');
    expect(reply).toContain('You do not have access');
    expect(reply).toContain('--loopback u-stranger');
  });

  it('refuses POST /webhooks/loopback without the token, or with a wrong one, and nothing runs', async () => {
    const stored = await inboundCount(t, 'loopback', 'message', 'new');
    const sentBefore = emu.messages.length;
    const event = JSON.stringify({
      type: 'message', eventId: 'ev-forged', orgId: emu.orgId,
      message: { messageId: 'lm-forged', chatId: group, chatKind: 'group', sender: { userId: 'u-zoe' }, text: '@Claw claw whoami', mentionsBot: true },
    });
    const refused: Array<Record<string, string>> = [{ 'content-type': 'application/json' }, { 'content-type': 'application/json', [TOKEN_HEADER]: 'not-the-token' }];
    for (const headers of refused) {
      const response = await fetch(webhook, { method: 'POST', headers, body: event });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: { code: 'LOOPBACK_WEBHOOK_BAD_TOKEN' } });
    }
    await outboxDrained(t);
    expect(await inboundCount(t, 'loopback', 'message', 'new')).toBe(stored);
    expect(emu.messages.slice(sentBefore).filter((m) => m.replyTo === 'lm-forged')).toEqual([]);
  });
});
