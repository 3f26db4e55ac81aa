// claw member list: the members of a tenant (or the platform's members) with their roles.
import { defineCommand } from '../src/pipeline/command-spec.js';
import { platformFlag, tenantFlag } from '../src/pipeline/common-flags.js';
import { formatAge, formatBinding } from '../src/render/format.js';

export default defineCommand({
  words: ['member', 'list'],
  summary: { en: 'List members and their roles', zh: '列出成员及其角色' },
  args: [],
  flags: { tenant: tenantFlag, platform: platformFlag },
  examples: ['claw member list', 'claw member list --tenant acme', 'claw member list --platform'],
  permission: 'member:read',
  risk: 'read',
  scope: ({ flags }) => (flags.platform ? { kind: 'platform' } : { kind: 'tenant', tenant: flags.tenant, orPlatform: true }),
  engines: ['tenancy', 'access'],
  async handle(ctx) {
    const tenant = ctx.scope.kind === 'tenant' ? ctx.scope.tenant : null;
    const members = await ctx.engines.tenancy.listMembers(tenant);
    const bindings = await ctx.engines.access.bindingsOf(members.map((m) => m.id));
    const rows = members.map((m) => ({
      name: m.name,
      displayName: m.displayName,
      roles: (bindings.get(m.id) ?? []).map((b) => formatBinding(b.binding.roleName, b.target)),
      createdAt: m.createdAt,
    }));
    return {
      data: { tenant: tenant?.name ?? null, members: rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() })) },
      view: {
        kind: 'table',
        title: tenant ? ctx.t({ en: 'Members of {tenant}', zh: '{tenant} 的成员' }, { tenant: tenant.name }) : ctx.t({ en: 'Platform members', zh: '平台成员' }),
        columns: [
          { key: 'name', label: ctx.t({ en: 'Name', zh: '名称' }) },
          { key: 'displayName', label: ctx.t({ en: 'Display name', zh: '显示名称' }) },
          { key: 'roles', label: ctx.t({ en: 'Roles', zh: '角色' }) },
          { key: 'age', label: ctx.t({ en: 'Age', zh: '加入于' }), align: 'right' },
        ],
        rows: rows.map((r) => ({ name: r.name, displayName: r.displayName, roles: r.roles.join(', ') || '-', age: formatAge(r.createdAt) })),
        empty: ctx.t({ en: 'No members yet. Add one with `claw member add NAME`.', zh: '还没有成员。用 `claw member add 名称` 添加。' }),
      },
    };
  },
});
