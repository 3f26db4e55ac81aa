// claw alerts [ID] [--all] [--rule NAME]: the open alerts in your scope (firing, acknowledged, silenced), every recent one,
// those of one rule (a group card's list), or one alert's card.
import { defineCommand } from '../src/pipeline/command-spec.js';
import { tenantFlag } from '../src/pipeline/common-flags.js';
import { ALERT_STATE, alertData, alertView, alertWhere } from '../src/render/alert-views.js';
import { formatAge } from '../src/render/format.js';
import { visibleAlert, visibleTenantIds } from './support/alert-scope.js';

export default defineCommand({
  words: ['alerts'],
  summary: { en: 'List open alerts, or show one', zh: '列出未恢复的告警，或查看一个告警' },
  description: {
    en: 'Alerts come from the rules in configs/alerts.yaml (a claw Failed, crash-looping, OOMKilled, not ready, near its limits; token budgets and spikes; chat channels and the outbox) and from Prometheus Alertmanager (POST /webhooks/alertmanager). Each has a card in the chats bound to its tenant and project and in the tenant alert chat.',
    zh: '告警来自 configs/alerts.yaml 中的规则（实例失败、反复崩溃、OOMKilled、未就绪、接近资源上限；token 预算与突增；聊天通道与发件箱），以及 Prometheus Alertmanager（POST /webhooks/alertmanager）。每个告警会以卡片发到租户和项目绑定的群以及租户告警群。',
  },
  args: [{ name: 'id', kind: 'int', help: { en: 'Alert number, e.g. 12', zh: '告警编号，如 12' } }],
  flags: {
    all: { kind: 'bool', help: { en: 'Include resolved alerts', zh: '包括已恢复的告警' } },
    rule: { kind: 'string', maxLength: 100, help: { en: 'Only this rule\'s alerts (Alertmanager: its alertname), e.g. crash-loop', zh: '只列出该规则的告警（Alertmanager 告警为 alertname），如 crash-loop' } },
    tenant: tenantFlag,
  },
  examples: ['claw alerts', 'claw alerts --all', 'claw alerts --rule crash-loop', 'claw alerts 12'],
  permission: 'alert:read',
  risk: 'read',
  scope: ({ flags }) => ({ kind: 'tenant', tenant: flags.tenant, orPlatform: true }),
  engines: ['alerts', 'tenancy'],
  async handle(ctx) {
    const { alerts, tenancy } = ctx.engines;
    if (ctx.args.id !== undefined) {
      const { alert } = await visibleAlert(alerts, ctx.actor, ctx.args.id);
      return { data: { alert: alertData(alert) }, view: alertView(await alerts.card(alert), ctx.locale) };
    }
    const tenantIds = await visibleTenantIds(tenancy, alerts, ctx.actor, ctx.scope.kind === 'tenant' ? ctx.scope.tenant : null);
    const rows = await alerts.list({ tenantIds, all: ctx.flags.all, rule: ctx.flags.rule, limit: 200 });
    return {
      data: { alerts: rows.map(alertData) },
      view: {
        kind: 'table',
        columns: [
          { key: 'id', label: '#', align: 'right' },
          { key: 'severity', label: ctx.t({ en: 'Severity', zh: '级别' }) },
          { key: 'rule', label: ctx.t({ en: 'Alert', zh: '告警' }) },
          { key: 'where', label: ctx.t({ en: 'Where', zh: '位置' }) },
          { key: 'state', label: ctx.t({ en: 'State', zh: '状态' }) },
          { key: 'age', label: ctx.t({ en: 'Since', zh: '持续' }), align: 'right' },
          { key: 'cause', label: ctx.t({ en: 'Cause', zh: '原因' }) },
        ],
        rows: rows.map((a) => {
          const cause = ctx.t(a.cause);
          return {
            id: String(a.id), severity: a.severity, rule: a.rule, where: alertWhere(a), state: ctx.t(ALERT_STATE[a.state]), age: formatAge(a.startsAt),
            cause: cause.length > 60 ? `${cause.slice(0, 59)}…` : cause,
          };
        }),
        empty: ctx.flags.all ? ctx.t({ en: 'No alerts.', zh: '没有告警记录。' }) : ctx.t({ en: 'No open alerts.', zh: '没有未恢复的告警。' }),
      },
    };
  },
});
