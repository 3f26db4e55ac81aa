// claw project delete NAME: deletes a project and the role bindings and chat bindings scoped to it.
import { defineCommand } from '../src/pipeline/command-spec.js';
import { tenantFlag } from '../src/pipeline/common-flags.js';
import { scopeProject, scopeTenant } from '../src/store/resolved-scope.js';

export default defineCommand({
  words: ['project', 'delete'],
  summary: { en: 'Delete a project', zh: '删除项目' },
  args: [{ name: 'name', kind: 'name', required: true, help: { en: 'Project name', zh: '项目名' } }],
  flags: { tenant: tenantFlag },
  examples: ['claw project delete sales --tenant acme'],
  permission: 'project:delete',
  risk: 'dangerous',
  scope: ({ args, flags }) => ({ kind: 'project', tenant: flags.tenant, project: args.name }),
  engines: ['tenancy'],
  async targets(ctx) {
    const project = scopeProject(ctx.scope);
    return [{ kind: 'project', id: project.id, name: `${scopeTenant(ctx.scope).name}/${project.name}`, version: 0 }];
  },
  async handle(ctx) {
    const tenant = scopeTenant(ctx.scope);
    const project = scopeProject(ctx.scope);
    await ctx.engines.tenancy.deleteProject(project);
    return {
      data: { deleted: `${tenant.name}/${project.name}` },
      view: { kind: 'message', tone: 'success', text: ctx.t({ en: 'Project {name} deleted.', zh: '已删除项目 {name}。' }, { name: `${tenant.name}/${project.name}` }) },
    };
  },
});
