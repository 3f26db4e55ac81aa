// claw alert ack ID: takes an alert: no more reminders, and its card says who is on it.
import { defineCommand } from '../src/pipeline/command-spec.js';
import { alertData, alertWhere } from '../src/render/alert-views.js';
import { visibleAlert } from './support/alert-scope.js';

export default defineCommand({
  words: ['alert', 'ack'],
  summary: { en: 'Acknowledge an alert: you are on it', zh: '认领告警：表示你在处理' },
  description: {
    en: 'You need alert:ack on what the alert is about (its claw, project or tenant). The card in every chat shows who acknowledged it; reminders stop. It still resolves by itself when the cause goes away.',
    zh: '你需要在告警所属的实例、项目或租户上拥有 alert:ack 权限。各群中的卡片会显示认领人，并停止重复提醒；原因消失后告警仍会自动恢复。',
  },
  args: [{ name: 'id', kind: 'int', required: true, help: { en: 'Alert number', zh: '告警编号' } }],
  flags: {},
  examples: ['claw alert ack 12'],
  permission: 'alert:ack',
  risk: 'write',
  scope: () => ({ kind: 'tenant', orPlatform: true }),
  engines: ['alerts'],
  async handle(ctx) {
    const { alerts } = ctx.engines;
    const { target } = await visibleAlert(alerts, ctx.actor, ctx.args.id);
    // The scope of the command is wherever it was typed; the permission must hold where the alert is.
    ctx.authorize('alert:ack', target);
    const alert = await alerts.ack(ctx.args.id, ctx.actor.name);
    return {
      data: { alert: alertData(alert) },
      view: {
        kind: 'message', tone: alert.state === 'resolved' ? 'info' : 'success',
        text: alert.state === 'resolved'
          ? ctx.t({ en: 'Alert #{id} is already resolved.', zh: '告警 #{id} 已恢复。' }, { id: alert.id })
          : ctx.t({ en: 'Alert #{id} ({rule} {where}) acknowledged by {who}: no more reminders.', zh: '告警 #{id}（{rule} {where}）已由 {who} 认领，不再重复提醒。' }, {
            id: alert.id, rule: alert.rule, where: alertWhere(alert), who: alert.ackedBy,
          }),
      },
    };
  },
});
