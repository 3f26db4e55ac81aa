// claw digest preview: the usage digest of a tenant or project now, as a reply to you (nothing is sent to a group).
import { defineCommand } from '../src/pipeline/command-spec.js';
import { projectFlag, tenantFlag } from '../src/pipeline/common-flags.js';
import { digestView } from '../src/render/digest-view.js';
import { scopeTenant } from '../src/store/resolved-scope.js';
import { digestLocaleFlag } from './support/digest-flags.js';

/** A week: the period of the default schedule. */
const DEFAULT_PERIOD_MS = 7 * 86_400_000;

export default defineCommand({
  words: ['digest', 'preview'],
  summary: { en: 'Show the usage digest now', zh: '立即查看用量摘要' },
  description: {
    en: 'What a subscribed group would get now, covering the last --period (7d by default) against the one before. Restarts are the claws\' counters, since a preview has no earlier digest to count from.',
    zh: '显示订阅的群此刻会收到的摘要：最近 --period（默认 7d）与之前同样长的周期对比。预览没有上一次摘要可比，重启次数为各实例的计数。',
  },
  args: [],
  flags: {
    tenant: tenantFlag,
    project: { ...projectFlag, help: { en: 'Only this project (default: the whole tenant)', zh: '仅此项目（默认：整个租户）' } },
    period: { kind: 'duration', min: 60_000, max: 92 * 86_400_000, help: { en: 'The period covered (default 7d)', zh: '统计周期（默认 7d）' } },
    tz: { kind: 'string', maxLength: 64, valueName: 'ZONE', help: { en: 'Time zone of the times shown (default: CLAW_TIME_ZONE)', zh: '显示时间所用的时区（默认：CLAW_TIME_ZONE）' } },
    locale: digestLocaleFlag,
  },
  examples: ['claw digest preview', 'claw digest preview --project sales --period 1d', 'claw digest preview --tenant acme --locale en'],
  permission: 'usage:read',
  risk: 'read',
  scope: ({ flags }) => (flags.project ? { kind: 'project', tenant: flags.tenant, project: flags.project } : { kind: 'tenant', tenant: flags.tenant }),
  engines: ['digests'],
  async handle(ctx) {
    const { digests } = ctx.engines;
    const tenant = scopeTenant(ctx.scope);
    const project = ctx.scope.kind === 'project' ? ctx.scope.project : null;
    const timeZone = ctx.flags.tz?.trim() ?? digests.defaults.timeZone;
    digests.checkTimeZone(timeZone);
    const digest = await digests.preview({
      tenant: { id: tenant.id, name: tenant.name }, project: project ? { id: project.id, name: project.name } : null, periodMs: ctx.flags.period ?? DEFAULT_PERIOD_MS, timeZone,
    });
    const locale = ctx.flags.locale === 'en' || ctx.flags.locale === 'zh' ? ctx.flags.locale : ctx.locale;
    const { restartCounters: _counters, ...data } = digest;
    return { data: { digest: data }, view: digestView(digest, locale) };
  },
});
