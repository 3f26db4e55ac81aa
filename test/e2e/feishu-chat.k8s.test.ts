// Feishu end to end: people type in a group of the Feishu emulator (the real SDK over its long connection); the control
// plane acts on the real test cluster and answers with cards through the outbox. Chat locale is zh-CN, the default.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { inboundTiming } from '../../src/channels/inbound-processor.js';
import { ApprovalEntity } from '../../src/store/entities/approval.js';
import { InboundEventEntity } from '../../src/store/entities/inbound-event.js';
import { AuditEventEntity } from '../../src/store/entities/audit-event.js';
import { KubeletControl } from '../cluster/kubelet-control.js';
import { k8sSettings } from '../support/k8s-settings.js';
import { randomToken } from '../../src/util/ids.js';
import {
  eventually, feishuButton, feishuLatest, feishuReply, feishuText, inboundCount, inboundRow, outboxDrained, processed, startChatHarness, type ChatHarness,
} from './chat-harness.js';

const kubeconfig = inject('kubeconfigPath');
const tenant = `fs${randomToken(6).toLowerCase()}`;
const group = `oc_${randomToken(16).toLowerCase()}`;
const boss = { openId: 'ou_boss0000000000001', name: 'Boss' };
const alice = { openId: 'ou_alice000000000001', name: 'Alice' };
const bob = { openId: 'ou_bob00000000000001', name: 'Bob' };
const stranger = { openId: 'ou_stranger000000001', name: 'Stranger' };

let h: ChatHarness;
const emu = () => h.feishu!;

/** Types `text` in the group as `who` (with the bot @mentioned) and returns the bot's reply. */
async function say(who: { openId: string; name: string }, text: string, opts: { mentionBot?: boolean } = {}) {
  const ack = await emu().pushMessage({ chatId: group, chatType: 'group', sender: who, text, ...opts });
  expect(ack.acked && ack.withinDeadline).toBe(true);
  return { ack, reply: await feishuReply(emu(), ack.messageId!) };
}

const phase = async (name: string) => ((await h.admin(`claw status ${name} --tenant ${tenant}`)).result as { instance: { phase: string } }).instance.phase;

beforeAll(async () => {
  h = await startChatHarness({ feishu: {}, settings: k8sSettings(kubeconfig) });
  for (const who of [boss, alice, bob, stranger]) emu().addUser({ openId: who.openId, name: who.name });
  await h.admin(`claw tenant create ${tenant}`);
  await h.admin(`claw project create sales --tenant ${tenant}`);
  await h.admin(`claw member add boss --tenant ${tenant} --role tenant-admin --feishu ${boss.openId}`);
  await h.admin(`claw member add alice --tenant ${tenant} --role operator --feishu ${alice.openId}`);
  // Alice may approve too, so refusing her own request is the self-approval rule, not a missing permission.
  await h.admin(`claw grant alice approver --tenant ${tenant}`);
  await h.admin(`claw member add bob --tenant ${tenant} --role approver --feishu ${bob.openId}`);
  await h.admin(`claw create demo --tenant ${tenant} --project sales --wait --timeout 60s`);
});
afterAll(async () => h?.close());

