// claw project list: the projects of a tenant.
import { defineCommand } from '../src/pipeline/command-spec.js';
import { tenantFlag } from '../src/pipeline/common-flags.js';
import { scopeTenant } from '../src/store/resolved-scope.js';
import { formatAge } from '../src/render/format.js';

export default defineCommand({
  words: ['project', 'list'],
  summary: { en: 'List the projects of a tenant', zh: '列出租户的项目' },
  args: [],
  flags: { tenant: tenantFlag },
  examples: ['claw project list', 'claw project list --tenant acme'],
  permission: 'project:read',
  risk: 'read',
  scope: ({ flags }) => ({ kind: 'tenant', tenant: flags.tenant }),
  engines: ['tenancy'],
  async handle(ctx) {
    const tenant = scopeTenant(ctx.scope);
    const projects = await ctx.engines.tenancy.listProjects(tenant);
    return {
      data: { tenant: tenant.name, projects: projects.map((p) => ({ name: p.name, displayName: p.displayName, createdAt: p.createdAt.toISOString() })) },
      view: {
        kind: 'table',
        title: ctx.t({ en: 'Projects of {tenant}', zh: '{tenant} 的项目' }, { tenant: tenant.name }),
        columns: [
          { key: 'name', label: ctx.t({ en: 'Name', zh: '名称' }) },
          { key: 'displayName', label: ctx.t({ en: 'Display name', zh: '显示名称' }) },
          { key: 'age', label: ctx.t({ en: 'Age', zh: '创建于' }), align: 'right' },
        ],
        rows: projects.map((p) => ({ name: p.name, displayName: p.displayName, age: formatAge(p.createdAt) })),
        empty: ctx.t({ en: 'No projects in {tenant}. Create one with `claw project create NAME`.', zh: '{tenant} 还没有项目。用 `claw project create 名称` 创建一个。' }, { tenant: tenant.name }),
      },
    };
  },
});
