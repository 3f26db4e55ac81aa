// claw silence expire ID: ends a silence now; the alerts it held speak again.
import { ClawError } from '../src/errors/claw-error.js';
import { defineCommand } from '../src/pipeline/command-spec.js';
import { matchersText, silenceData } from '../src/render/alert-views.js';
import { visibleTenantIds } from './support/alert-scope.js';

export default defineCommand({
  words: ['silence', 'expire'],
  summary: { en: 'End an alert silence now', zh: '立即结束告警静默' },
  args: [{ name: 'id', kind: 'int', required: true, help: { en: 'Silence number', zh: '静默编号' } }],
  flags: {},
  examples: ['claw silence expire 3'],
  permission: 'alert:silence',
  risk: 'write',
  scope: () => ({ kind: 'tenant', orPlatform: true }),
  engines: ['alerts', 'tenancy'],
  async handle(ctx) {
    const { alerts, tenancy } = ctx.engines;
    const found = await alerts.getSilence(ctx.args.id);
    const visible = await visibleTenantIds(tenancy, alerts, ctx.actor, null);
    if (visible !== 'all' && !visible.includes(found.tenantId)) throw new ClawError('CLAW_NOT_FOUND', { kind: { en: 'Silence', zh: '静默' }, name: `#${ctx.args.id}` });
    const tenant = found.tenantId ? await tenancy.getTenantById(found.tenantId) : null;
    ctx.authorize('alert:silence', { kind: 'tenant', tenant: tenant?.name ?? alerts.rules.routing.platformTenant });
    const silence = await alerts.expireSilence(found.id, ctx.actor.name);
    return {
      data: { silence: silenceData(silence) },
      view: {
        kind: 'message', tone: 'success',
        text: ctx.t({ en: 'Silence #{id} ({matchers}) ended; its alerts notify again.', zh: '静默 #{id}（{matchers}）已结束，相关告警恢复通知。' }, { id: silence.id, matchers: matchersText(silence.matchers) }),
      },
    };
  },
});
