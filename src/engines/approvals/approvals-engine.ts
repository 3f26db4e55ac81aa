// Approvals: a risky command is held with its exact text, canonical hash and target versions; other people approve
// or reject; at the threshold it runs exactly as requested (once), unless a target changed (stale) or time ran out.
import { In, LessThan, type DataSource } from 'typeorm';
import { ClawError } from '../../errors/claw-error.js';
import type { Text } from '../../i18n/locale.js';
import type { Principal } from '../../model/principal.js';
import { describeIdentity } from '../../model/principal.js';
import { scopePath, type ScopeTarget } from '../../model/scope.js';
import { ApprovalVoteEntity, type ApprovalVote } from '../../store/entities/approval-vote.js';
import { ApprovalEntity, type Approval, type ApprovalStatus, type ApprovalTarget } from '../../store/entities/approval.js';
import { TenantEntity, type Tenant } from '../../store/entities/tenant.js';
import type { SecretBox } from '../../store/secret-box.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { VoteRefusal } from '../access/separation-of-duties.js';
import { isUniqueViolation } from '../../store/unique-violation.js';
import { newId, sha256Hex } from '../../util/ids.js';
import { isHeld, policyFor, type ApprovalPolicy } from './approval-policy.js';

/** Canonical form of a parsed invocation: what is approved is exactly what runs. */
export function canonicalHash(command: string, args: Record<string, unknown>, flags: Record<string, unknown>): string {
  const sorted = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined).sort(([a], [b]) => a.localeCompare(b)));
  return sha256Hex(JSON.stringify({ command, args: sorted(args), flags: sorted(flags) }));
}

export interface HoldInput {
  principal: Principal;
  channel: string;
  command: string;
  /** The exact normalised text (run verbatim later) and its redacted form (shown). */
  text: string;
  displayText: string;
  args: Record<string, unknown>;
  flags: Record<string, unknown>;
  tenant: Tenant | null;
  target: ScopeTarget;
  targets: ApprovalTarget[];
  batch: boolean;
  reason: string | undefined;
  origin: unknown;
}

/** Runs an approved command as its requester; supplied by the composition root (the dispatcher). */
export type ApprovalExecutor = (approval: Approval, text: string) => Promise<{ status: 'executed' | 'failed' | 'stale'; summary: string }>;

/** Tells chats about approvals: posts the card when one is opened, updates it when it changes. Supplied by the channels. */
export interface ApprovalNotifier {
  opened(approval: Approval, votes: ApprovalVote[]): Promise<void>;
  changed(approval: Approval, votes: ApprovalVote[]): Promise<void>;
}

/** Decides whether a vote counts: from a credential the requester never held, and with an independent grant when asked. */
export interface VoteGuard {
  refusal(input: { voter: Principal; requester: { memberId: string; name: string }; permission: string; target: ScopeTarget; independentGrant: boolean }): Promise<VoteRefusal | null>;
}

const OPEN: ApprovalStatus = 'pending';

/** How a closed approval is named in "Approval #12 is …". */
const CLOSED_AS: Record<ApprovalStatus, { en: string; zh: string }> = {
  pending: { en: 'pending', zh: '待审批' },
  approved: { en: 'approved and running', zh: '批准并在执行' },
  executed: { en: 'approved and done', zh: '批准并执行' },
  rejected: { en: 'rejected', zh: '拒绝' },
  expired: { en: 'expired', zh: '过期' },
  stale: { en: 'stale', zh: '过时' },
  failed: { en: 'approved but failed', zh: '批准但执行失败' },
};

export class ApprovalsEngine {
  execute: ApprovalExecutor = async () => ({ status: 'failed', summary: 'no executor configured' });
  notifier: ApprovalNotifier = { opened: async () => undefined, changed: async () => undefined };

