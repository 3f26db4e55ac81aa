// Strangers in chat cannot make the bot flood a group: someone the bot does not know is told how to get access once per
// few minutes however often they write or click, each sender on their own; their repeated attempts share one audit row.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEventEntity } from '../../src/store/entities/audit-event.js';
import { feishuReply, feishuText, outboxDrained, processed, startChatHarness, type ChatHarness } from './chat-harness.js';

const group = 'oc_strangergroup0001';
const mallory = { openId: 'ou_mallory0000000001', name: 'Mallory' };
const trudy = { openId: 'ou_trudy000000000001', name: 'Trudy' };
const oscar = { openId: 'ou_oscar000000000001', name: 'Oscar' };
const peggy = { openId: 'ou_peggy000000000001', name: 'Peggy' };
let h: ChatHarness;

beforeAll(async () => {
  h = await startChatHarness({ feishu: {}, locale: 'en' });
});
afterAll(async () => h?.close());

/** Sends `text` in the group as `who` and waits until the control plane has handled it and every reply has gone out. */
async function write(who: { openId: string; name: string }, text: string) {
  const ack = await h.feishu!.pushMessage({ chatId: group, chatType: 'group', sender: who, text });
  expect(ack.acked).toBe(true);
  await processed(h.t, 'feishu', ack.eventId);
  return ack;
}

const repliesTo = (messageId: string | undefined) => h.feishu!.messages.filter((m) => m.replyTo === messageId);

describe('replies to strangers', () => {
  it('tells a stranger how to get access once, then stays quiet for them while telling another stranger', async () => {
    const first = await write(mallory, 'claw status');
    expect(feishuText(await feishuReply(h.feishu!, first.messageId!))).toContain('You do not have access to Open Cluster Claw yet');

    const again = [await write(mallory, 'claw status'), await write(mallory, 'claw tenant list'), await write(mallory, 'claw status')];
    await outboxDrained(h.t);
    expect(again.flatMap((ack) => repliesTo(ack.messageId))).toEqual([]);

    // Per sender: someone else who writes meanwhile is still told.
    const other = await write(trudy, 'claw status');
    expect(feishuText(await feishuReply(h.feishu!, other.messageId!))).toContain(`--feishu ${trudy.openId}`);
    await outboxDrained(h.t);
    expect(repliesTo(first.messageId)).toHaveLength(1);
  });

  it('audits every attempt, identical ones on one row', async () => {
    const rows = await h.t.plane.store.dataSource.getRepository(AuditEventEntity).find({ where: { identity: `feishu:${mallory.openId}` }, order: { seq: 'ASC' } });
    // Three `claw status` and one `claw tenant list`: a row for each text so far; the two repeats are counted when the window closes.
    // The trail keeps the text as typed, @mention included.
    expect(rows.map((r) => [r.text.replace(/^@\S+\s+/, ''), r.decision, r.attempts])).toEqual([['claw status', 'unauthenticated', 1], ['claw tenant list', 'unauthenticated', 1]]);
  });

  it('answers a stranger clicking approval buttons once, however often they click', async () => {
    const card = await write(oscar, 'claw approvals');
    await outboxDrained(h.t);
    const refusals = () => h.feishu!.messages.filter((m) => feishuText(m).includes('you cannot decide on approvals'));
    const click = async (who: { openId: string; name: string }, times: number) => {
      for (let i = 0; i < times; i++) {
        const ack = await h.feishu!.pushCardAction({
          operator: who, value: { approval: 1, decision: i % 2 ? 'reject' : 'approve' }, openMessageId: card.messageId!, openChatId: group,
        });
        expect(ack.acked).toBe(true);
      }
      // Clicks run in the background of their ack: drain waits for the work in flight, then the outbox for what it sent.
      await h.t.plane.chat.drain();
      await outboxDrained(h.t);
    };
    await click(peggy, 3);
    expect(refusals()).toHaveLength(1);
    // Oscar was already told, by the hint to his message: his clicks are not answered again.
    await click(oscar, 2);
    expect(refusals()).toHaveLength(1);
    expect(repliesTo(card.messageId).filter((m) => feishuText(m).includes('You do not have access'))).toHaveLength(1);
  });
});
