// claw project create NAME: creates a project (a group of instances) in a tenant.
import { defineCommand } from '../src/pipeline/command-spec.js';
import { displayNameFlag, tenantFlag } from '../src/pipeline/common-flags.js';
import { scopeTenant } from '../src/store/resolved-scope.js';

export default defineCommand({
  words: ['project', 'create'],
  summary: { en: 'Create a project in a tenant', zh: '在租户中创建项目' },
  args: [{ name: 'name', kind: 'name', required: true, help: { en: 'Project name: lowercase letters, digits and "-"', zh: '项目名：小写字母、数字和 "-"' } }],
  flags: { tenant: tenantFlag, 'display-name': displayNameFlag },
  examples: ['claw project create sales --tenant acme', 'claw project create sales --display-name "Sales bots"'],
  permission: 'project:create',
  risk: 'write',
  scope: ({ flags }) => ({ kind: 'tenant', tenant: flags.tenant }),
  engines: ['tenancy'],
  async handle(ctx) {
    const tenant = scopeTenant(ctx.scope);
    const project = await ctx.engines.tenancy.createProject({ tenant, name: ctx.args.name, displayName: ctx.flags['display-name'], createdBy: ctx.actor.name });
    return {
      data: { project: { tenant: tenant.name, name: project.name, displayName: project.displayName, createdAt: project.createdAt.toISOString() } },
      view: {
        kind: 'message',
        tone: 'success',
        text: ctx.t({ en: 'Project {tenant}/{name} created.', zh: '已创建项目 {tenant}/{name}。' }, { tenant: tenant.name, name: project.name }),
      },
    };
  },
});
