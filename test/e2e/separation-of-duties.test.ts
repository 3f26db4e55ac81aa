// Separation of duties end to end, over the API and in Feishu (the real SDK against the emulator): a lone tenant admin
// cannot approve their own `destroy` with a token they minted, an account they attached, or an account linked with
// their token; the owner's `claw link` confirmation, platform names on cards, token revocation and the strict policy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stubOpenClawAdapter } from '../support/stub-openclaw-adapter.js';
import { eventually, feishuButton, feishuLatest, feishuReply, feishuText, startChatHarness, type ChatHarness } from './chat-harness.js';

const boss = { openId: 'ou_sodboss0000000001', name: 'Boss Wang' };
const carl = { openId: 'ou_sodcarl0000000001', name: 'Carl Zhang' };
const puppetMain = { openId: 'ou_sodpuppet00000001', name: 'Pat Main' };
const spare = { openId: 'ou_sodspare000000001', name: 'Spare Phone' };
const group = 'oc_sodgroup000000001';
const T = '--tenant acme';
let h: ChatHarness;
let bossToken: string;
const emu = () => h.feishu!;

const as = (token: string, text: string) => h.t.command(token, text);
async function must(token: string, text: string) {
  const r = await as(token, text);
  if (!r.body.ok) throw new Error(`${text}: ${r.body.text}`);
  return r.body;
}

/** A held `destroy` of a new instance, requested by the tenant admin over the API; returns the approval number. */
async function heldDestroy(name: string): Promise<number> {
  await h.admin(`claw create ${name} ${T} --project p`);
  const r = await as(bossToken, `claw destroy ${name} ${T} --project p`);
  expect(r.status, r.body.text).toBe(202);
  return (r.body.result as { approval: { id: number } }).approval.id;
}

const status = async (id: number) => (h.admin(`claw approvals ${id}`).then((b) => (b.result as { approval: { status: string } }).approval.status));

/** Types in the group, @mentioning the bot, and returns the reply's text. */
async function say(who: { openId: string; name: string }, text: string): Promise<string> {
  const ack = await emu().pushMessage({ chatId: group, chatType: 'group', sender: who, text });
  return feishuText(await feishuReply(emu(), ack.messageId!));
}

async function direct(who: { openId: string; name: string }, text: string): Promise<string> {
  const ack = await emu().pushMessage({ chatId: `oc_dm_${who.openId}`, chatType: 'p2p', sender: who, text });
  return feishuText(await feishuReply(emu(), ack.messageId!));
}

beforeAll(async () => {
  h = await startChatHarness({ feishu: {}, locale: 'en', adapters: [stubOpenClawAdapter] });
  for (const who of [boss, carl, puppetMain, spare]) emu().addUser({ openId: who.openId, name: who.name });
  await h.admin('claw tenant create acme');
  await h.admin(`claw project create p ${T}`);
  // The platform admin adds the one tenant admin (and gives them a token); from here on the tenant admin acts alone.
  await h.admin(`claw member add boss ${T} --role tenant-admin --feishu ${boss.openId}`);
  bossToken = String((await h.admin(`claw token create --member boss ${T}`)).result?.token);
});
afterAll(async () => {
  // Held destroys never ran: the claws still run, and a closed control plane leaves them for the next one to adopt.
  await h?.admin('claw tenant policy acme --approvals 0').catch(() => undefined);
  await h?.admin(`claw destroy --all ${T} --wait`).catch(() => undefined);
  await h?.close();
});

