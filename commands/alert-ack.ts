// claw alert ack ID [ID...]: takes alerts (a group card's Ack all names each member): no more reminders, and their cards
// say who is on them.
import { defineCommand } from '../src/pipeline/command-spec.js';
import { alertData, alertWhere } from '../src/render/alert-views.js';
import { visibleAlert } from './support/alert-scope.js';

export default defineCommand({
  words: ['alert', 'ack'],
  summary: { en: 'Acknowledge alerts: you are on them', zh: '认领告警：表示你在处理' },
  description: {
    en: 'You need alert:ack on what each alert is about (its claw, project or tenant); one you may not ack stops the command before any is acknowledged. The card in every chat shows who acknowledged it; reminders stop. It still resolves by itself when the cause goes away. Several numbers ack a group card\'s alerts at once.',
    zh: '你需要在每个告警所属的实例、项目或租户上拥有 alert:ack 权限；任一告警无权认领时，全部不会被认领。各群中的卡片会显示认领人，并停止重复提醒；原因消失后告警仍会自动恢复。可一次给出多个编号，认领告警组卡片中的全部告警。',
  },
  args: [{ name: 'ids', kind: 'int', required: true, variadic: true, min: 1, help: { en: 'Alert numbers', zh: '告警编号' } }],
  flags: {},
  examples: ['claw alert ack 12', 'claw alert ack 12 13 14'],
  permission: 'alert:ack',
  risk: 'write',
  scope: () => ({ kind: 'tenant', orPlatform: true }),
  engines: ['alerts'],
  async handle(ctx) {
    const { alerts } = ctx.engines;
    const ids = [...new Set(ctx.args.ids)];
    for (const id of ids) {
      const { target } = await visibleAlert(alerts, ctx.actor, id);
      // The scope of the command is wherever it was typed; the permission must hold where each alert is.
      ctx.authorize('alert:ack', target);
    }
    const acked = await alerts.ackAll(ids, ctx.actor.name);
    const alert = acked[0]!;
    if (acked.length === 1) {
      return {
        data: { alert: alertData(alert), alerts: [alertData(alert)] },
        view: {
          kind: 'message', tone: alert.state === 'resolved' ? 'info' : 'success',
          text: alert.state === 'resolved'
            ? ctx.t({ en: 'Alert #{id} is already resolved.', zh: '告警 #{id} 已恢复。' }, { id: alert.id })
            : ctx.t({ en: 'Alert #{id} ({rule} {where}) acknowledged by {who}: no more reminders.', zh: '告警 #{id}（{rule} {where}）已由 {who} 认领，不再重复提醒。' }, {
              id: alert.id, rule: alert.rule, where: alertWhere(alert), who: alert.ackedBy,
            }),
        },
      };
    }
    const taken = acked.filter((a) => a.state !== 'resolved');
    return {
      data: { alerts: acked.map(alertData) },
      view: {
        kind: 'message', tone: taken.length ? 'success' : 'info',
        text: ctx.t({ en: '{n} of {total} alerts acknowledged by {who} ({ids}): no more reminders; {resolved} already resolved.', zh: '{total} 个告警中 {n} 个已由 {who} 认领（{ids}），不再重复提醒；{resolved} 个已恢复。' }, {
          n: taken.length, total: acked.length, who: ctx.actor.name, ids: taken.map((a) => `#${a.id}`).join(' ') || '-', resolved: acked.length - taken.length,
        }),
      },
    };
  },
});