describe('Feishu group chat', () => {
  it('a tenant admin binds the group; an @mention `claw status` there answers with a status card', async () => {
    const bound = await say(boss, `claw bind --tenant ${tenant} --project sales`);
    expect(feishuText(bound.reply)).toContain(`已绑定到 ${tenant}/sales`);

    const { reply } = await say(alice, 'claw status');
    expect(reply.msgType).toBe('interactive');
    const card = reply.content as { schema: string; body: unknown };
    expect(card.schema).toBe('2.0');
    expect(feishuText(reply)).toContain('demo');
    expect(feishuText(reply)).toContain('Running');
    // Replies go to the message that asked, in the group.
    expect(reply.kind).toBe('reply');
  });

  it('ignores group messages that do not @mention the bot, and the bot\'s own messages', async () => {
    const before = emu().messages.length;
    const ignored = await inboundCount(h.t, 'feishu', 'message', 'ignored');
    const acks = [
      await emu().pushMessage({ chatId: group, chatType: 'group', sender: alice, text: 'claw status', mentionBot: false }),
      await emu().pushMessage({ chatId: group, chatType: 'group', sender: { openId: emu().botOpenId, name: 'bot' }, text: 'claw status' }),
    ];
    // Both were handled to the end: counted as ignored and never stored, so nothing can run them later.
    await eventually(async () => (await inboundCount(h.t, 'feishu', 'message', 'ignored')) >= ignored + 2, 10_000, 'both messages ignored');
    expect(await inboundCount(h.t, 'feishu', 'message', 'ignored')).toBe(ignored + 2);
    for (const ack of acks) expect(await inboundRow(h.t, 'feishu', ack.eventId)).toBeNull();
    await outboxDrained(h.t);
    expect(emu().messages.length).toBe(before);
  });

  it('tells an unknown person how to get access, naming the tenant admins of the bound group', async () => {
    const { reply } = await say(stranger, 'claw status');
    const text = feishuText(reply);
    expect(text).toContain('你还没有 Open Cluster Claw 的权限');
    expect(text).toContain(`claw member add 你的名字 --feishu ${stranger.openId}`);
    expect(text).toContain('boss');
    const audit = await h.t.plane.store.dataSource.getRepository(AuditEventEntity).findBy({ identity: `feishu:${stranger.openId}` });
    expect(audit.map((a) => a.decision)).toEqual(['unauthenticated']);
  });

  it('runs a redelivered event once', async () => {
    const { ack } = await say(alice, 'claw whoami');
    const replies = () => emu().messages.filter((m) => m.replyTo === ack.messageId).length;
    const duplicates = await inboundCount(h.t, 'feishu', 'message', 'duplicate');
    const again = await emu().redeliver(ack.eventId);
    expect(again.acked).toBe(true);
    // The redelivery was recognised as the stored event, which has run to the end, and every reply has gone out.
    await eventually(async () => (await inboundCount(h.t, 'feishu', 'message', 'duplicate')) >= duplicates + 1, 10_000, 'the redelivery seen as a duplicate');
    expect(await inboundCount(h.t, 'feishu', 'message', 'duplicate')).toBe(duplicates + 1);
    expect(await processed(h.t, 'feishu', ack.eventId)).toMatchObject({ status: 'done' });
    await outboxDrained(h.t);
    expect(replies()).toBe(1);
    const audited = await h.t.plane.store.dataSource.getRepository(AuditEventEntity).countBy({ requestId: `feishu-${ack.eventId}` });
    expect(audited).toBe(1);
  });

  it('parses what phones type: full-width spaces and slash, IME dashes, smart quotes', async () => {
    const { reply } = await say(alice, '／ＣＬＡＷ　status　——project　sales');
    expect(feishuText(reply)).toContain('demo');
    const help = await say(alice, 'claw help “status”');
    expect(feishuText(help.reply)).toContain('claw status');
  });

  it('stop --force waits for approval: the requester\'s own click is refused, a second person\'s approval stops it and the card shows it', async () => {
    const { reply: card } = await say(alice, 'claw stop demo --force --reason "hung"');
    expect(feishuText(card)).toContain('等待审批');
    expect(feishuText(card)).toContain('claw stop demo --force');
    const approve = feishuButton(card, '批准');
    expect(await phase('demo')).toBe('Running');

    // Alice approving her own request is refused, in the chat; nothing runs.
    const own = await emu().pushCardAction({ operator: alice, value: approve, openMessageId: card.messageId, openChatId: group });
    expect(own.acked && own.withinDeadline).toBe(true);
    const refusal = await emu().waitForMessage((m) => feishuText(m).includes('是你发起的'));
    expect(refusal.chatId).toBe(group);
    const id = Number(approve.approval);
    expect((await h.t.plane.engines.approvals.get(id)).status).toBe('pending');

    // Bob approves: the card he clicked answers with the outcome, the command runs as Alice.
    const ok = await emu().pushCardAction({ operator: bob, value: approve, openMessageId: card.messageId, openChatId: group });
    expect(ok.withinDeadline).toBe(true);
    expect(JSON.stringify(ok.data)).toContain('已批准并执行');
    expect(await eventually(async () => (await phase('demo')) === 'Stopped', 30_000, 'demo Stopped')).toBe(true);
    // Every copy of the card is updated in place through the outbox, buttons gone.
    await eventually(() => feishuLatest(emu(), card.messageId).includes('已批准并执行'), 10_000, 'the card updated');
    expect(feishuLatest(emu(), card.messageId)).not.toContain('"tag":"button"');
    const executed = await h.t.plane.store.dataSource.getRepository(AuditEventEntity).findOneBy({ requestId: `approval-${id}` });
    expect(executed).toMatchObject({ command: 'stop', memberName: 'alice', outcome: 'success', identity: `approval#${id} (feishu:${alice.openId})` });
  });

  it('an expired approval is not executable, and its card says so', async () => {
    const { reply: card } = await say(alice, 'claw destroy demo');
    const approve = feishuButton(card, '批准');
    const id = Number(approve.approval);
    await h.t.plane.store.dataSource.getRepository(ApprovalEntity).update({ id }, { expiresAt: new Date(Date.now() - 1000) });
    await emu().pushCardAction({ operator: bob, value: approve, openMessageId: card.messageId, openChatId: group });
    await emu().waitForMessage((m) => feishuText(m).includes(`审批 #${id} 已过期`));
    await eventually(() => feishuLatest(emu(), card.messageId).includes('已过期'), 10_000, 'the card shows expired');
    expect(await phase('demo')).toBe('Stopped');
  });

  it('a stale approval is not run: the instance changed after the request', async () => {
    const { reply: card } = await say(alice, 'claw destroy demo');
    const approve = feishuButton(card, '批准');
    await say(alice, 'claw start demo');
    const ok = await emu().pushCardAction({ operator: bob, value: approve, openMessageId: card.messageId, openChatId: group });
    expect(JSON.stringify(ok.data)).toContain('已过时');
    await eventually(() => feishuLatest(emu(), card.messageId).includes('已过时'), 10_000, 'the card shows stale');
    expect(['Creating', 'Running']).toContain(await phase('demo'));
  });

  it('`claw create` answers with a card that follows the instance to Running', async () => {
    const { ack, reply } = await say(alice, 'claw create demo2');
    await eventually(() => feishuLatest(emu(), reply.messageId).includes('demo2: Running (ready)'), 60_000, 'the progress card at Running');
    // One card, first sent showing Creating, then patched in place: no second message.
    const sent = emu().requests.find((r) => r.path === `/open-apis/im/v1/messages/${ack.messageId}/reply`);
    expect(JSON.stringify(sent?.body)).toContain('demo2: Creating');
    expect(emu().patches.filter((p) => p.messageId === reply.messageId).length).toBeGreaterThan(0);
    expect(emu().messages.filter((m) => m.replyTo === ack.messageId)).toHaveLength(1);
  });

  it('a command that runs long keeps its heartbeat: the leader does not call it cut off, and its own answer comes', async () => {
    const saved = { ...inboundTiming };
    Object.assign(inboundTiming, { heartbeatMs: 100, interruptedAfterMs: 1000 });
    try {
      // A pod that never gets ready keeps `--wait` waiting until its timeout: a command that runs for 4 s.
      await new KubeletControl(inject('kubeletControlUrl')).addFault({ namespace: `claw-${tenant}`, selector: { 'clusterclaw.io/instance': 'slowpoke' }, fault: 'never-ready' });
      const ack = await emu().pushMessage({ chatId: group, chatType: 'group', sender: alice, text: 'claw create slowpoke --wait --timeout 4s' });
      const rows = h.t.plane.store.dataSource.getRepository(InboundEventEntity);
      // Still running well past the cut-off (1 s), and its heartbeat still coming: only then does the leader's pass prove anything.
      await eventually(async () => {
        const row = await inboundRow(h.t, 'feishu', ack.eventId);
        return row?.status === 'processing' && row.heartbeatAt && row.heartbeatAt.getTime() - row.receivedAt.getTime() > 2000;
      }, 10_000, 'heartbeats 2 s into the command');
      await h.t.plane.chat.inbound.resume();
      expect((await rows.find()).filter((r) => r.status === 'processing')).toHaveLength(1);
      const reply = await feishuReply(emu(), ack.messageId!);
      await eventually(() => feishuLatest(emu(), reply.messageId).includes('slowpoke 在'), 30_000, 'the timeout answer on the progress card');
      expect(emu().messages.filter((m) => m.replyTo === ack.messageId)).toHaveLength(1);
      expect((await rows.find()).some((r) => r.status === 'interrupted')).toBe(false);
    } finally {
      Object.assign(inboundTiming, saved);
    }
  });
});
