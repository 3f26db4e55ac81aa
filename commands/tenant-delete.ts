// claw tenant delete NAME: deletes an empty tenant and its members; refused while it still has projects.
import { defineCommand } from '../src/pipeline/command-spec.js';
import { scopeTenant } from '../src/store/resolved-scope.js';

export default defineCommand({
  words: ['tenant', 'delete'],
  summary: { en: 'Delete a tenant that has no projects', zh: '删除没有项目的租户' },
  description: {
    en: 'Refused while the tenant has projects. Its members, their tokens and chat identities, and its chat bindings are removed with it.',
    zh: '租户下还有项目时会被拒绝。租户的成员及其令牌、聊天身份，以及群绑定会一并删除。',
  },
  args: [{ name: 'name', kind: 'name', required: true, help: { en: 'Tenant name', zh: '租户名' } }],
  flags: {},
  examples: ['claw tenant delete acme'],
  permission: 'tenant:delete',
  risk: 'dangerous',
  scope: ({ args }) => ({ kind: 'tenant', tenant: args.name }),
  engines: ['tenancy'],
  async targets(ctx) {
    const tenant = scopeTenant(ctx.scope);
    return [{ kind: 'tenant', id: tenant.id, name: tenant.name, version: 0 }];
  },
  async handle(ctx) {
    const { tenant, membersRemoved } = await ctx.engines.tenancy.deleteTenant(scopeTenant(ctx.scope));
    return {
      data: { deleted: tenant.name, membersRemoved },
      view: {
        kind: 'message',
        tone: 'success',
        text: ctx.t(
          { en: 'Tenant {name} deleted ({members} member(s) removed with it).', zh: '已删除租户 {name}（同时移除 {members} 名成员）。' },
          { name: tenant.name, members: membersRemoved },
        ),
      },
    };
  },
});
