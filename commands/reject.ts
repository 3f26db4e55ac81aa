// claw reject ID --reason R: rejects a held command; it will not run.
import { defineCommand } from '../src/pipeline/command-spec.js';
import { approvalData, approvalView } from '../src/render/approval-views.js';

export default defineCommand({
  words: ['reject'],
  summary: { en: 'Reject a command that waits for approval', zh: '拒绝等待审批的命令' },
  args: [{ name: 'id', kind: 'int', required: true, help: { en: 'Approval number', zh: '审批编号' } }],
  flags: {
    why: { kind: 'string', maxLength: 500, help: { en: 'Why (also accepted as --reason)', zh: '原因（也可用 --reason）' } },
  },
  examples: ['claw reject 12 --reason "not during business hours"'],
  permission: 'approval:approve',
  risk: 'write',
  scope: ({ args }) => ({ kind: 'approval', id: args.id }),
  engines: ['approvals', 'help'],
  async handle(ctx) {
    const { approvals, help } = ctx.engines;
    const approval = await approvals.vote(ctx.args.id, ctx.actor, 'reject', ctx.flags.why ?? ctx.reason);
    const votes = await approvals.votes(approval.id);
    return { data: { approval: approvalData(approval, votes) }, view: approvalView(approval, votes, ctx.locale, help.summaryOf(approval.command)) };
  },
});
