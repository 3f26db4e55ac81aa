// claw unbind: removes this chat group's binding; commands here go back to each person's own tenant.
import { defineCommand } from '../src/pipeline/command-spec.js';
import { requireGroup } from '../src/model/chat-origin.js';

export default defineCommand({
  words: ['unbind'],
  summary: { en: 'Remove this chat group\'s binding', zh: '解除本群的绑定' },
  args: [],
  flags: {},
  examples: ['claw unbind'],
  permission: 'chat:bind',
  risk: 'write',
  // The group's binding fills the tenant, so the check is chat:bind on the tenant it is bound to.
  scope: () => ({ kind: 'tenant' }),
  engines: ['tenancy', 'platforms'],
  async handle(ctx) {
    const group = requireGroup(ctx.origin, 'unbind', ctx.engines.platforms);
    const { tenancy } = ctx.engines;
    const binding = await tenancy.chatBinding(group.platform, group.orgId, group.chatId);
    if (!binding) {
      return { data: { unbound: null }, view: { kind: 'message', tone: 'info', text: ctx.t({ en: 'This group is not bound to any tenant.', zh: '本群未绑定任何租户。' }) } };
    }
    ctx.authorize('chat:bind', { kind: 'tenant', tenant: binding.tenant.name });
    await tenancy.unbindChat(group.platform, group.orgId, group.chatId);
    return {
      data: { unbound: { platform: group.platform, chatId: group.chatId, tenant: binding.tenant.name } },
      view: { kind: 'message', tone: 'success', text: ctx.t({ en: 'This group is no longer bound to {tenant}.', zh: '本群已解除与 {tenant} 的绑定。' }, { tenant: binding.tenant.name }) },
    };
  },
});