  constructor(
    private readonly db: DataSource,
    private readonly secrets: SecretBox,
    private readonly defaults: ApprovalPolicy,
    private readonly audit: AuditLog,
    private readonly guard: VoteGuard,
  ) {}

  policy(tenant: Tenant | null): ApprovalPolicy {
    return policyFor(this.defaults, tenant?.approvalPolicy);
  }

  /** Holds the invocation when the tenant's policy says so; returns the approval, or null to run it now. */
  async hold(input: HoldInput): Promise<Approval | null> {
    const policy = this.policy(input.tenant);
    if (!isHeld(policy, { command: input.command, flags: input.flags, batch: input.batch, targets: input.targets.length })) return null;
    if (policy.reasonRequired && !input.reason?.trim()) throw new ClawError('CLAW_APPROVAL_REASON_REQUIRED', { command: input.command });
    const now = new Date();
    const approval = await this.db.getRepository(ApprovalEntity).save({
      tenantId: input.tenant?.id ?? null, scope: scopePath(input.target), command: input.command,
      textSealed: this.secrets.seal(input.text), displayText: input.displayText,
      canonicalHash: canonicalHash(input.command, input.args, input.flags), targets: input.targets,
      requesterMemberId: input.principal.memberId, requesterName: input.principal.name, requesterIdentity: describeIdentity(input.principal.identity),
      channel: input.channel, reason: input.reason?.trim() || null, required: policy.approvals, status: OPEN,
      expiresAt: new Date(now.getTime() + policy.expiryMs), decidedAt: null, result: null,
      origin: input.origin ? JSON.stringify(input.origin) : null, createdAt: now,
    });
    await this.notifier.opened(approval, []);
    return approval;
  }

  async get(id: number): Promise<Approval> {
    const approval = await this.db.getRepository(ApprovalEntity).findOneBy({ id });
    if (!approval) throw new ClawError('CLAW_NOT_FOUND', { kind: { en: 'Approval', zh: '审批' }, name: `#${id}` });
    return approval;
  }

  votes(id: number): Promise<ApprovalVote[]> {
    return this.db.getRepository(ApprovalVoteEntity).find({ where: { approvalId: id }, order: { createdAt: 'ASC' } });
  }

  /** The votes of many approvals in one query, oldest first per approval. */
  async votesOf(ids: readonly number[]): Promise<Map<number, ApprovalVote[]>> {
    const byApproval = new Map<number, ApprovalVote[]>(ids.map((id) => [id, []]));
    if (ids.length === 0) return byApproval;
    const rows = await this.db.getRepository(ApprovalVoteEntity).find({ where: { approvalId: In([...ids]) }, order: { createdAt: 'ASC' } });
    for (const vote of rows) byApproval.get(vote.approvalId)?.push(vote);
    return byApproval;
  }

  /** The scope an approval's approvers need approval:approve on. */
  async scopeOf(id: number): Promise<ScopeTarget> {
    return parseScopePath((await this.get(id)).scope);
  }

  async list(filter: { tenantIds: 'all' | string[]; status?: ApprovalStatus[]; limit: number }): Promise<Approval[]> {
    if (filter.tenantIds !== 'all' && filter.tenantIds.length === 0) return [];
    return this.db.getRepository(ApprovalEntity).find({
      where: { ...(filter.tenantIds === 'all' ? {} : { tenantId: In(filter.tenantIds) }), ...(filter.status ? { status: In(filter.status) } : {}) },
      order: { id: 'DESC' }, take: filter.limit,
    });
  }

