// claw approvals [ID]: the approvals waiting in your scope (or all with --all), or one approval's card.
import { defineCommand } from '../src/pipeline/command-spec.js';
import { tenantFlag } from '../src/pipeline/common-flags.js';
import { ClawError } from '../src/errors/claw-error.js';
import { parseScopePath } from '../src/engines/approvals/approvals-engine.js';
import { isAllowed, tenantsAllowed } from '../src/model/rbac.js';
import { approvalData, approvalView } from '../src/render/approval-views.js';
import { formatTime } from '../src/render/format.js';

export default defineCommand({
  words: ['approvals'],
  summary: { en: 'List approvals, or show one', zh: '列出审批，或查看一个审批' },
  args: [{ name: 'id', kind: 'int', help: { en: 'Approval number, e.g. 12', zh: '审批编号，如 12' } }],
  flags: {
    all: { kind: 'bool', help: { en: 'Include decided and expired ones', zh: '包括已处理和已过期的' } },
    tenant: tenantFlag,
  },
  examples: ['claw approvals', 'claw approvals 12', 'claw approvals --all'],
  permission: 'approval:read',
  risk: 'read',
  scope: ({ flags }) => ({ kind: 'tenant', tenant: flags.tenant, orPlatform: true }),
  engines: ['approvals', 'tenancy'],
  async handle(ctx) {
    const { approvals, tenancy } = ctx.engines;
    if (ctx.args.id !== undefined) {
      const approval = await approvals.get(ctx.args.id);
      // One you may not read is not found, like a missing one: its refusal would name its tenant, project and instance.
      if (!isAllowed(ctx.actor, 'approval:read', parseScopePath(approval.scope))) {
        throw new ClawError('CLAW_NOT_FOUND', { kind: { en: 'Approval', zh: '审批' }, name: `#${ctx.args.id}` });
      }
      const votes = await approvals.votes(approval.id);
      return { data: { approval: approvalData(approval, votes) }, view: approvalView(approval, votes, ctx.locale) };
    }
    const visible = ctx.scope.kind === 'tenant' ? new Set([ctx.scope.tenant.name]) : tenantsAllowed(ctx.actor, 'approval:read');
    const tenantIds = visible === 'all' ? 'all' : (await tenancy.listTenants(visible)).map((t) => t.id);
    const rows = await approvals.list({ tenantIds, ...(ctx.flags.all ? {} : { status: ['pending'] }), limit: 200 });
    const votesOf = await approvals.votesOf(rows.map((a) => a.id));
    const withVotes = rows.map((a) => ({ a, votes: votesOf.get(a.id)! }));
    return {
      data: { approvals: withVotes.map(({ a, votes }) => approvalData(a, votes)) },
      view: {
        kind: 'table',
        columns: [
          { key: 'id', label: '#', align: 'right' },
          { key: 'command', label: ctx.t({ en: 'Command', zh: '命令' }) },
          { key: 'requester', label: ctx.t({ en: 'Requested by', zh: '发起人' }) },
          { key: 'status', label: ctx.t({ en: 'Status', zh: '状态' }) },
          { key: 'approvals', label: ctx.t({ en: 'Approvals', zh: '进度' }) },
          { key: 'expires', label: ctx.t({ en: 'Expires', zh: '过期' }) },
        ],
        rows: withVotes.map(({ a, votes }) => ({
          id: String(a.id), command: a.displayText.length > 50 ? `${a.displayText.slice(0, 49)}…` : a.displayText, requester: a.requesterName, status: a.status,
          approvals: `${votes.filter((v) => v.decision === 'approve').length}/${a.required}`, expires: formatTime(a.expiresAt, ctx.locale),
        })),
        empty: ctx.flags.all ? ctx.t({ en: 'No approvals.', zh: '没有审批记录。' }) : ctx.t({ en: 'Nothing waits for approval.', zh: '没有待审批的操作。' }),
      },
    };
  },
});
