// claw approve ID: approves a held command; at the required number of approvals it runs exactly as requested.
import { defineCommand } from '../src/pipeline/command-spec.js';
import { approvalData, approvalView } from '../src/render/approval-views.js';

export default defineCommand({
  words: ['approve'],
  summary: { en: 'Approve a command that waits for approval', zh: '批准等待审批的命令' },
  description: {
    en: 'You need approval:approve on the command\'s target and must not be its requester. When enough people approve, it runs as requested, unless a target changed meanwhile (then it is stale and does not run).',
    zh: '你需要在命令目标上拥有 approval:approve 权限，且不能是发起人。批准人数足够时按原样执行；若期间目标已变化则视为过时，不会执行。',
  },
  args: [{ name: 'id', kind: 'int', required: true, help: { en: 'Approval number', zh: '审批编号' } }],
  flags: {},
  examples: ['claw approve 12', 'claw approve 12 --reason "maintenance window"'],
  permission: 'approval:approve',
  risk: 'write',
  scope: ({ args }) => ({ kind: 'approval', id: args.id }),
  engines: ['approvals', 'help'],
  async handle(ctx) {
    const { approvals, help } = ctx.engines;
    const approval = await approvals.vote(ctx.args.id, ctx.actor, 'approve', ctx.reason);
    const votes = await approvals.votes(approval.id);
    return { data: { approval: approvalData(approval, votes) }, view: approvalView(approval, votes, ctx.locale, help.summaryOf(approval.command)) };
  },
});
