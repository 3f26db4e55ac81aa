// claw roles: the built-in roles and the permissions each one grants.
import { defineCommand } from '../src/pipeline/command-spec.js';

export default defineCommand({
  words: ['roles'],
  summary: { en: 'List roles and their permissions', zh: '列出角色及其权限' },
  args: [],
  flags: {},
  examples: ['claw roles'],
  permission: 'role:read',
  risk: 'read',
  scope: () => ({ kind: 'tenant', orPlatform: true }),
  engines: ['access'],
  async handle(ctx) {
    const roles = ctx.engines.access.roles.roles;
    return {
      data: { roles: roles.map((r) => ({ name: r.name, description: r.description[ctx.locale], permissions: r.permissions })) },
      view: {
        kind: 'table',
        columns: [
          { key: 'name', label: ctx.t({ en: 'Role', zh: '角色' }) },
          { key: 'description', label: ctx.t({ en: 'Description', zh: '说明' }) },
          { key: 'permissions', label: ctx.t({ en: 'Permissions', zh: '权限' }) },
        ],
        rows: roles.map((r) => ({ name: r.name, description: ctx.t(r.description), permissions: r.permissions.join(' ') })),
        empty: '-',
      },
    };
  },
});
