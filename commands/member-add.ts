// claw member add NAME: adds a person to a tenant (or to the platform) with a role, viewer by default.
import { checkGrantable } from '../src/engines/access/grant-check.js';
import { ClawError } from '../src/errors/claw-error.js';
import { chatIdentitiesOf } from '../src/pipeline/chat-identity-flags.js';
import { defineCommand } from '../src/pipeline/command-spec.js';
import { madeBy } from '../src/model/principal.js';
import { displayNameFlag, platformFlag, tenantFlag } from '../src/pipeline/common-flags.js';
import { targetOf } from '../src/store/resolved-scope.js';
import { formatBinding } from '../src/render/format.js';

export default defineCommand({
  words: ['member', 'add'],
  summary: { en: 'Add a member to a tenant', zh: '向租户添加成员' },
  description: {
    en: 'The member gets the role given with --role (viewer by default) on the tenant. Give them a token with `claw token create --member NAME`.',
    zh: '成员在租户上获得 --role 指定的角色（默认 viewer）。用 `claw token create --member 名称` 为其创建令牌。',
  },
  args: [{ name: 'name', kind: 'member', required: true, help: { en: 'Member name, e.g. bob or alice.wang', zh: '成员名，如 bob 或 alice.wang' } }],
  flags: {
    tenant: tenantFlag,
    platform: platformFlag,
    role: { kind: 'string', maxLength: 64, help: { en: 'Role on the tenant (default viewer; none for platform members)', zh: '在租户上的角色（默认 viewer；平台成员默认无）' } },
    'display-name': displayNameFlag,
  },
  accountFlags: true,
  examples: ['claw member add bob --tenant acme --role viewer', 'claw member add carol --role operator --feishu ou_7d8a6e --dingtalk 0123456789', 'claw member add alice.wang --role operator --display-name "王丽"', 'claw member add ops --platform --role platform-admin'],
  permission: 'member:create',
  risk: 'write',
  scope: ({ flags }) => (flags.platform ? { kind: 'platform' } : { kind: 'tenant', tenant: flags.tenant }),
  engines: ['tenancy', 'access', 'identities', 'platforms'],
  async handle(ctx) {
    const { tenancy, access, identities } = ctx.engines;
    const accounts = chatIdentitiesOf(ctx.flags, ctx.engines.platforms);
    const tenant = ctx.scope.kind === 'tenant' ? ctx.scope.tenant : null;
    const roleName = ctx.flags.role ?? (tenant ? 'viewer' : undefined);
    // Check the role before creating anything, so a refused grant leaves no half-made member behind.
    if (roleName) {
      ctx.authorize('role:grant', ctx.scope);
      checkGrantable(access.roles, ctx.actor, roleName, targetOf(ctx.scope));
    }
    for (const a of accounts) {
      const owner = await identities.ownerOf(a.platform, a.userId);
      const held = owner ? await tenancy.getMemberById(owner.memberId) : null;
      if (held) throw new ClawError('CLAW_CONFLICT_EXISTS', { kind: { en: `${a.platform} account`, zh: `${a.platform} 账号` }, name: a.userId }, { hint: { en: `It belongs to member ${held.name}.`, zh: `它属于成员 ${held.name}。` } });
    }
    const member = await tenancy.addMember({ tenant, name: ctx.args.name, displayName: ctx.flags['display-name'], createdBy: ctx.actor.name });
    if (roleName) await access.grant({ member, role: roleName, scope: ctx.scope, createdBy: ctx.actor.name, by: madeBy(ctx.actor) });
    // Attached by an admin: votes from these accounts count once their owner confirms each with `claw link` from it.
    for (const a of accounts) await identities.attach(member, a.platform, a.userId, undefined, null, { byMemberId: ctx.actor.memberId, via: madeBy(ctx.actor).via, confirmed: false });
    const where = tenant ? tenant.name : ctx.t({ en: 'the platform', zh: '平台' });
    const roleText = roleName ? formatBinding(roleName, targetOf(ctx.scope)) : ctx.t({ en: 'no role yet', zh: '暂无角色' });
    return {
      data: { member: { name: member.name, displayName: member.displayName, tenant: tenant?.name ?? null, roles: roleName ? [roleName] : [], accounts } },
      view: {
        kind: 'message',
        tone: 'success',
        text: accounts.length
          ? ctx.t(
            { en: 'Added {name} to {where} ({role}) with {accounts}: they can talk to the bot now.', zh: '已将 {name} 添加到 {where}（{role}），并关联 {accounts}：现在可以直接与机器人对话。' },
            { name: member.name, where, role: roleText, accounts: accounts.map((a) => `${a.platform}:${a.userId}`).join(', ') },
          )
          : ctx.t(
            { en: 'Added {name} to {where} ({role}). Next: claw token create --member {name}{tenantFlag}', zh: '已将 {name} 添加到 {where}（{role}）。下一步：claw token create --member {name}{tenantFlag}' },
            { name: member.name, where, role: roleText, tenantFlag: tenant ? ` --tenant ${tenant.name}` : ' --platform' },
          ),
      },
    };
  },
});
