// claw tenant list: the tenants you may see (all of them for platform readers).
import { defineCommand } from '../src/pipeline/command-spec.js';
import { tenantsAllowed } from '../src/model/rbac.js';
import { formatAge } from '../src/render/format.js';

export default defineCommand({
  words: ['tenant', 'list'],
  summary: { en: 'List tenants', zh: '列出租户' },
  args: [],
  flags: {},
  examples: ['claw tenant list'],
  permission: 'tenant:read',
  risk: 'read',
  scope: () => ({ kind: 'tenant', orPlatform: true }),
  engines: ['tenancy'],
  async handle(ctx) {
    const tenants = await ctx.engines.tenancy.listTenants(tenantsAllowed(ctx.actor, 'tenant:read'));
    return {
      data: { tenants: tenants.map((t) => ({ name: t.name, displayName: t.displayName, projects: t.projects, members: t.members, createdAt: t.createdAt.toISOString() })) },
      view: {
        kind: 'table',
        columns: [
          { key: 'name', label: ctx.t({ en: 'Name', zh: '名称' }) },
          { key: 'displayName', label: ctx.t({ en: 'Display name', zh: '显示名称' }) },
          { key: 'projects', label: ctx.t({ en: 'Projects', zh: '项目' }), align: 'right' },
          { key: 'members', label: ctx.t({ en: 'Members', zh: '成员' }), align: 'right' },
          { key: 'age', label: ctx.t({ en: 'Age', zh: '创建于' }), align: 'right' },
        ],
        rows: tenants.map((t) => ({ name: t.name, displayName: t.displayName, projects: String(t.projects), members: String(t.members), age: formatAge(t.createdAt) })),
        empty: ctx.t({ en: 'No tenants yet. Create one with `claw tenant create NAME`.', zh: '还没有租户。用 `claw tenant create 名称` 创建一个。' }),
      },
    };
  },
});
