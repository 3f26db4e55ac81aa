// claw digest subscribe: the group it is typed in (or a bound group named with --chat) gets a usage digest of the
// tenant or project on a cron schedule, Mondays 09:00 in the company's time zone unless told otherwise.
import { ClawError } from '../src/errors/claw-error.js';
import type { DigestTarget } from '../src/engines/digests/digest-engine.js';
import type { Locale } from '../src/i18n/locale.js';
import { defineCommand } from '../src/pipeline/command-spec.js';
import { projectFlag, tenantFlag } from '../src/pipeline/common-flags.js';
import { formatZoned } from '../src/render/digest-view.js';
import { scopeTenant } from '../src/store/resolved-scope.js';
import { chatFlag, digestLocaleFlag, NEXT_RUNS_SHOWN, parseChat } from './support/digest-flags.js';

export default defineCommand({
  words: ['digest', 'subscribe'],
  summary: { en: 'Send this group a usage digest on a schedule', zh: '按计划向本群发送用量摘要' },
  description: {
    en: 'Typed in a group, subscribes that group; from the API or CLI, --chat names a group bound to the tenant. The digest covers instances by phase, restarts and alerts, tokens and cost by project and the busiest claws, the change against the previous period, budget burn and the largest movers. --cron takes five fields (minute hour day-of-month month day-of-week) or six with seconds first, read in --tz. Subscribing the same group and scope again changes its schedule. Only the leader sends, once per scheduled time, also across restarts; a digest missed while the control plane was down goes out once when it starts, marked late.',
    zh: '在群中发送即为该群订阅；通过 API 或 CLI 时用 --chat 指定一个已绑定到租户的群。摘要包括：各状态实例数、重启与告警、按项目和实例的 token 与费用、与上一周期的对比、预算消耗和变化最大的实例。--cron 为五个字段（分 时 日 月 周），或在最前面加秒共六个字段，按 --tz 时区解读。同一群同一范围再次订阅会修改其计划。仅由主节点发送，每个计划时间只发一次，重启后也不重复；控制平面停机期间错过的摘要会在启动后补发一次并标明“补发”。',
  },
  args: [],
  flags: {
    cron: { kind: 'string', maxLength: 100, valueName: 'CRON', help: { en: 'When, as cron (default "0 9 * * 1": Mondays 09:00)', zh: '发送时间，cron 格式（默认 "0 9 * * 1"：每周一 09:00）' } },
    tz: { kind: 'string', maxLength: 64, valueName: 'ZONE', help: { en: 'Time zone of --cron (default: CLAW_TIME_ZONE, Asia/Shanghai)', zh: '--cron 的时区（默认：CLAW_TIME_ZONE，即 Asia/Shanghai）' } },
    tenant: tenantFlag,
    project: { ...projectFlag, help: { en: 'Only this project (default: the whole tenant)', zh: '仅此项目（默认：整个租户）' } },
    locale: digestLocaleFlag,
    chat: chatFlag,
  },
  examples: ['claw digest subscribe', 'claw digest subscribe --cron "0 9 * * 1" --tz Asia/Shanghai --tenant acme', 'claw digest subscribe --project sales --cron "30 18 * * 5" --locale en', 'claw digest subscribe --tenant acme --chat feishu:oc_5ce6d572455d361153b7cb51da133945'],
  permission: 'digest:manage',
  risk: 'write',
  scope: ({ flags }) => (flags.project ? { kind: 'project', tenant: flags.tenant, project: flags.project } : { kind: 'tenant', tenant: flags.tenant }),
  engines: ['digests', 'tenancy', 'platforms'],
  async handle(ctx) {
    const { digests, tenancy, platforms } = ctx.engines;
    const tenant = scopeTenant(ctx.scope);
    const project = ctx.scope.kind === 'project' ? ctx.scope.project : null;
    let target: DigestTarget | undefined;
    if (ctx.flags.chat) {
      const { platform, chatId } = parseChat(ctx.flags.chat);
      const bound = (await tenancy.chatBindings(tenant)).find((b) => b.platform === platform && b.chatId === chatId);
      if (bound) target = { platform: bound.platform, orgId: bound.orgId, chatId: bound.chatId };
    } else if (ctx.origin?.chatType === 'group') {
      target = { platform: ctx.origin.platform, orgId: ctx.origin.orgId, chatId: ctx.origin.chatId };
    }
    if (!target) {
      const groups = (await tenancy.chatBindings(tenant)).map((b) => `${b.platform}:${b.chatId}`);
      throw new ClawError('CLAW_DIGEST_NO_CHAT', {
        apps: platforms.labels(), tenant: tenant.name,
        bound: groups.length ? { en: ` (bound: ${groups.join(', ')})`, zh: `（已绑定：${groups.join('、')}）` } : '',
      });
    }
    const cron = ctx.flags.cron?.trim().replace(/\s+/g, ' ') ?? digests.defaults.cron;
    const timeZone = ctx.flags.tz?.trim() ?? digests.defaults.timeZone;
    const locale: Locale = ctx.flags.locale === 'en' || ctx.flags.locale === 'zh' ? ctx.flags.locale : digests.defaults.locale;
    const { subscription, created } = await digests.subscribe({
      tenantId: tenant.id, projectId: project?.id ?? null, target, cron, timeZone, locale, createdBy: ctx.actor.name,
    });
    const next = digests.nextRuns(subscription, NEXT_RUNS_SHOWN).map((d) => formatZoned(d, timeZone));
    const scope = project ? `${tenant.name}/${project.name}` : tenant.name;
    const chat = `${target.platform}:${target.chatId}`;
    return {
      data: { subscription: { id: subscription.id, tenant: tenant.name, project: project?.name ?? null, chat, cron, timeZone, locale, nextRuns: next }, created },
      view: {
        kind: 'detail', tone: 'success',
        title: created
          ? ctx.t({ en: 'Digest of {scope} subscribed (#{id})', zh: '已订阅 {scope} 的用量摘要（#{id}）' }, { scope, id: subscription.id })
          : ctx.t({ en: 'Digest #{id} of {scope} updated', zh: '已更新 {scope} 的用量摘要 #{id}' }, { scope, id: subscription.id }),
        fields: [
          { label: ctx.t({ en: 'Chat', zh: '群' }), value: ctx.origin && ctx.origin.chatId === target.chatId ? ctx.t({ en: 'this group', zh: '本群' }) : chat },
          { label: ctx.t({ en: 'Schedule', zh: '计划' }), value: `${cron} (${timeZone})` },
          { label: ctx.t({ en: 'Next', zh: '接下来' }), value: next.join(', ') },
          { label: ctx.t({ en: 'Language', zh: '语言' }), value: locale === 'zh' ? '中文' : 'English' },
          { label: ctx.t({ en: 'Stop with', zh: '取消订阅' }), value: `claw digest unsubscribe ${subscription.id}` },
        ],
      },
    };
  },
});
