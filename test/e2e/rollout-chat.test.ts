// Rollouts in chat on the Feishu emulator (the real SDK) with fake claws: a publish typed in a group is answered by one
// card, updated in place as the canary passes and waves move; its buttons (Pause, Resume, Abort, Rollback) run as the
// person who clicks, under their permissions.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { randomToken } from '../../src/util/ids.js';
import type { FeishuSentMessage } from '../emulators/feishu-emulator.js';
import { rolloutClawAdapter } from '../engines/rollouts/rollout-claw-adapter.js';
import { eventually, feishuButton, feishuLatest, feishuReply, feishuText, startChatHarness, type ChatHarness } from './chat-harness.js';

const group = `oc_${randomToken(16).toLowerCase()}`;
const tenant = `rc${randomToken(6).toLowerCase()}`;
const T = `--tenant ${tenant}`;
const ada = { openId: 'ou_rolloutada0000001', name: 'Ada' };
const vic = { openId: 'ou_rolloutvic0000001', name: 'Vic' };
let h: ChatHarness;
const emu = () => h.feishu!;

async function click(who: { openId: string; name: string }, card: FeishuSentMessage, label: string): Promise<void> {
  const latest = { content: JSON.parse(feishuLatest(emu(), card.messageId!)) as unknown };
  const ack = await emu().pushCardAction({ operator: who, value: feishuButton(latest, label), openMessageId: card.messageId, openChatId: group });
  expect(ack.acked).toBe(true);
}

beforeAll(async () => {
  h = await startChatHarness({ feishu: {}, locale: 'en', adapters: [rolloutClawAdapter] });
  for (const who of [ada, vic]) emu().addUser(who);
  await h.admin(`claw tenant create ${tenant}`);
  await h.admin(`claw project create web ${T}`);
  await h.admin(`claw tenant policy ${tenant} --approvals 0`);
  await h.admin(`claw member add ada ${T} --role operator --feishu ${ada.openId}`);
  await h.admin(`claw member add vic ${T} --role viewer --feishu ${vic.openId}`);
  const ack = await emu().pushMessage({ chatId: group, chatType: 'group', sender: ada, text: `claw bind ${T} --project web` });
  expect(feishuText(await feishuReply(emu(), ack.messageId!))).toContain(tenant);
  for (const name of ['w1', 'w2', 'w3']) await h.admin(`claw create ${name} ${T} --project web`);
  const tenantRow = await h.t.plane.engines.tenancy.getTenant(tenant);
  await eventually(async () => (await h.t.plane.engines.lifecycle.list({ tenant: tenantRow })).filter((v) => v.instance.phase === 'Running' && v.instance.ready).length === 3, 60_000, 'three claws running');
}, 120_000);
afterAll(async () => {
  await h?.admin(`claw destroy --all ${T} --wait`).catch(() => undefined);
  await h?.close();
}, 120_000);

it('answers a publish with one card that follows the rollout, and runs its buttons as the clicker', async () => {
  await h.admin(`claw config set agent.name=Chatty ${T}`);
  const ack = await emu().pushMessage({ chatId: group, chatType: 'group', sender: ada, text: 'claw config publish --all --canary 1 --max-unavailable 1' });
  const card = await feishuReply(emu(), ack.messageId!, 20_000);
  expect(feishuText(card)).toContain('Rollout 1: publish config v');
  expect(feishuButton(card, 'Pause').command).toBe(`claw rollout pause 1 ${T} --project web`);
  expect(feishuButton(card, 'Abort').command).toBe(`claw rollout abort 1 ${T} --project web`);

  // The canary passes and waits for promotion: the same card says so, with Resume.
  await eventually(() => feishuLatest(emu(), card.messageId!).includes('Awaiting promotion'), 60_000, 'the card to await promotion');
  // A viewer's click is refused (and says why); nothing moves.
  await click(vic, card, 'Resume (promote)');
  await eventually(() => emu().messages.some((m) => m.chatId === group && feishuText(m).includes('needs config:apply')), 15_000, 'the refusal');
  expect((await h.t.plane.engines.rollouts.get(1)).state).toBe('AwaitingPromotion');

  await click(ada, card, 'Resume (promote)');
  await eventually(() => feishuLatest(emu(), card.messageId!).includes('Completed'), 60_000, 'the card to show Completed');
  const done = feishuLatest(emu(), card.messageId!);
  expect(done).toContain('3 restarted');
  expect(done).toContain('canary (1): w1');
  // One card for the publish: no other message answers it.
  expect(emu().messages.filter((m) => m.replyTo === ack.messageId)).toHaveLength(1);

  // Rollback, clicked: a new rollout back to what each claw ran before, with a card of its own.
  await click(ada, card, 'Rollback');
  const undo = await eventually(async () => (await h.t.plane.engines.rollouts.list({ tenants: 'all', limit: 5 })).find((r) => r.kind === 'rollback'), 15_000, 'the rollback rollout');
  expect(undo).toMatchObject({ createdBy: 'ada', undoes: 1, targets: 3 });
  const second = await eventually(() => emu().messages.find((m) => m.chatId === group && feishuText(m).includes(`Rollout ${undo.id}: undo rollout 1`)), 15_000, 'the rollback card');
  await eventually(() => feishuLatest(emu(), second.messageId!).includes('Completed'), 60_000, 'the rollback to complete');
}, 180_000);
