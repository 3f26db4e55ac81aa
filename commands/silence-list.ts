// claw silence list [--all]: the silences in effect in your scope (or every recent one).
import { defineCommand } from '../src/pipeline/command-spec.js';
import { tenantFlag } from '../src/pipeline/common-flags.js';
import { matchersText, silenceData } from '../src/render/alert-views.js';
import { formatTime } from '../src/render/format.js';
import { visibleTenantIds } from './support/alert-scope.js';

export default defineCommand({
  words: ['silence', 'list'],
  summary: { en: 'List alert silences', zh: '列出告警静默' },
  args: [],
  flags: {
    all: { kind: 'bool', help: { en: 'Include ended and expired ones', zh: '包括已结束和已取消的' } },
    tenant: tenantFlag,
  },
  examples: ['claw silence list', 'claw silence list --all'],
  permission: 'alert:read',
  risk: 'read',
  scope: ({ flags }) => ({ kind: 'tenant', tenant: flags.tenant, orPlatform: true }),
  engines: ['alerts', 'tenancy'],
  async handle(ctx) {
    const { alerts, tenancy } = ctx.engines;
    const tenantIds = await visibleTenantIds(tenancy, alerts, ctx.actor, ctx.scope.kind === 'tenant' ? ctx.scope.tenant : null);
    const rows = await alerts.listSilences({ tenantIds, all: ctx.flags.all });
    const now = Date.now();
    return {
      data: { silences: rows.map(silenceData) },
      view: {
        kind: 'table',
        columns: [
          { key: 'id', label: '#', align: 'right' },
          { key: 'matchers', label: ctx.t({ en: 'Matches', zh: '匹配' }) },
          { key: 'until', label: ctx.t({ en: 'Until', zh: '截止' }) },
          { key: 'by', label: ctx.t({ en: 'By', zh: '创建人' }) },
          { key: 'reason', label: ctx.t({ en: 'Reason', zh: '原因' }) },
        ],
        rows: rows.map((s) => ({
          id: String(s.id), matchers: matchersText(s.matchers),
          until: s.expiredAt ? ctx.t({ en: 'expired by {who}', zh: '已由 {who} 取消' }, { who: s.expiredBy }) : `${formatTime(s.endsAt, ctx.locale)}${s.endsAt.getTime() <= now ? ctx.t({ en: ' (ended)', zh: '（已结束）' }) : ''}`,
          by: s.createdBy, reason: s.reason ?? '-',
        })),
        empty: ctx.t({ en: 'No silences in effect.', zh: '没有生效中的静默。' }),
      },
    };
  },
});