  /**
   * Records a decision. The requester's member can never decide (whatever identity they use); a rejection closes the
   * approval; reaching the threshold runs the command once (a compare-and-swap on the status guards concurrent votes).
   */
  async vote(id: number, voter: Principal, decision: 'approve' | 'reject', reason: string | undefined): Promise<Approval> {
    let approval = await this.get(id);
    if (approval.requesterMemberId === voter.memberId) throw new ClawError('CLAW_APPROVAL_SELF', { id });
    if (approval.status === OPEN && approval.expiresAt.getTime() <= Date.now()) approval = await this.expire(approval);
    if (approval.status !== OPEN) throw new ClawError('CLAW_APPROVAL_CLOSED', { id, status: CLOSED_AS[approval.status] });
    await this.checkIndependent(approval, voter, decision);
    const voteId = newId();
    try {
      await this.db.getRepository(ApprovalVoteEntity).insert({
        id: voteId, approvalId: id, memberId: voter.memberId, memberName: voter.name, identity: describeIdentity(voter.identity),
        platformName: voter.identity.kind === 'chat' ? voter.identity.platformName?.slice(0, 200) ?? null : null, decision, reason: reason?.trim() || null, createdAt: new Date(),
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new ClawError('CLAW_APPROVAL_VOTED', { id });
      throw error;
    }
    const votes = await this.votes(id);
    if (decision === 'reject') {
      // Only a pending approval can be rejected: one approved (and run) or expired since the check above keeps its
      // outcome, and the late rejection is withdrawn and refused (a compare-and-swap, like the approval's).
      const result = `rejected by ${voter.name}${reason ? `: ${reason}` : ''}`;
      const claimed = await this.db.getRepository(ApprovalEntity).update({ id, status: OPEN }, { status: 'rejected', result, decidedAt: new Date() });
      if (!claimed.affected) {
        await this.db.getRepository(ApprovalVoteEntity).delete({ id: voteId });
        throw new ClawError('CLAW_APPROVAL_CLOSED', { id, status: CLOSED_AS[(await this.get(id)).status] });
      }
      const rejected = await this.get(id);
      await this.notifier.changed(rejected, votes);
      return rejected;
    }
    const approvals = votes.filter((v) => v.decision === 'approve').length;
    if (approvals < approval.required) {
      await this.notifier.changed(approval, votes);
      return approval;
    }
    const claimed = await this.db.getRepository(ApprovalEntity).update({ id, status: OPEN }, { status: 'approved', decidedAt: new Date() });
    if (!claimed.affected) return this.get(id);
    const approved = await this.get(id);
    await this.notifier.changed(approved, votes);
    return this.run(approved, votes);
  }

  /**
   * Refuses a vote the requester could have cast through someone else: a credential they held (or made), or, when the
   * tenant's policy wants independent approvers, a role they granted. The refusal is audited with its reason.
   */
  private async checkIndependent(approval: Approval, voter: Principal, decision: 'approve' | 'reject'): Promise<void> {
    const tenant = approval.tenantId ? await this.db.getRepository(TenantEntity).findOneBy({ id: approval.tenantId }) : null;
    const refusal = await this.guard.refusal({
      voter, requester: { memberId: approval.requesterMemberId, name: approval.requesterName }, permission: 'approval:approve',
      target: parseScopePath(approval.scope), independentGrant: this.policy(tenant).independentApprovers,
    });
    if (!refusal) return;
    const error = new ClawError(refusal.kind === 'credential' ? 'CLAW_APPROVAL_CREDENTIAL' : 'CLAW_APPROVAL_GRANT', { id: approval.id, reason: refusal.reason });
    const who = voter.identity.kind === 'chat' && voter.identity.platformName ? `${describeIdentity(voter.identity)} "${voter.identity.platformName}"` : describeIdentity(voter.identity);
    await this.audit.append({
      requestId: `approval-${approval.id}-refused-${newId()}`, channel: 'system', memberId: voter.memberId, memberName: voter.name, identity: describeIdentity(voter.identity),
      tenantName: tenant?.name ?? null, scope: approval.scope, command: `${decision} refused`,
      text: `${decision} of approval #${approval.id} by ${voter.name} (${who}) does not count: ${refusal.reason.en}`.slice(0, 4000),
      decision: 'denied', outcome: 'failure', errorCode: error.apiCode, durationMs: 0,
    });
    throw error;
  }

  private async run(approval: Approval, votes: ApprovalVote[]): Promise<Approval> {
    let outcome: Awaited<ReturnType<ApprovalExecutor>>;
    try {
      outcome = await this.execute(approval, this.secrets.open(approval.textSealed));
    } catch (error) {
      outcome = { status: 'failed', summary: error instanceof ClawError ? error.message : 'internal error while running the approved command' };
    }
    return this.close(approval, outcome.status, outcome.summary, votes);
  }

  private async close(approval: Approval, status: ApprovalStatus, result: string, votes: ApprovalVote[]): Promise<Approval> {
    await this.db.getRepository(ApprovalEntity).update({ id: approval.id }, { status, result: result.slice(0, 4000), decidedAt: approval.decidedAt ?? new Date() });
    const closed = await this.get(approval.id);
    await this.notifier.changed(closed, votes);
    return closed;
  }

  private async expire(approval: Approval): Promise<Approval> {
    const done = await this.db.getRepository(ApprovalEntity).update({ id: approval.id, status: OPEN }, { status: 'expired', decidedAt: new Date(), result: 'expired before enough approvals' });
    const current = await this.get(approval.id);
    if (done.affected) {
      // Nobody typed anything, so the dispatcher records nothing: the expiry is audited here, as the system.
      await this.audit.append({
        requestId: `approval-${approval.id}-expired`, channel: 'system', memberId: null, memberName: null, identity: null,
        tenantName: approval.scope.startsWith('tenant/') ? approval.scope.split('/')[1]! : null, scope: approval.scope,
        command: 'approval expire', text: `approval #${approval.id} (${approval.displayText}) expired`, decision: 'allowed', outcome: 'success',
        errorCode: null, durationMs: 0,
      });
      await this.notifier.changed(current, await this.votes(approval.id));
    }
    return current;
  }

  /** Expires every open approval past its time (the leader runs this periodically); returns how many. */
  async expireDue(): Promise<number> {
    const due = await this.db.getRepository(ApprovalEntity).findBy({ status: OPEN, expiresAt: LessThan(new Date()) });
    for (const approval of due) await this.expire(approval);
    return due.length;
  }

  /** Compares the targets now with those at the request: any difference makes the approval stale (why, in both languages). */
  staleReason(approval: Approval, now: ApprovalTarget[]): Text | null {
    const key = (t: ApprovalTarget) => `${t.kind}:${t.id}`;
    const what = (t: ApprovalTarget) => ({ en: `${t.kind} ${t.name}`, zh: `${KIND_ZH[t.kind]} ${t.name}` });
    const before = new Map(approval.targets.map((t) => [key(t), t]));
    for (const t of now) {
      const old = before.get(key(t));
      if (!old) return { en: `${what(t).en} was not among the targets when it was requested`, zh: `${what(t).zh} 不在发起时的目标中` };
      if (old.version !== t.version) return { en: `${what(t).en} changed since the request`, zh: `${what(t).zh} 在发起后已变化` };
      before.delete(key(t));
    }
    const [gone] = before.values();
    return gone ? { en: `${what(gone).en} is gone`, zh: `${what(gone).zh} 已不存在` } : null;
  }
}

const KIND_ZH: Record<ApprovalTarget['kind'], string> = { instance: '实例', tenant: '租户', project: '项目' };

export function parseScopePath(path: string): ScopeTarget {
  const parts = path.split('/');
  if (parts[0] === 'tenant' && parts[2] === 'project' && parts[4] === 'instance') return { kind: 'instance', tenant: parts[1]!, project: parts[3]!, instance: parts[5]! };
  if (parts[0] === 'tenant' && parts[2] === 'project') return { kind: 'project', tenant: parts[1]!, project: parts[3]! };
  if (parts[0] === 'tenant') return { kind: 'tenant', tenant: parts[1]! };
  return { kind: 'platform' };
}
