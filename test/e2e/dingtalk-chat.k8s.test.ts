// DingTalk end to end: people type in a group of the DingTalk emulator (the real dingtalk-stream SDK); replies go back
// through the session webhook, approvals as interactive cards (a card template is configured) decided by clicks.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApprovalEntity } from '../../src/store/entities/approval.js';
import { AuditEventEntity } from '../../src/store/entities/audit-event.js';
import { randomToken } from '../../src/util/ids.js';
import type { DtCard } from '../emulators/dingtalk-emulator.js';
import { k8sSettings } from '../support/k8s-settings.js';
import { eventually, inboundCount, outboxDrained, processed, startChatHarness, type ChatHarness } from './chat-harness.js';

const kubeconfig = inject('kubeconfigPath');
const tenant = `dt${randomToken(6).toLowerCase()}`;
const group = `cid${randomToken(12)}`;
const boss = { staffId: 'staff-boss', nick: 'Boss' };
const alice = { staffId: 'staff-alice', nick: 'Alice' };
const bob = { staffId: 'staff-bob', nick: 'Bob' };
const stranger = { staffId: 'staff-stranger', nick: 'Stranger' };

let h: ChatHarness;
const emu = () => h.dingtalk!;

/** Types `text` in the group as `who` (the robot @mentioned); resolves once acked, with the message and frame ids. */
async function type(who: { staffId: string; nick: string }, text: string): Promise<{ msgId: string; frameId: string }> {
  const msgId = `msg${randomToken(12)}`;
  const ack = await emu().pushRobotMessage({ conversationId: group, conversationType: '2', sender: who, text, msgId });
  // The emulator's own verdict: acked before its deadline (the harness's is twice DingTalk's 1.5 s, so a busy machine
  // keeps a margin while an ack that waited for the command would still miss it). How fast is a figure for the bench.
  expect(ack.acked).toBe(true);
  return { msgId, frameId: ack.messageId };
}

/** Types and returns the text of the next reply through the session webhook. */
async function say(who: { staffId: string; nick: string }, text: string): Promise<string> {
  const before = emu().sessionMessages.length;
  await type(who, text);
  const reply = await emu().waitFor(() => emu().sessionMessages[before], 10_000, 'a reply');
  return JSON.stringify(reply.body);
}

/** Types and returns the approval card the command opened. */
async function held(who: { staffId: string; nick: string }, text: string): Promise<DtCard> {
  const before = new Set(emu().cards.keys());
  await type(who, text);
  return emu().waitFor(() => [...emu().cards.values()].find((c) => !before.has(c.outTrackId)), 10_000, 'an approval card');
}

const buttons = (card: DtCard) => JSON.parse(String(card.cardParamMap.buttons)) as Array<{ text: string; params: Record<string, string> }>;
const phase = async (name: string) => ((await h.admin(`claw status ${name} --tenant ${tenant}`)).result as { instance: { phase: string } }).instance.phase;

beforeAll(async () => {
  h = await startChatHarness({ dingtalk: { cardTemplateId: 'tpl.claw.approval' }, locale: 'en', settings: k8sSettings(kubeconfig) });
  await h.admin(`claw tenant create ${tenant}`);
  await h.admin(`claw project create ops --tenant ${tenant}`);
  await h.admin(`claw member add boss --tenant ${tenant} --role tenant-admin --dingtalk ${boss.staffId}`);
  await h.admin(`claw member add alice --tenant ${tenant} --role operator --dingtalk ${alice.staffId}`);
  await h.admin(`claw grant alice approver --tenant ${tenant}`);
  await h.admin(`claw member add bob --tenant ${tenant} --role approver --dingtalk ${bob.staffId}`);
  await h.admin(`claw create demo --tenant ${tenant} --project ops --wait --timeout 60s`);
});
afterAll(async () => h?.close());

