// claw member remove NAME: removes a member with their tokens, chat identities and role bindings.
import { lastAdminError } from '../src/engines/access/access-engine.js';
import { ClawError } from '../src/errors/claw-error.js';
import { defineCommand } from '../src/pipeline/command-spec.js';
import { platformFlag, tenantFlag } from '../src/pipeline/common-flags.js';

export default defineCommand({
  words: ['member', 'remove'],
  summary: { en: 'Remove a member', zh: '移除成员' },
  description: {
    en: "Their tokens stop working at once. You cannot remove yourself, nor the platform's last platform-admin.",
    zh: '其令牌立即失效。不能移除自己，也不能移除平台最后一个 platform-admin。',
  },
  args: [{ name: 'name', kind: 'member', required: true, help: { en: 'Member name', zh: '成员名' } }],
  flags: { tenant: tenantFlag, platform: platformFlag },
  examples: ['claw member remove bob --tenant acme'],
  permission: 'member:delete',
  risk: 'write',
  scope: ({ flags }) => (flags.platform ? { kind: 'platform' } : { kind: 'tenant', tenant: flags.tenant }),
  engines: ['tenancy', 'access'],
  async handle(ctx) {
    const tenant = ctx.scope.kind === 'tenant' ? ctx.scope.tenant : null;
    const member = await ctx.engines.tenancy.getMember(tenant, ctx.args.name);
    if (member.id === ctx.actor.memberId) {
      throw new ClawError('CLAW_CONFLICT_IN_USE', { detail: { en: 'You cannot remove yourself; ask another admin.', zh: '不能移除自己；请让其他管理员操作。' } });
    }
    if (await ctx.engines.access.isLastPlatformAdmin(member)) throw lastAdminError();
    await ctx.engines.tenancy.removeMember(member);
    return {
      data: { removed: member.name, tenant: tenant?.name ?? null },
      view: { kind: 'message', tone: 'success', text: ctx.t({ en: 'Removed {name}; their tokens no longer work.', zh: '已移除 {name}，其令牌已失效。' }, { name: member.name }) },
    };
  },
});
