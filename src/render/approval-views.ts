// How an approval looks: the card people approve or reject from (while pending), and its outcome afterwards.
import { localize, type Locale, type Text } from '../i18n/locale.js';
import type { ApprovalVote } from '../store/entities/approval-vote.js';
import type { Approval, ApprovalStatus } from '../store/entities/approval.js';
import { formatTime } from './format.js';
import type { DetailView, Tone, View } from './view.js';

const STATUS: Record<ApprovalStatus, { text: Text; tone: Tone }> = {
  pending: { text: { en: 'waiting for approval', zh: '等待审批' }, tone: 'warning' },
  approved: { text: { en: 'approved, running', zh: '已批准，执行中' }, tone: 'info' },
  executed: { text: { en: 'approved and done', zh: '已批准并执行' }, tone: 'success' },
  rejected: { text: { en: 'rejected', zh: '已拒绝' }, tone: 'danger' },
  expired: { text: { en: 'expired', zh: '已过期' }, tone: 'info' },
  stale: { text: { en: 'stale, not run', zh: '已过时，未执行' }, tone: 'danger' },
  failed: { text: { en: 'approved, but it failed', zh: '已批准，但执行失败' }, tone: 'danger' },
};

/** A voter as people know them: the member, and the name their chat platform shows when they voted from chat. */
const voter = (v: ApprovalVote) => (v.platformName ? `${v.memberName} (${v.platformName})` : v.memberName);

export function approvalData(approval: Approval, votes: ApprovalVote[]) {
  return {
    id: approval.id, command: approval.command, text: approval.displayText, scope: approval.scope, status: approval.status,
    requester: approval.requesterName, reason: approval.reason, required: approval.required,
    approvals: votes.filter((v) => v.decision === 'approve').map((v) => v.memberName),
    rejections: votes.filter((v) => v.decision === 'reject').map((v) => ({ member: v.memberName, reason: v.reason })),
    voters: votes.map((v) => ({ member: v.memberName, platformName: v.platformName, identity: v.identity, decision: v.decision })),
    targets: approval.targets.map((t) => `${t.kind} ${t.name}`), expiresAt: approval.expiresAt.toISOString(), result: approval.result,
    createdAt: approval.createdAt.toISOString(),
  };
}

/** The approval card: command, targets, what will happen, requester, reason, progress and, while pending, the buttons. */
export function approvalView(approval: Approval, votes: ApprovalVote[], locale: Locale, summary?: Text): View {
  const t = (text: Text, params?: Record<string, unknown>) => localize(text, locale, params);
  const status = STATUS[approval.status];
  const approvedBy = votes.filter((v) => v.decision === 'approve').map(voter);
  const rejectedBy = votes.filter((v) => v.decision === 'reject');
  const fields: DetailView['fields'] = [
    { label: t({ en: 'Command', zh: '命令' }), value: approval.displayText },
  ];
  if (summary) fields.push({ label: t({ en: 'What happens', zh: '将会发生' }), value: t(summary) });
  if (approval.targets.length) fields.push({ label: t({ en: 'Targets', zh: '目标' }), value: approval.targets.map((x) => x.name).join(', ') });
  fields.push(
    { label: t({ en: 'Requested by', zh: '发起人' }), value: `${approval.requesterName} (${approval.requesterIdentity})` },
    { label: t({ en: 'Reason', zh: '原因' }), value: approval.reason ?? t({ en: '(none given)', zh: '（未填写）' }) },
    { label: t({ en: 'Approvals', zh: '审批进度' }), value: `${approvedBy.length}/${approval.required}${approvedBy.length ? ` (${approvedBy.join(', ')})` : ''}` },
  );
  for (const r of rejectedBy) fields.push({ label: t({ en: 'Rejected by', zh: '拒绝人' }), value: `${voter(r)}${r.reason ? `: ${r.reason}` : ''}` });
  fields.push({ label: t({ en: 'Status', zh: '状态' }), value: t(status.text) });
  if (approval.status === 'pending') fields.push({ label: t({ en: 'Expires', zh: '过期时间' }), value: formatTime(approval.expiresAt, locale) });
  if (approval.result) fields.push({ label: t({ en: 'Result', zh: '结果' }), value: approval.result });
  const view: View = {
    kind: 'detail', tone: status.tone, fields,
    title: t({ en: 'Approval #{id}: {command}', zh: '审批 #{id}：{command}' }, { id: approval.id, command: approval.command }),
    headline: t({ en: 'Approval #{id} {status}', zh: '审批 #{id} {status}' }, { id: approval.id, status: t(status.text) }),
  };
  if (approval.status === 'pending') {
    view.actions = [
      { label: t({ en: 'Approve', zh: '批准' }), style: 'primary', value: { approval: String(approval.id), decision: 'approve' }, command: `claw approve ${approval.id}` },
      { label: t({ en: 'Reject', zh: '拒绝' }), style: 'danger', value: { approval: String(approval.id), decision: 'reject' }, command: `claw reject ${approval.id} --reason "..."` },
    ];
  }
  return view;
}
