// claw digest list: the digest subscriptions of a tenant (platform admins without a tenant: of every tenant).
import { defineCommand } from '../src/pipeline/command-spec.js';
import { tenantFlag } from '../src/pipeline/common-flags.js';
import { formatZoned } from '../src/render/digest-view.js';
import { NEXT_RUNS_SHOWN } from './support/digest-flags.js';

export default defineCommand({
  words: ['digest', 'list'],
  summary: { en: 'List the usage digest subscriptions', zh: '列出用量摘要订阅' },
  args: [],
  flags: { tenant: tenantFlag },
  examples: ['claw digest list', 'claw digest list --tenant acme'],
  permission: 'digest:read',
  risk: 'read',
  scope: ({ flags }) => ({ kind: 'tenant', tenant: flags.tenant, orPlatform: true }),
  engines: ['digests', 'tenancy'],
  async handle(ctx) {
    const { digests, tenancy } = ctx.engines;
    const tenant = ctx.scope.kind === 'tenant' ? ctx.scope.tenant : undefined;
    const subscriptions = await digests.list(tenant?.id);
    const names = new Map<string, string>();
    const nameOf = async (kind: 'tenant' | 'project', id: string) => {
      if (!names.has(id)) names.set(id, kind === 'tenant' ? ((await tenancy.getTenantById(id))?.name ?? '?') : (await tenancy.getProjectById(id)).name);
      return names.get(id)!;
    };
    const here = ctx.origin?.chatType === 'group' ? `${ctx.origin.platform}/${ctx.origin.orgId}/${ctx.origin.chatId}` : undefined;
    const rows = [];
    for (const s of subscriptions) {
      const scope = `${await nameOf('tenant', s.tenantId)}${s.projectId ? `/${await nameOf('project', s.projectId)}` : ''}`;
      const chat = s.chatKey === here ? ctx.t({ en: 'this group', zh: '本群' }) : `${s.platform}:${s.chatId}`;
      const next = digests.nextRuns(s, NEXT_RUNS_SHOWN).map((d) => formatZoned(d, s.timeZone));
      rows.push({ id: s.id, scope, chat, cron: s.cron, timeZone: s.timeZone, locale: s.locale, next, createdBy: s.createdBy });
    }
    return {
      data: { subscriptions: rows },
      view: {
        kind: 'table',
        title: tenant ? ctx.t({ en: 'Digest subscriptions of {tenant}', zh: '{tenant} 的用量摘要订阅' }, { tenant: tenant.name }) : ctx.t({ en: 'Digest subscriptions', zh: '用量摘要订阅' }),
        columns: [
          { key: 'id', label: 'ID', align: 'right' },
          { key: 'scope', label: ctx.t({ en: 'Scope', zh: '范围' }) },
          { key: 'chat', label: ctx.t({ en: 'Chat', zh: '群' }) },
          { key: 'schedule', label: ctx.t({ en: 'Schedule', zh: '计划' }) },
          { key: 'next', label: ctx.t({ en: 'Next', zh: '下次' }) },
          { key: 'locale', label: ctx.t({ en: 'Language', zh: '语言' }) },
        ],
        rows: rows.map((r) => ({ id: String(r.id), scope: r.scope, chat: r.chat, schedule: `${r.cron} (${r.timeZone})`, next: r.next[0] ?? '-', locale: r.locale })),
        empty: ctx.t({ en: 'No digest subscriptions. Type `claw digest subscribe` in a group to add one.', zh: '没有用量摘要订阅。在群中发送 `claw digest subscribe` 即可订阅。' }),
      },
    };
  },
});
