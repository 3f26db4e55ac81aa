// claw grant MEMBER ROLE: gives a member a role on a tenant, a project, or the platform.
import { checkGrantable } from '../src/engines/access/grant-check.js';
import { defineCommand } from '../src/pipeline/command-spec.js';
import { projectFlag, tenantFlag } from '../src/pipeline/common-flags.js';
import { madeBy } from '../src/model/principal.js';
import { targetOf } from '../src/store/resolved-scope.js';
import { formatBinding } from '../src/render/format.js';

export default defineCommand({
  words: ['grant'],
  summary: { en: 'Grant a role to a member', zh: '为成员授予角色' },
  description: {
    en: 'The role applies on the tenant, on one project (--project), or on the whole platform (--platform). You can only grant permissions you hold there yourself.',
    zh: '角色作用于租户、某个项目（--project）或整个平台（--platform）。你只能授予自己在该范围内拥有的权限。',
  },
  args: [
    { name: 'member', kind: 'member', required: true, help: { en: 'Member name', zh: '成员名' } },
    { name: 'role', kind: 'string', required: true, maxLength: 64, help: { en: 'Role name (see `claw roles`)', zh: '角色名（见 `claw roles`）' } },
  ],
  flags: {
    tenant: tenantFlag,
    project: projectFlag,
    platform: { kind: 'bool', help: { en: 'Grant on the whole platform', zh: '在整个平台范围授予' } },
  },
  examples: ['claw grant bob operator --tenant acme', 'claw grant bob developer --project sales', 'claw grant carol platform-admin --platform'],
  permission: 'role:grant',
  risk: 'write',
  scope: ({ flags }) =>
    flags.platform ? { kind: 'platform' } : flags.project ? { kind: 'project', tenant: flags.tenant, project: flags.project } : { kind: 'tenant', tenant: flags.tenant },
  engines: ['tenancy', 'access'],
  async handle(ctx) {
    const { tenancy, access } = ctx.engines;
    const target = targetOf(ctx.scope);
    checkGrantable(access.roles, ctx.actor, ctx.args.role, target);
    const tenant = ctx.scope.kind === 'tenant' || ctx.scope.kind === 'project' ? ctx.scope.tenant : null;
    const member = await tenancy.getMemberFor(tenant, ctx.args.member);
    const { created } = await access.grant({ member, role: ctx.args.role, scope: ctx.scope, createdBy: ctx.actor.name, by: madeBy(ctx.actor) });
    const binding = formatBinding(ctx.args.role, target);
    return {
      data: { member: member.name, role: ctx.args.role, scope: target, created },
      view: {
        kind: 'message',
        tone: created ? 'success' : 'info',
        text: created
          ? ctx.t({ en: 'Granted {binding} to {member}.', zh: '已授予 {member} 角色 {binding}。' }, { binding, member: member.name })
          : ctx.t({ en: '{member} already has {binding}.', zh: '{member} 已拥有角色 {binding}。' }, { binding, member: member.name }),
      },
    };
  },
});
