// claw digest unsubscribe ID: stops a digest subscription (its group gets no more digests).
import { ClawError } from '../src/errors/claw-error.js';
import { defineCommand } from '../src/pipeline/command-spec.js';
import { tenantFlag } from '../src/pipeline/common-flags.js';

export default defineCommand({
  words: ['digest', 'unsubscribe'],
  summary: { en: 'Stop a usage digest subscription', zh: '取消用量摘要订阅' },
  args: [{ name: 'id', kind: 'int', min: 1, required: true, help: { en: 'Subscription ID (claw digest list)', zh: '订阅 ID（见 claw digest list）' } }],
  flags: { tenant: tenantFlag },
  examples: ['claw digest unsubscribe 3', 'claw digest unsubscribe 3 --tenant acme'],
  permission: 'digest:manage',
  risk: 'write',
  scope: ({ flags }) => ({ kind: 'tenant', tenant: flags.tenant, orPlatform: true }),
  engines: ['digests'],
  async handle(ctx) {
    const id = ctx.args.id;
    const subscription = await ctx.engines.digests.find(id);
    // Another tenant's subscription is as good as missing: its existence is not this caller's to learn.
    if (!subscription || (ctx.scope.kind === 'tenant' && subscription.tenantId !== ctx.scope.tenant.id)) {
      throw new ClawError('CLAW_NOT_FOUND', { kind: { en: 'Digest subscription', zh: '用量摘要订阅' }, name: `#${id}` });
    }
    await ctx.engines.digests.unsubscribe(subscription);
    return {
      data: { unsubscribed: { id, chat: `${subscription.platform}:${subscription.chatId}` } },
      view: { kind: 'message', tone: 'success', text: ctx.t({ en: 'Digest subscription #{id} stopped: {chat} gets no more digests.', zh: '已取消用量摘要订阅 #{id}：{chat} 不再收到摘要。' }, { id, chat: `${subscription.platform}:${subscription.chatId}` }) },
    };
  },
});
