// Chat identities end to end, on both emulators at once: admins attach accounts to members; a person joins their
// Feishu and DingTalk accounts with a one-time code; chat-only commands refuse other channels.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomToken } from '../../src/util/ids.js';
import { eventually, feishuReply, feishuText, startChatHarness, type ChatHarness } from './chat-harness.js';

const alice = { openId: 'ou_alicelink00000001', name: 'Alice' };
const aliceDt = { staffId: 'staff-alice-link', nick: 'Alice' };
const eve = { staffId: 'staff-eve', nick: 'Eve' };
const group = 'oc_linkgroup00000001';
let h: ChatHarness;

async function dingtalkSay(who: { staffId: string; nick: string }, text: string): Promise<string> {
  const dt = h.dingtalk!;
  const before = dt.sessionMessages.length;
  await dt.pushRobotMessage({ conversationId: `cid${who.staffId}`, conversationType: '1', sender: who, text, msgId: `msg${randomToken(10)}` });
  return JSON.stringify((await dt.waitFor(() => dt.sessionMessages[before], 10_000, 'a DingTalk reply')).body);
}

beforeAll(async () => {
  h = await startChatHarness({ feishu: {}, dingtalk: {}, locale: 'en' });
  await h.admin('claw tenant create acme');
  await h.admin(`claw member add alice --tenant acme --role operator --feishu ${alice.openId}`);
});
afterAll(async () => h?.close());

