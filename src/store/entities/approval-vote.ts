// ApprovalVote: one person's approve or reject on an approval; one vote per member.
import { EntitySchema } from 'typeorm';
import { idColumn, refColumn, textColumn, timeColumn } from './columns.js';

export interface ApprovalVote {
  id: string;
  approvalId: number;
  memberId: string;
  memberName: string;
  identity: string;
  /** The voter's name as their chat platform shows it (a token vote: null), shown on cards next to the member name. */
  platformName: string | null;
  decision: 'approve' | 'reject';
  reason: string | null;
  createdAt: Date;
}

export const ApprovalVoteEntity = new EntitySchema<ApprovalVote>({
  name: 'ApprovalVote',
  tableName: 'approval_votes',
  columns: {
    id: idColumn(),
    approvalId: { name: 'approval_id', type: 'int' },
    memberId: refColumn('member_id'),
    memberName: textColumn('member_name', 100),
    identity: textColumn('identity', 200),
    platformName: textColumn('platform_name', 200, true),
    decision: textColumn('decision', 10),
    reason: { type: 'text', nullable: true },
    createdAt: timeColumn('created_at'),
  },
  indices: [{ name: 'uq_approval_votes_member', columns: ['approvalId', 'memberId'], unique: true }],
});
