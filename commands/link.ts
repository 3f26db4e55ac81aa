// claw link [CODE]: joins your Feishu, DingTalk and CLI identities into one member. `claw link` gives a one-time code
// (shown to you privately); sending `claw link CODE` to the bot from your other account attaches that account to you.
// From a chat account an admin attached to you, the first `claw link` also confirms it is yours (votes from it count then).
import { ClawError } from '../src/errors/claw-error.js';
import { defineCommand } from '../src/pipeline/command-spec.js';
import { credentialOf } from '../src/model/principal.js';
import { formatTime } from '../src/render/format.js';

export default defineCommand({
  words: ['link'],
  summary: { en: 'Link your accounts on other chat apps to you', zh: '将你在其他聊天应用上的账号关联到你' },
  description: {
    en: 'Run `claw link` where you are known (a chat app or the CLI) to get a code valid for ten minutes, then send `claw link CODE` to the bot from the account to add. Permissions stay yours: the linked account acts as you, your other chat accounts are told, and revoking the token that asked for the code removes the link. If an admin attached this chat account to you, your first `claw link` from it also confirms it is yours: approvals from it count only after that.',
    zh: '在已有账号的地方（聊天应用或命令行）发送 `claw link` 获取 10 分钟内有效的关联码，再用要添加的账号向机器人发送 `claw link 关联码`。关联后该账号以你的身份和权限操作，你的其他聊天账号会收到通知；吊销获取关联码的令牌会解除该关联。如果此聊天账号是管理员为你关联的，你在该账号上第一次发送 `claw link` 同时确认它属于你：确认后从它发出的审批才计入。',
  },
  args: [{ name: 'code', kind: 'string', maxLength: 20, help: { en: 'A code from `claw link` (from your other account)', zh: '在另一账号上通过 `claw link` 获得的关联码' } }],
  flags: {},
  examples: ['claw link', 'claw link 482-913'],
  permission: null,
  risk: 'write',
  scope: () => ({ kind: 'none' }),
  engines: ['identities', 'tenancy', 'platforms'],
  async handle(ctx) {
    const { identities, tenancy, platforms } = ctx.engines;
    const member = await tenancy.getMemberById(ctx.actor.memberId);
    if (!member) throw new ClawError('CLAW_NOT_FOUND', { kind: { en: 'Member', zh: '成员' }, name: ctx.actor.name });
    if (ctx.args.code !== undefined) {
      // Known already: the code could only move this account to another member, which an admin must decide.
      const identity = ctx.actor.identity;
      const owner = await identities.redeem(ctx.args.code);
      if (owner?.memberId === member.id) {
        return { data: { linked: false, member: member.name }, view: { kind: 'message', tone: 'info', text: ctx.t({ en: 'This account already belongs to you ({name}).', zh: '此账号已属于你（{name}）。' }, { name: member.name }) } };
      }
      throw new ClawError('CLAW_ARG_INVALID', {
        what: { en: 'link', zh: '关联' },
        reason: identity.kind === 'chat'
          ? { en: `this account already belongs to member ${member.name}; an admin can move it with claw member link`, zh: `此账号已属于成员 ${member.name}，如需变更请管理员使用 claw member link` }
          : { en: 'codes are redeemed from the chat account to add, not from the CLI', zh: '关联码需要在要添加的聊天账号中使用，而不是命令行' },
      });
    }
    const identity = ctx.actor.identity;
    const account = identity.kind === 'chat' && identity.identityId ? await identities.byId(identity.identityId) : null;
    // An account someone else attached (or one from before attachments were recorded): asking for a code from it is
    // its owner confirming, from the account itself, that it is theirs; votes from it count from now on.
    const confirmed = account && identity.kind === 'chat' && account.addedByMemberId !== member.id && await identities.confirm(account.id, identity.platformName ?? null);
    const { code, expiresAt } = await identities.newLinkCode(member, credentialOf(identity));
    return {
      data: { code, expiresAt: expiresAt.toISOString(), ...(account ? { confirmed: Boolean(confirmed), platformName: identity.kind === 'chat' ? identity.platformName ?? null : null } : {}) },
      view: {
        kind: 'secret',
        title: ctx.t({ en: 'Link code for {name}', zh: '{name} 的关联码' }, { name: member.name }),
        label: ctx.t({ en: 'Code', zh: '关联码' }),
        secret: code,
        warning: ctx.t({
          en: 'Send `claw link {code}` to the bot from your other account before {time}. It works once; whoever uses it acts as you, so keep it to yourself.',
          zh: '请在 {time} 前用你的另一个账号向机器人发送 `claw link {code}`。关联码只能使用一次；使用者将以你的身份操作，请勿泄露。',
        }, { code, time: formatTime(expiresAt, ctx.locale) }),
        fields: account && confirmed
          ? [{
            label: ctx.t({ en: 'Confirmed', zh: '已确认' }),
            value: ctx.t({
              en: 'this {platform} account ({shown}) is yours, member {name}: approvals you give from it count now',
              zh: '此{platform}账号（{shown}）属于你（成员 {name}）：从此账号发出的审批现在计入',
            }, {
              platform: ctx.t(platforms.label(account.platform)),
              shown: (identity.kind === 'chat' ? identity.platformName : undefined) ?? account.userId, name: member.name,
            }),
          }]
          : [],
      },
    };
  },
});
