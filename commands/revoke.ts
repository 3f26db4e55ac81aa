// claw revoke MEMBER ROLE: takes a role away from a member on a tenant, a project, or the platform.
import { ClawError } from '../src/errors/claw-error.js';
import { defineCommand } from '../src/pipeline/command-spec.js';
import { projectFlag, tenantFlag } from '../src/pipeline/common-flags.js';
import { targetOf } from '../src/store/resolved-scope.js';
import { formatBinding } from '../src/render/format.js';

export default defineCommand({
  words: ['revoke'],
  summary: { en: 'Revoke a role from a member', zh: '撤销成员的角色' },
  args: [
    { name: 'member', kind: 'member', required: true, help: { en: 'Member name', zh: '成员名' } },
    { name: 'role', kind: 'string', required: true, maxLength: 64, help: { en: 'Role name', zh: '角色名' } },
  ],
  flags: {
    tenant: tenantFlag,
    project: projectFlag,
    platform: { kind: 'bool', help: { en: 'Revoke a platform-wide role', zh: '撤销平台范围的角色' } },
  },
  examples: ['claw revoke bob operator --tenant acme', 'claw revoke bob developer --project sales'],
  permission: 'role:revoke',
  risk: 'write',
  scope: ({ flags }) =>
    flags.platform ? { kind: 'platform' } : flags.project ? { kind: 'project', tenant: flags.tenant, project: flags.project } : { kind: 'tenant', tenant: flags.tenant },
  engines: ['tenancy', 'access'],
  async handle(ctx) {
    const tenant = ctx.scope.kind === 'tenant' || ctx.scope.kind === 'project' ? ctx.scope.tenant : null;
    const member = await ctx.engines.tenancy.getMemberFor(tenant, ctx.args.member);
    const binding = formatBinding(ctx.args.role, targetOf(ctx.scope));
    const removed = await ctx.engines.access.revoke({ member, role: ctx.args.role, scope: ctx.scope });
    if (!removed) {
      throw new ClawError('CLAW_NOT_FOUND', { kind: { en: 'Role binding', zh: '角色绑定' }, name: `${member.name} ${binding}` });
    }
    return {
      data: { member: member.name, role: ctx.args.role, scope: targetOf(ctx.scope) },
      view: { kind: 'message', tone: 'success', text: ctx.t({ en: 'Revoked {binding} from {member}.', zh: '已撤销 {member} 的角色 {binding}。' }, { binding, member: member.name }) },
    };
  },
});
