// claw bind --tenant T [--project P]: binds this chat group to a tenant (and project), so commands typed here default
// to that scope. Permissions still come from each person.
import { defineCommand } from '../src/pipeline/command-spec.js';
import { requireGroup } from '../src/model/chat-origin.js';
import { projectFlag, tenantFlag } from '../src/pipeline/common-flags.js';

export default defineCommand({
  words: ['bind'],
  summary: { en: 'Bind this chat group to a tenant (and project)', zh: '将本群绑定到租户（和项目）' },
  description: {
    en: 'After binding, commands typed in this group act on that tenant and project unless they say otherwise. It sets defaults only: what each person may do still comes from their own roles. Rebinding needs chat:bind on the old tenant too.',
    zh: '绑定后，本群中的命令默认作用于该租户和项目（命令中另行指定的除外）。绑定只设置默认范围：每个人能做什么仍由其自身角色决定。重新绑定时也需要在原租户上拥有 chat:bind 权限。',
  },
  args: [],
  flags: { tenant: { ...tenantFlag, help: { en: 'Tenant to bind to', zh: '要绑定的租户' } }, project: projectFlag },
  examples: ['claw bind --tenant acme', 'claw bind --tenant acme --project sales'],
  permission: 'chat:bind',
  risk: 'write',
  scope: ({ flags }) => (flags.project ? { kind: 'project', tenant: flags.tenant, project: flags.project } : { kind: 'tenant', tenant: flags.tenant }),
  engines: ['tenancy', 'platforms'],
  async handle(ctx) {
    const group = requireGroup(ctx.origin, 'bind', ctx.engines.platforms);
    const { tenancy } = ctx.engines;
    const scope = ctx.scope;
    if (scope.kind !== 'tenant' && scope.kind !== 'project') throw new Error('bind resolves to a tenant or project');
    const before = await tenancy.chatBinding(group.platform, group.orgId, group.chatId);
    if (before && before.tenant.id !== scope.tenant.id) ctx.authorize('chat:bind', { kind: 'tenant', tenant: before.tenant.name });
    const project = scope.kind === 'project' ? scope.project : null;
    await tenancy.bindChat({ ...group, tenant: scope.tenant, project, createdBy: ctx.actor.name });
    const where = project ? `${scope.tenant.name}/${project.name}` : scope.tenant.name;
    return {
      data: { binding: { platform: group.platform, chatId: group.chatId, tenant: scope.tenant.name, project: project?.name ?? null, previous: before ? before.tenant.name : null } },
      view: {
        kind: 'message', tone: 'success',
        text: ctx.t(
          { en: 'This group is now bound to {where}: commands here act there unless they name another tenant or project.', zh: '本群已绑定到 {where}：除非另行指定，本群中的命令都作用于该范围。' },
          { where },
        ),
      },
    };
  },
});