describe('DingTalk group chat', () => {
  it('a tenant admin binds the group; `claw status` there answers with the instances', async () => {
    expect(await say(boss, `claw bind --tenant ${tenant}`)).toContain(`bound to ${tenant}`);
    const status = await say(alice, ' claw status');
    expect(status).toContain('demo');
    expect(status).toContain('Running');
    expect(h.t.plane.engines.channels.channels()).toEqual([expect.objectContaining({ platform: 'dingtalk', mode: 'stream', connected: true })]);
  });

  it('tells an unknown person how to get access, naming the tenant admins', async () => {
    const hint = await say(stranger, 'claw status');
    expect(hint).toContain('You do not have access');
    expect(hint).toContain(`--dingtalk ${stranger.staffId}`);
    expect(hint).toContain('boss');
  });

  it('runs a redelivered message once', async () => {
    const before = emu().sessionMessages.length;
    const { msgId, frameId } = await type(alice, 'claw whoami');
    await emu().waitFor(() => emu().sessionMessages.length > before, 10_000, 'the reply');
    const duplicates = await inboundCount(h.t, 'dingtalk', 'message', 'duplicate');
    const redelivered = await emu().redeliver(frameId);
    expect(redelivered.acked).toBe(true);
    // The redelivery was recognised as the stored message, which has run to the end, and every reply has gone out.
    await eventually(async () => (await inboundCount(h.t, 'dingtalk', 'message', 'duplicate')) >= duplicates + 1, 10_000, 'the redelivery seen as a duplicate');
    expect(await inboundCount(h.t, 'dingtalk', 'message', 'duplicate')).toBe(duplicates + 1);
    expect(await processed(h.t, 'dingtalk', msgId)).toMatchObject({ status: 'done' });
    await outboxDrained(h.t);
    expect(emu().sessionMessages.length).toBe(before + 1);
    expect(await h.t.plane.store.dataSource.getRepository(AuditEventEntity).countBy({ requestId: `dingtalk-${msgId}` })).toBe(1);
  });

  it('stop --force waits for approval: the requester\'s click is refused, another person\'s approval stops it and updates the card', async () => {
    const card = await held(alice, 'claw stop demo --force');
    expect(card.cardParamMap.title).toContain('waiting for approval');
    const approve = buttons(card).find((b) => b.text === 'Approve')!.params;
    expect(await phase('demo')).toBe('Running');

    const before = emu().sessionMessages.length + emu().groupMessages.length;
    const own = await emu().pushCardCallback({ outTrackId: card.outTrackId, userId: alice.staffId, params: approve });
    expect(own.acked).toBe(true);
    await emu().waitFor(() => emu().sessionMessages.length + emu().groupMessages.length > before, 10_000, 'the refusal');
    expect(JSON.stringify([...emu().groupMessages, ...emu().sessionMessages])).toContain('someone else must approve');
    expect((await h.t.plane.engines.approvals.get(Number(approve.approval))).status).toBe('pending');

    await emu().pushCardCallback({ outTrackId: card.outTrackId, userId: bob.staffId, params: approve });
    expect(await eventually(async () => (await phase('demo')) === 'Stopped', 30_000, 'demo Stopped')).toBe(true);
    await eventually(() => String(card.cardParamMap.title).includes('approved and done'), 10_000, 'the card updated');
    expect(card.cardParamMap.buttons).toBe('[]');
  });

  it('an expired approval is not executable; a stale one is not run', async () => {
    const expiring = await held(alice, 'claw destroy demo');
    const approveExpiring = buttons(expiring).find((b) => b.text === 'Approve')!.params;
    await h.t.plane.store.dataSource.getRepository(ApprovalEntity).update({ id: Number(approveExpiring.approval) }, { expiresAt: new Date(Date.now() - 1000) });
    expect(await h.t.plane.engines.approvals.expireDue()).toBe(1);
    await eventually(() => String(expiring.cardParamMap.title).includes('expired'), 10_000, 'the card shows expired');
    await emu().pushCardCallback({ outTrackId: expiring.outTrackId, userId: bob.staffId, params: approveExpiring });
    expect((await h.t.plane.engines.approvals.get(Number(approveExpiring.approval))).status).toBe('expired');

    const stale = await held(alice, 'claw destroy demo');
    const approveStale = buttons(stale).find((b) => b.text === 'Approve')!.params;
    // With a card template, the start's progress reply is a card too; the start itself is what matters here.
    await type(alice, 'claw start demo');
    await eventually(async () => (await phase('demo')) !== 'Stopped', 30_000, 'demo starting');
    await emu().pushCardCallback({ outTrackId: stale.outTrackId, userId: bob.staffId, params: approveStale });
    await eventually(() => String(stale.cardParamMap.title).includes('stale'), 10_000, 'the card shows stale');
    expect(['Creating', 'Running']).toContain(await phase('demo'));
  });
});