describe('chat identities', () => {
  it('`claw link` in a group sends the code privately; the other account redeems it and then acts as the same member', async () => {
    const feishu = h.feishu!;
    const ack = await feishu.pushMessage({ chatId: group, chatType: 'group', sender: alice, text: 'claw link' });
    expect(feishuText(await feishuReply(feishu, ack.messageId!))).toContain('sent to you in a direct message');
    const dm = await feishu.waitForMessage((m) => m.receiveIdType === 'open_id' && m.receiveId === alice.openId);
    const code = /(\d{3}-\d{3})/.exec(feishuText(dm))?.[1];
    expect(code).toBeDefined();
    // The group never sees the code.
    expect(feishu.messages.filter((m) => m.chatId === group).map(feishuText).join('')).not.toContain(code);

    expect(await dingtalkSay(aliceDt, `claw link ${code}`)).toContain('this account now belongs to member alice');
    const who = await dingtalkSay(aliceDt, 'claw whoami');
    expect(who).toContain('You are alice');
    expect(who).toContain(`dingtalk:${aliceDt.staffId}`);
  });

  it('a code works once, and guessing is cut off', async () => {
    const { result } = await h.admin('claw link');
    const code = (result as { code: string }).code;
    expect(await dingtalkSay(eve, `claw link ${code}`)).toContain('this account now belongs to member admin');
    expect(await dingtalkSay({ staffId: 'staff-mallory', nick: 'M' }, `claw link ${code}`)).toContain('unknown, used or expired');
    const answers: string[] = [];
    for (let i = 0; i < 6; i++) answers.push(await dingtalkSay({ staffId: 'staff-guesser', nick: 'G' }, `claw link 000-00${i}`));
    expect(answers.slice(0, 5).every((a) => a.includes('unknown, used or expired'))).toBe(true);
    expect(answers[5]).toContain('Too many link attempts');
  });

  it('admins attach accounts: member add and member link; an account belongs to one member only', async () => {
    const bob = { staffId: 'staff-bob-link', nick: 'Bob' };
    expect(await dingtalkSay(bob, 'claw whoami')).toContain('You do not have access');
    await h.admin('claw member add bob --tenant acme --role viewer');
    await h.admin(`claw member link bob --tenant acme --dingtalk ${bob.staffId}`);
    expect(await dingtalkSay(bob, 'claw whoami')).toContain('You are bob');

    const taken = await h.t.command(h.t.adminToken, `claw member add carol --tenant acme --dingtalk ${bob.staffId}`);
    expect(taken.status).toBe(409);
    expect(taken.body.text).toContain('It belongs to member bob');
    // Refused before anything was created.
    expect((await h.t.command(h.t.adminToken, 'claw member list --tenant acme')).body.text).not.toContain('carol');
    const bad = await h.t.command(h.t.adminToken, 'claw member link bob --tenant acme --feishu "ou x"');
    expect(bad.body.error?.code).toBe('invalid_argument');
  });

  it('bind and unbind work only in a chat group', async () => {
    const r = await h.t.command(h.t.adminToken, 'claw bind --tenant acme');
    expect(r.status).toBe(400);
    expect(r.body.text).toContain('works in a Feishu or DingTalk group chat');
    const dm = await dingtalkSay(eve, 'claw bind --tenant acme');
    expect(dm).toContain('works in a Feishu or DingTalk group chat');
    const unbind = await h.t.command(h.t.adminToken, 'claw unbind');
    expect(unbind.status).toBe(400);
    expect(unbind.body.text).toContain('works in a Feishu or DingTalk group chat');
    expect(await dingtalkSay(eve, 'claw unbind')).toContain('works in a Feishu or DingTalk group chat');
  });

  it('`claw channels` shows both channels connected and the bound groups of the tenant', async () => {
    const feishu = h.feishu!;
    await h.admin(`claw member add lead --tenant acme --role tenant-admin --feishu ou_leadlink000000001`);
    const ack = await feishu.pushMessage({ chatId: group, chatType: 'group', sender: { openId: 'ou_leadlink000000001', name: 'Lead' }, text: 'claw bind' });
    await eventually(() => feishu.messages.some((m) => m.replyTo === ack.messageId), 10_000, 'bind answered');
    await h.admin('claw project create sales --tenant acme');
    const salesGroup = 'oc_linkgroup00000002';
    const salesAck = await feishu.pushMessage({ chatId: salesGroup, chatType: 'group', sender: { openId: 'ou_leadlink000000001', name: 'Lead' }, text: 'claw bind --project sales' });
    await eventually(() => feishu.messages.some((m) => m.replyTo === salesAck.messageId), 10_000, 'bind to the project answered');
    const channels = await h.admin('claw channels --tenant acme');
    const result = channels.result as { channels: Array<{ platform: string; connected: boolean }>; bindings: Array<{ chatId: string; tenant: string; project: string | null }>; outbox: { pending: number } };
    expect(result.channels.map((c) => [c.platform, c.connected])).toEqual([['feishu', true], ['dingtalk', true]]);
    expect(result.bindings).toEqual([
      expect.objectContaining({ chatId: group, tenant: 'acme', project: null }),
      expect.objectContaining({ chatId: salesGroup, tenant: 'acme', project: 'sales' }),
    ]);
    expect(channels.text).toContain('Outbox');
    expect(channels.text).toMatch(/oc_linkgroup00000002\s+acme\/sales\s+lead/);
  });

  it('`claw unbind` in a bound group removes that group\'s binding and says so; then there is nothing to remove', async () => {
    const feishu = h.feishu!;
    const lead = { openId: 'ou_leadlink000000001', name: 'Lead' };
    const salesGroup = 'oc_linkgroup00000002';
    const binding = (chatId: string) => h.t.plane.engines.tenancy.chatBinding('feishu', feishu.identity.tenantKey, chatId);
    expect(await binding(salesGroup)).toMatchObject({ tenant: { name: 'acme' }, project: { name: 'sales' } });

    const ack = await feishu.pushMessage({ chatId: salesGroup, chatType: 'group', sender: lead, text: 'claw unbind' });
    expect(feishuText(await feishuReply(feishu, ack.messageId!))).toContain('This group is no longer bound to acme.');
    expect(await binding(salesGroup)).toBeNull();
    // The other group of the tenant keeps its binding.
    expect(await binding(group)).toMatchObject({ tenant: { name: 'acme' }, project: null });
    const channels = await h.admin('claw channels --tenant acme');
    expect((channels.result as { bindings: Array<{ chatId: string }> }).bindings.map((b) => b.chatId)).toEqual([group]);

    const again = await feishu.pushMessage({ chatId: salesGroup, chatType: 'group', sender: lead, text: 'claw unbind' });
    expect(feishuText(await feishuReply(feishu, again.messageId!))).toContain('This group is not bound to any tenant.');
  });
});