describe('separation of duties', () => {
  it('over the API: a token the requester minted for a puppet approver, or one the puppet made with it, does not count; why is said and audited', async () => {
    const id = await heldDestroy('alpha');
    await must(bossToken, `claw member add puppet ${T} --role approver`);
    const puppetToken = String((await must(bossToken, `claw token create --member puppet ${T} --name from-boss`)).result?.token);
    const refused = await as(puppetToken, `claw approve ${id}`);
    expect(refused.status).toBe(403);
    expect(refused.body.text).toContain(`Your decision on #${id} does not count: token from-boss was created by boss, the requester`);

    const ownToken = String((await must(puppetToken, 'claw token create --name mine')).result?.token);
    const again = await as(ownToken, `claw approve ${id}`);
    expect(again.status).toBe(403);
    expect(again.body.text).toContain('token from-boss was created by boss, the requester');
    expect(await status(id)).toBe('pending');

    const trail = await h.admin('claw audit --command "approve refused" --tenant acme');
    expect(JSON.stringify(trail.result)).toContain(`approve of approval #${id} by puppet (token:from-boss) does not count`);

    // Someone the requester never equipped approves, and the command runs.
    await h.admin(`claw member add ann ${T} --role approver`);
    const annToken = String((await h.admin(`claw token create --member ann ${T}`)).result?.token);
    expect((await as(annToken, `claw approve ${id}`)).status).toBe(200);
    await eventually(async () => ['executed', 'approved'].includes(await status(id)), 15_000, 'the approval to run');
  });

  it('in chat: an account the requester attached is refused with the reason until its owner confirms it with `claw link`; the card shows the platform name', async () => {
    await h.admin(`claw create beta ${T} --project p`);
    const ask = await emu().pushMessage({ chatId: group, chatType: 'group', sender: boss, text: `claw destroy beta ${T} --project p` });
    const card = await feishuReply(emu(), ask.messageId!);
    expect(feishuText(card)).toContain('waiting for approval');
    const approve = feishuButton(card, 'Approve');
    const id = Number(approve.approval);

    await must(bossToken, `claw member add carl ${T} --role approver --feishu ${carl.openId}`);
    await emu().pushCardAction({ operator: carl, value: approve, openMessageId: card.messageId, openChatId: group });
    const why = await emu().waitForMessage((m) => feishuText(m).includes(`Your decision on #${id} does not count`));
    expect(feishuText(why)).toContain('was attached by boss, the requester');
    expect(feishuText(why)).toContain('claw link');
    expect(await status(id)).toBe('pending');

    expect(await direct(carl, 'claw link')).toContain('this Feishu account (Carl Zhang) is yours, member carl: approvals you give from it count now');
    const ok = await emu().pushCardAction({ operator: carl, value: approve, openMessageId: card.messageId, openChatId: group });
    expect(ok.acked).toBe(true);
    await eventually(() => feishuLatest(emu(), card.messageId).includes('carl (Carl Zhang)'), 15_000, 'the card to name the voter');
    const shown = await h.admin(`claw approvals ${id}`);
    expect(shown.text).toContain('carl (Carl Zhang)');
    expect((shown.result as { approval: { voters: unknown[] } }).approval.voters).toEqual([
      { member: 'carl', platformName: 'Carl Zhang', identity: `feishu:${carl.openId}`, decision: 'approve' },
    ]);
  });

  it('an account linked with the requester\'s token does not count, the member\'s other accounts are told, and revoking the token unlinks it', async () => {
    const id = await heldDestroy('gamma');
    await must(bossToken, `claw member add pat ${T} --role approver`);
    await h.admin(`claw member link pat ${T} --feishu ${puppetMain.openId}`);
    await must(bossToken, `claw token create --member pat ${T} --name for-pat`);
    const patToken = String((await must(bossToken, `claw token create --member pat ${T} --name linker`)).result?.token);
    const code = String((await must(patToken, 'claw link')).result?.code);

    expect(await direct(spare, `claw link ${code}`)).toContain('this account now belongs to member pat');
    const told = await emu().waitForMessage((m) => m.receiveIdType === 'open_id' && m.receiveId === puppetMain.openId && feishuText(m).includes('was just linked to you'));
    expect(feishuText(told)).toContain(`feishu:${spare.openId} (Spare Phone), was just linked to you (member pat) with claw link`);
    // An admin attaching one is announced too, naming the admin.
    await must(bossToken, `claw member link pat ${T} --dingtalk staff-pat-extra`);
    const byAdmin = await emu().waitForMessage((m) => m.receiveId === puppetMain.openId && feishuText(m).includes('dingtalk:staff-pat-extra'));
    expect(feishuText(byAdmin)).toContain('was just linked to you (member pat) by boss');

    const refused = await direct(spare, `claw approve ${id}`);
    expect(refused).toContain('was linked with a code from a credential of the requester');
    expect(refused).toContain('token linker was created by boss, the requester');

    const revoked = await must(bossToken, `claw token revoke linker --member pat ${T}`);
    expect(revoked.text).toContain(`Chat accounts linked with it were unlinked: feishu:${spare.openId}`);
    expect(await direct(spare, 'claw whoami')).toContain('You do not have access');
    expect(await status(id)).toBe('pending');
  });

  it('with --independent-approvers on, a role the requester granted does not approve; a platform admin does', async () => {
    const shown = await h.admin('claw tenant policy acme --independent-approvers on');
    expect(shown.text).toMatch(/Independent approvers\s*:?\s*yes/);
    // The tenant admin cannot turn it off again.
    expect((await as(bossToken, 'claw tenant policy acme --independent-approvers off')).status).toBe(403);

    const id = await heldDestroy('delta');
    await h.admin(`claw member add dan ${T} --role viewer`);
    await must(bossToken, `claw grant dan approver ${T}`);
    const danToken = String((await h.admin(`claw token create --member dan ${T}`)).result?.token);
    const refused = await as(danToken, `claw approve ${id}`);
    expect(refused.status).toBe(403);
    expect(refused.body.text).toContain('this tenant wants independent approvers');
    // In chat too: the tenant admin's approver from the test above was granted by the tenant admin.
    expect(await say(carl, `claw approve ${id}`)).toContain('this tenant wants independent approvers');
    expect(await status(id)).toBe('pending');

    expect((await as(h.t.adminToken, `claw approve ${id}`)).status).toBe(200);
    await eventually(async () => ['executed', 'approved'].includes(await status(id)), 15_000, 'the approval to run');
    await h.admin('claw tenant policy acme --independent-approvers off');
  });

  it('a tenant policy names commands and flags that exist: a typo stops the change with a message naming it; a real rule holds', async () => {
    const typo = await as(h.t.adminToken, 'claw tenant policy acme --hold restrat');
    expect(typo.status).toBe(400);
    expect(typo.body.text).toContain('there is no command `claw restrat`');
    const flag = await as(h.t.adminToken, 'claw tenant policy acme --hold "stop --forse"');
    expect(flag.status).toBe(400);
    expect(flag.body.text).toContain('`claw stop` has no yes/no flag --forse (its yes/no flags are');
    expect((await h.admin('claw tenant policy acme')).text).not.toContain('claw restart');

    expect((await h.admin('claw tenant policy acme --hold restart')).text).toContain('claw restart');
    await h.admin(`claw create epsilon ${T} --project p`);
    expect((await as(bossToken, `claw restart epsilon ${T} --project p`)).status).toBe(202);
    const released = await h.admin('claw tenant policy acme --release restart');
    expect(released.text).not.toContain('claw restart');
    expect(released.text).toContain('claw destroy');
    const fromDefaults = await as(h.t.adminToken, 'claw tenant policy acme --release destroy');
    expect(fromDefaults.status).toBe(400);
    expect(fromDefaults.body.text).toContain('configs/approvals.yaml stay');
  });
});
