// Alert grouping end to end on the local runtime, the Feishu emulator and the DingTalk emulator (the real SDKs, DingTalk
// without a card template): three claws crash-looping at once in one tenant raise ONE card in each bound group, listing
// them, instead of three; on DingTalk it arrives as an ActionCard whose buttons send the typed commands; a member's
// Ack all on Feishu acknowledges every claw on the card, which is updated in place.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomToken } from '../../src/util/ids.js';
import type { DtGroupMessage } from '../emulators/dingtalk-emulator.js';
import type { FeishuSentMessage } from '../emulators/feishu-emulator.js';
import { crashingAdapter } from '../support/crashing-claw-adapter.js';
import { eventually, feishuButton, feishuLatest, feishuReply, feishuText, startChatHarness, type ChatHarness } from './chat-harness.js';

const T = '--tenant acme';
const CLAWS = ['crashy1', 'crashy2', 'crashy3'];
const fsGroup = `oc_${randomToken(16).toLowerCase()}`;
const dtGroup = `cid${randomToken(12)}`;
const lily = { openId: 'ou_grouplily00000001', name: 'Lily', staffId: 'staff-group-lily', nick: 'Lily' };
const olga = { openId: 'ou_groupolga00000001', name: 'Olga' };
let h: ChatHarness;
const feishu = () => h.feishu!;
const dingtalk = () => h.dingtalk!;

/** Cards the bot posted on its own (not replies) in the Feishu group that mention `text`. */
const feishuCards = (text: string) => feishu().messages.filter((m) => m.kind === 'create' && m.chatId === fsGroup && feishuText(m).includes(text));
/** What the bot posted in the DingTalk group that mentions `text`: each change of a card there is a new message. */
const dingtalkCards = (text: string) => dingtalk().groupMessages.filter((m) => m.openConversationId === dtGroup && JSON.stringify(m.msgParam).includes(text));
const params = (m: DtGroupMessage) => m.msgParam as Record<string, string>;

beforeAll(async () => {
  h = await startChatHarness({
    feishu: {}, dingtalk: {}, locale: 'en', adapters: [crashingAdapter],
    // A grouping window long enough for claws started together to be raised within it, as in production (30 s).
    settings: { alerts: { intervalMs: 250, groupWaitMs: 3_000, repeatIntervalMs: 3_600_000, resolveDelayMs: 500, alertmanagerToken: undefined } },
  });
  for (const who of [lily, olga]) feishu().addUser(who);
  await h.admin('claw tenant create acme');
  await h.admin(`claw project create sales ${T}`);
  await h.admin(`claw member add lily ${T} --role tenant-admin --feishu ${lily.openId} --dingtalk ${lily.staffId}`);
  await h.admin(`claw member add olga ${T} --role operator --feishu ${olga.openId}`);
  const ack = await feishu().pushMessage({ chatId: fsGroup, chatType: 'group', sender: lily, text: 'claw bind --tenant acme --project sales' });
  expect(feishuText(await feishuReply(feishu(), ack.messageId!))).toContain('acme');
  const replies = dingtalk().sessionMessages.length;
  const dt = await dingtalk().pushRobotMessage({ conversationId: dtGroup, conversationType: '2', sender: lily, text: 'claw bind --tenant acme --project sales', msgId: `msg${randomToken(12)}` });
  expect(dt.acked).toBe(true);
  expect(JSON.stringify((await dingtalk().waitFor(() => dingtalk().sessionMessages[replies], 10_000, 'the bind reply')).body)).toContain('acme');
}, 60_000);
afterAll(async () => {
  await h?.admin(`claw destroy --all ${T} --wait`).catch(() => undefined);
  await h?.close();
});

describe('grouped alert cards in chat', () => {
  let card: FeishuSentMessage;

  it('three claws crash-looping at once raise one card on Feishu listing them all', async () => {
    for (const name of CLAWS) await h.admin(`claw create ${name} ${T} --project sales`);
    card = await eventually(() => feishuCards('crash-loop')[0], 60_000, 'a crash-loop card');
    // Claws that crossed the threshold a little later join the card in place.
    await eventually(() => feishuLatest(feishu(), card.messageId).includes('crash-loop: 3 claws in acme'), 45_000, 'the card listing three claws');
    const latest = feishuLatest(feishu(), card.messageId);
    for (const name of CLAWS) expect(latest).toMatch(new RegExp(`#\\d+ sales/${name} · (firing|acknowledged) · since`));
    expect(feishuCards('crash-loop')).toHaveLength(1);
    const patched = feishu().patches.filter((p) => p.messageId === card.messageId).at(-1);
    const shown = patched ?? card;
    expect(feishuButton(shown, 'Ack all').command).toMatch(/^claw alert ack \d+ \d+ \d+$/);
    expect(feishuButton(shown, 'Silence 1h').command).toBe('claw silence add --match alertname=crash-loop --match tenant=acme --match project=sales --for 1h --tenant acme');
    expect(feishuButton(shown, 'Show all').command).toBe('claw alerts --rule crash-loop --tenant acme');
    expect(latest).not.toContain('"Restart"');
    const listed = await h.admin(`claw alerts --rule crash-loop ${T}`);
    expect((listed.result as { alerts: unknown[] }).alerts).toHaveLength(3);
  }, 120_000);

  it('on DingTalk without a card template the same card arrives as an ActionCard whose buttons send the typed commands', async () => {
    const latest = await eventually(() => dingtalkCards('3 claws in acme').at(-1), 15_000, 'the DingTalk group card');
    expect(latest.msgKey).toBe('sampleActionCard3');
    const p = params(latest);
    expect(p.text).toContain('crash-loop: 3 claws in acme');
    for (const name of CLAWS) expect(p.text).toContain(`sales/${name}`);
    const sent = [p.actionURL1, p.actionURL2, p.actionURL3].map((url) => decodeURIComponent(new URL(url!).searchParams.get('content')!));
    expect(sent[0]).toMatch(/^claw alert ack \d+ \d+ \d+$/);
    expect(sent.slice(1)).toEqual(['claw silence add --match alertname=crash-loop --match tenant=acme --match project=sales --for 1h --tenant acme', 'claw alerts --rule crash-loop --tenant acme']);
  });

  it('Ack all, clicked by a member on Feishu, acknowledges every claw on the card, updated in place', async () => {
    const shown = feishu().patches.filter((p) => p.messageId === card.messageId).at(-1) ?? card;
    const ack = await feishu().pushCardAction({ operator: olga, value: feishuButton(shown, 'Ack all'), openMessageId: card.messageId, openChatId: fsGroup });
    expect(ack.acked).toBe(true);
    await eventually(() => feishuLatest(feishu(), card.messageId).includes('3 acknowledged'), 15_000, 'the card acknowledged');
    expect(feishuLatest(feishu(), card.messageId)).toContain('(acknowledged)');
    expect(feishuCards('crash-loop')).toHaveLength(1);
    const rows = (await h.admin(`claw alerts --rule crash-loop ${T}`)).result as { alerts: Array<{ state: string; ackedBy: string }> };
    expect(rows.alerts.map((a) => [a.state, a.ackedBy])).toEqual([['acknowledged', 'olga'], ['acknowledged', 'olga'], ['acknowledged', 'olga']]);
  });
});
