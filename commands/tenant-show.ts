// claw tenant show NAME: one tenant with its projects and member count.
import { defineCommand } from '../src/pipeline/command-spec.js';
import { scopeTenant } from '../src/store/resolved-scope.js';
import { formatTime } from '../src/render/format.js';

export default defineCommand({
  words: ['tenant', 'show'],
  summary: { en: 'Show a tenant', zh: '查看租户详情' },
  args: [{ name: 'name', kind: 'name', required: true, help: { en: 'Tenant name', zh: '租户名' } }],
  flags: {},
  examples: ['claw tenant show acme'],
  permission: 'tenant:read',
  risk: 'read',
  scope: ({ args }) => ({ kind: 'tenant', tenant: args.name }),
  engines: ['tenancy'],
  async handle(ctx) {
    const tenant = scopeTenant(ctx.scope);
    const [projects, members] = await Promise.all([ctx.engines.tenancy.listProjects(tenant), ctx.engines.tenancy.listMembers(tenant)]);
    const none = ctx.t({ en: '(none)', zh: '（无）' });
    return {
      data: {
        tenant: { name: tenant.name, displayName: tenant.displayName, createdAt: tenant.createdAt.toISOString(), createdBy: tenant.createdBy },
        projects: projects.map((p) => p.name),
        members: members.length,
      },
      view: {
        kind: 'detail',
        title: ctx.t({ en: 'Tenant {name}', zh: '租户 {name}' }, { name: tenant.name }),
        fields: [
          { label: ctx.t({ en: 'Display name', zh: '显示名称' }), value: tenant.displayName },
          { label: ctx.t({ en: 'Namespace', zh: '命名空间' }), value: `claw-${tenant.name}` },
          { label: ctx.t({ en: 'Projects', zh: '项目' }), value: projects.map((p) => p.name).join(', ') || none },
          { label: ctx.t({ en: 'Members', zh: '成员数' }), value: String(members.length) },
          { label: ctx.t({ en: 'Created', zh: '创建时间' }), value: `${formatTime(tenant.createdAt, ctx.locale)}${tenant.createdBy ? ` (${tenant.createdBy})` : ''}` },
        ],
      },
    };
  },
});
