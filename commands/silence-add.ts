// claw silence add --match KEY=VALUE | --alert ID --for DURATION: alerts whose labels match stay quiet until it ends.
import { ClawError } from '../src/errors/claw-error.js';
import { defineCommand } from '../src/pipeline/command-spec.js';
import { tenantFlag } from '../src/pipeline/common-flags.js';
import { formatDuration } from '../src/model/values/duration.js';
import { matchersText, silenceData } from '../src/render/alert-views.js';
import { formatTime } from '../src/render/format.js';
import { scopeTenant } from '../src/store/resolved-scope.js';
import { visibleAlert } from './support/alert-scope.js';

const LABEL = /^[A-Za-z_][A-Za-z0-9_]{0,99}$/;

export default defineCommand({
  words: ['silence', 'add'],
  summary: { en: 'Silence alerts whose labels match, for a while', zh: '在一段时间内静默标签匹配的告警' },
  description: {
    en: 'Alerts carry the labels alertname, tenant, project, instance (and an Alertmanager alert its own); a silence matches when every --match holds (severity=... works too). --alert ID silences exactly that alert\'s labels. Silenced alerts keep their card, which says until when; none is posted or repeated meanwhile. The silence applies to the tenant\'s alerts only.',
    zh: '告警带有标签 alertname、tenant、project、instance（Alertmanager 告警带其自身标签）；所有 --match 都满足时即匹配（也可用 severity=...）。--alert ID 按该告警的全部标签静默。被静默的告警保留卡片并注明截止时间，期间不会发送新卡片或重复提醒。静默仅作用于该租户的告警。',
  },
  args: [],
  flags: {
    match: { kind: 'kv', multiple: true, valueName: 'LABEL=VALUE', help: { en: 'A label the alerts must have, e.g. instance=demo (repeatable)', zh: '告警必须带有的标签，如 instance=demo（可重复）' } },
    alert: { kind: 'int', min: 1, help: { en: 'Silence exactly this alert (its labels)', zh: '按此告警的标签静默' } },
    for: { kind: 'duration', required: true, min: 60_000, max: 30 * 86_400_000, help: { en: 'How long, e.g. 2h', zh: '时长，如 2h' } },
    tenant: tenantFlag,
  },
  examples: ['claw silence add --match instance=demo --for 2h --reason "upgrading"', 'claw silence add --alert 12 --for 1h', 'claw silence add --match alertname=usage-spike --for 1d'],
  permission: 'alert:silence',
  risk: 'write',
  scope: ({ flags }) => ({ kind: 'tenant', tenant: flags.tenant }),
  engines: ['alerts'],
  async handle(ctx) {
    const { alerts } = ctx.engines;
    const matchers: Record<string, string> = {};
    let tenantId: string | null = scopeTenant(ctx.scope).id;
    if (ctx.flags.alert !== undefined) {
      const { alert, target } = await visibleAlert(alerts, ctx.actor, ctx.flags.alert);
      ctx.authorize('alert:silence', target);
      Object.assign(matchers, alert.labels);
      tenantId = alert.tenantId;
    }
    for (const { key, value } of ctx.flags.match) {
      if (!LABEL.test(key)) throw new ClawError('CLAW_ARG_INVALID', { what: '--match', reason: { en: `"${key}" is not a label name`, zh: `"${key}" 不是标签名` } });
      matchers[key] = value;
    }
    if (!Object.keys(matchers).length) {
      throw new ClawError('CLAW_ARG_INVALID', { what: '--match', reason: { en: 'say which alerts: --match LABEL=VALUE or --alert ID', zh: '请指定要静默的告警：--match 标签=值 或 --alert 编号' } });
    }
    const { silence, matched } = await alerts.addSilence({ tenantId, matchers, durationMs: ctx.flags.for, reason: ctx.reason ?? null, createdBy: ctx.actor.name });
    return {
      data: { silence: silenceData(silence), silenced: matched.map((a) => a.id) },
      view: {
        kind: 'message', tone: 'success',
        text: ctx.t({ en: 'Silence #{id}: {matchers} for {for} (until {until}); {n} open alerts silenced.', zh: '静默 #{id}：{matchers}，持续 {for}（至 {until}）；已静默 {n} 个未恢复的告警。' }, {
          id: silence.id, matchers: matchersText(matchers), for: formatDuration(ctx.flags.for), until: formatTime(silence.endsAt, ctx.locale), n: matched.length,
        }),
      },
    };
  },
});
