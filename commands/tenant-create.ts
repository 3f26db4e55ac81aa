// claw tenant create NAME: creates a tenant (its Kubernetes namespace will be claw-NAME).
import { defineCommand } from '../src/pipeline/command-spec.js';
import { displayNameFlag } from '../src/pipeline/common-flags.js';
import { formatTime } from '../src/render/format.js';

export default defineCommand({
  words: ['tenant', 'create'],
  summary: { en: 'Create a tenant', zh: '创建租户' },
  description: {
    en: 'A tenant is an organisation unit with its own namespace (claw-NAME), quota, members and policies.',
    zh: '租户是一个组织单元，拥有独立的命名空间（claw-名称）、配额、成员和策略。',
  },
  args: [{
    name: 'name', kind: 'name', required: true, maxLength: 40,
    help: { en: 'Tenant name: lowercase letters, digits and "-", at most 40', zh: '租户名：小写字母、数字和 "-"，最多 40 个字符' },
  }],
  flags: { 'display-name': displayNameFlag },
  examples: ['claw tenant create acme', 'claw tenant create acme --display-name "Acme Corp"'],
  permission: 'tenant:create',
  risk: 'write',
  scope: () => ({ kind: 'platform' }),
  engines: ['tenancy'],
  async handle(ctx) {
    const tenant = await ctx.engines.tenancy.createTenant({ name: ctx.args.name, displayName: ctx.flags['display-name'], createdBy: ctx.actor.name });
    return {
      data: { tenant: { name: tenant.name, displayName: tenant.displayName, createdAt: tenant.createdAt.toISOString() } },
      view: {
        kind: 'detail',
        tone: 'success',
        title: ctx.t({ en: 'Tenant {name} created', zh: '已创建租户 {name}' }, { name: tenant.name }),
        fields: [
          { label: ctx.t({ en: 'Display name', zh: '显示名称' }), value: tenant.displayName },
          { label: ctx.t({ en: 'Created', zh: '创建时间' }), value: formatTime(tenant.createdAt, ctx.locale) },
          { label: ctx.t({ en: 'Next', zh: '下一步' }), value: `claw project create NAME --tenant ${tenant.name}` },
        ],
      },
    };
  },
});
