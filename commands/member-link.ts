// claw member link NAME --<platform> ID (--feishu OPEN_ID, --dingtalk STAFF_ID, ...): attaches a person's chat account to their member (admins), so
// messages from that account act as the member.
import { ClawError } from '../src/errors/claw-error.js';
import { defineCommand } from '../src/pipeline/command-spec.js';
import { chatIdentitiesOf } from '../src/pipeline/chat-identity-flags.js';
import { platformFlag, tenantFlag } from '../src/pipeline/common-flags.js';
import { madeBy } from '../src/model/principal.js';

export default defineCommand({
  words: ['member', 'link'],
  summary: { en: 'Attach a Feishu or DingTalk account to a member', zh: '为成员关联飞书或钉钉账号' },
  description: {
    en: 'Feishu accounts are open_ids (ou_…), DingTalk accounts staff ids. The unknown person sees theirs in the bot\'s access hint. An account belongs to one member only.',
    zh: '飞书账号为 open_id（ou_…），钉钉账号为 staffId。未授权的人向机器人发消息时，提示中会显示其账号。一个账号只能属于一个成员。',
  },
  args: [{ name: 'name', kind: 'member', required: true, help: { en: 'Member name', zh: '成员名' } }],
  flags: { tenant: tenantFlag, platform: platformFlag },
  accountFlags: true,
  examples: ['claw member link bob --feishu ou_3f2a9c', 'claw member link bob --dingtalk 0123456789'],
  permission: 'member:update',
  risk: 'write',
  scope: ({ flags }) => (flags.platform ? { kind: 'platform' } : { kind: 'tenant', tenant: flags.tenant }),
  engines: ['tenancy', 'identities', 'platforms'],
  async handle(ctx) {
    const { tenancy, identities, platforms } = ctx.engines;
    const wanted = chatIdentitiesOf(ctx.flags, platforms);
    if (wanted.length === 0) {
      const first = platforms.all[0];
      const example = first ? ` --${first.name} ${first.account.example}` : '';
      throw new ClawError('CLAW_ARG_MISSING', { what: platforms.all.map((p) => `--${p.name}`).join(' / ') || 'an account flag' }, { hint: { en: `claw member link NAME${example}`, zh: `claw member link 名称${example}` } });
    }
    const member = await tenancy.getMember(ctx.scope.kind === 'tenant' ? ctx.scope.tenant : null, ctx.args.name);
    // Attached by an admin: votes from these accounts count once their owner confirms each with `claw link` from it.
    for (const w of wanted) await identities.attach(member, w.platform, w.userId, undefined, null, { byMemberId: ctx.actor.memberId, via: madeBy(ctx.actor).via, confirmed: false });
    return {
      data: { member: member.name, identities: wanted },
      view: {
        kind: 'message', tone: 'success',
        text: ctx.t({ en: 'Linked {ids} to {name}.', zh: '已将 {ids} 关联到 {name}。' }, { ids: wanted.map((w) => `${w.platform}:${w.userId}`).join(', '), name: member.name }),
      },
    };
  },
});
