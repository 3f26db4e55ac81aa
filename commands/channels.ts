// claw channels: which chat channels are on and connected, how the outbox is doing, and which groups are bound.
import { defineCommand } from '../src/pipeline/command-spec.js';
import { tenantFlag } from '../src/pipeline/common-flags.js';
import { formatAge } from '../src/render/format.js';

export default defineCommand({
  words: ['channels'],
  summary: { en: 'Show chat channels, the outbox and bound groups', zh: '查看聊天渠道、发送队列和已绑定的群' },
  description: {
    en: 'A channel is on when its app\'s credentials are configured (with none on, this says which variables). Bound groups are those of your tenant (all of them for platform members).',
    zh: '配置了应用凭据的渠道会启用（一个都没有时，这里会列出需要设置的变量）。已绑定的群只列出你所在租户的（平台成员可看到全部）。',
  },
  args: [],
  flags: { tenant: tenantFlag },
  examples: ['claw channels', 'claw channels --tenant acme'],
  permission: 'tenant:read',
  risk: 'read',
  scope: ({ flags }) => ({ kind: 'tenant', tenant: flags.tenant, orPlatform: true }),
  engines: ['channels', 'tenancy', 'platforms'],
  async handle(ctx) {
    const { channels, tenancy } = ctx.engines;
    const reports = channels.channels();
    const outbox = await channels.outbox();
    const tenant = ctx.scope.kind === 'tenant' ? ctx.scope.tenant : null;
    const bindings = (await tenancy.chatBindings(tenant)).map((b) => ({
      platform: b.platform, chatId: b.chatId, tenant: b.tenantName, project: b.projectName, by: b.createdBy, since: b.createdAt,
    }));
    const yes = ctx.t({ en: 'connected', zh: '已连接' });
    const no = ctx.t({ en: 'not connected', zh: '未连接' });
    return {
      data: {
        channels: reports.map((r) => ({ ...r, since: r.since?.toISOString() ?? null })),
        outbox,
        bindings: bindings.map((b) => ({ ...b, since: b.since.toISOString() })),
      },
      view: {
        kind: 'sections',
        title: ctx.t({ en: 'Chat channels', zh: '聊天渠道' }),
        sections: [
          {
            view: {
              kind: 'table',
              columns: [
                { key: 'platform', label: ctx.t({ en: 'Channel', zh: '渠道' }) },
                { key: 'mode', label: ctx.t({ en: 'Mode', zh: '方式' }) },
                { key: 'state', label: ctx.t({ en: 'State', zh: '状态' }) },
                { key: 'detail', label: ctx.t({ en: 'Detail', zh: '说明' }) },
              ],
              rows: reports.map((r) => ({ platform: r.platform, mode: r.mode, state: r.connected ? yes : no, detail: r.detail ?? '' })),
              empty: ctx.t({ en: 'No chat channel is configured: set {credentials}, and restart.', zh: '尚未配置聊天渠道：设置 {credentialsZh} 后重启。' }, {
                credentials: ctx.engines.platforms.all.map((p) => p.credentials.join(' and ')).join(', or '),
                credentialsZh: ctx.engines.platforms.all.map((p) => p.credentials.join(' 和 ')).join('，或 '),
              }),
            },
          },
          {
            heading: ctx.t({ en: 'Outbox', zh: '发送队列' }),
            lines: [ctx.t(
              { en: '{pending} waiting{oldest}, {failed} given up (see `claw audit --command deliver`)', zh: '{pending} 条待发送{oldest}，{failed} 条已放弃（见 `claw audit --command deliver`）' },
              {
                pending: outbox.pending, failed: outbox.failed,
                oldest: outbox.pending ? ctx.t({ en: ', oldest {age}', zh: '，最早的已等待 {age}' }, { age: formatAge(new Date(Date.now() - outbox.oldestPendingMs)) }) : '',
              },
            )],
          },
          {
            heading: ctx.t({ en: 'Bound groups', zh: '已绑定的群' }),
            view: {
              kind: 'table',
              columns: [
                { key: 'platform', label: ctx.t({ en: 'Channel', zh: '渠道' }) },
                { key: 'chat', label: ctx.t({ en: 'Group', zh: '群' }) },
                { key: 'scope', label: ctx.t({ en: 'Bound to', zh: '绑定到' }) },
                { key: 'by', label: ctx.t({ en: 'By', zh: '操作人' }) },
                { key: 'age', label: ctx.t({ en: 'Age', zh: '时长' }), align: 'right' },
              ],
              rows: bindings.map((b) => ({ platform: b.platform, chat: b.chatId, scope: b.project ? `${b.tenant}/${b.project}` : b.tenant, by: b.by ?? '-', age: formatAge(b.since) })),
              empty: ctx.t({ en: 'No group is bound yet: type `claw bind --tenant NAME` in a group.', zh: '还没有绑定的群：在群里发送 `claw bind --tenant 名称`。' }),
            },
          },
        ],
      },
    };
  },
});
