// claw whoami: who the control plane thinks you are, how it recognised you, and your roles.
import { defineCommand } from '../src/pipeline/command-spec.js';
import { describeIdentity } from '../src/model/principal.js';
import { scopePath } from '../src/model/scope.js';
import { formatBinding } from '../src/render/format.js';

export default defineCommand({
  words: ['whoami'],
  summary: { en: 'Show who you are and your roles', zh: '显示你的身份和角色' },
  args: [],
  flags: {},
  examples: ['claw whoami'],
  permission: null,
  risk: 'read',
  scope: () => ({ kind: 'none' }),
  engines: [],
  async handle(ctx) {
    const a = ctx.actor;
    const roles = a.bindings.map((b) => ({ role: b.role, scope: scopePath(b.scope) }));
    const data = { member: a.name, displayName: a.displayName, tenant: a.tenant?.name ?? null, identity: describeIdentity(a.identity), roles };
    const none = ctx.t({ en: '(none)', zh: '（无）' });
    return {
      data,
      view: {
        kind: 'detail',
        title: ctx.t({ en: 'You are {name}', zh: '你是 {name}' }, { name: a.displayName === a.name ? a.name : `${a.name} (${a.displayName})` }),
        fields: [
          { label: ctx.t({ en: 'Member', zh: '成员' }), value: a.name },
          { label: ctx.t({ en: 'Tenant', zh: '租户' }), value: a.tenant?.name ?? ctx.t({ en: '(platform)', zh: '（平台）' }) },
          { label: ctx.t({ en: 'Signed in with', zh: '登录方式' }), value: data.identity },
          { label: ctx.t({ en: 'Roles', zh: '角色' }), value: a.bindings.map((b) => formatBinding(b.role, b.scope)).join(', ') || none },
        ],
      },
    };
  },
});
