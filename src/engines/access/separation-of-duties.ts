// Separation of duties: whether a vote comes from a credential the requester never held, and (for strict tenants)
// from a role the requester did not grant. Each refusal says why, in both languages.
import type { DataSource } from 'typeorm';
import type { Text } from '../../i18n/locale.js';
import type { Principal } from '../../model/principal.js';
import { credentialOf } from '../../model/principal.js';
import { isAllowed } from '../../model/rbac.js';
import type { ScopeTarget } from '../../model/scope.js';
import { ApiTokenEntity } from '../../store/entities/api-token.js';
import { ChatIdentityEntity } from '../../store/entities/chat-identity.js';
import type { RoleBinding } from '../../store/entities/role-binding.js';
import type { AccessEngine } from './access-engine.js';

/** A chain of credentials made with credentials deeper than this is refused rather than followed further. */
const MAX_CHAIN = 16;
/** Grants and tokens the control plane made itself (the first platform admin) are nobody's. */
const SYSTEM = 'bootstrap';

export interface VoteRefusal {
  /** `credential`: the vote's credential is (or comes from) the requester's; `grant`: the role was granted by them. */
  kind: 'credential' | 'grant';
  reason: Text;
}

export class SeparationOfDuties {
  constructor(
    private readonly db: DataSource,
    private readonly access: AccessEngine,
  ) {}

  /**
   * Why the voter's vote on a request of `requester` does not count, or null when it does. With `independentGrant`,
   * the voter must also hold `permission` on `target` through a grant neither made by the requester nor with a
   * credential of theirs.
   */
  async refusal(input: { voter: Principal; requester: { memberId: string; name: string }; permission: string; target: ScopeTarget; independentGrant: boolean }): Promise<VoteRefusal | null> {
    const held = await this.heldBy(credentialOf(input.voter.identity), input.requester, 0);
    if (held) return { kind: 'credential', reason: held };
    if (!input.independentGrant) return null;
    const views = (await this.access.bindingsOf([input.voter.memberId])).get(input.voter.memberId) ?? [];
    const independent: Principal['bindings'] = [];
    for (const { binding, target } of views) {
      if (await this.grantedBy(binding, input.requester)) continue;
      independent.push({ role: binding.roleName, scope: target, permissions: this.access.roles.get(binding.roleName)?.permissions ?? [] });
    }
    if (isAllowed({ ...input.voter, bindings: independent }, input.permission, input.target)) return null;
    return {
      kind: 'grant',
      reason: {
        en: `this tenant wants independent approvers, and ${input.voter.name} holds the approving role only from grants made by ${input.requester.name} (the requester) or with their credentials; someone with an independent grant (a platform admin) must decide`,
        zh: `此租户要求独立审批人，而 ${input.voter.name} 的审批角色只来自发起人 ${input.requester.name} 所做（或用其凭据所做）的授权；需要由独立授权的人（如平台管理员）审批`,
      },
    };
  }

  /** Whether the requester made this grant, directly or with a credential of theirs; an unknown granter counts as them. */
  private async grantedBy(binding: RoleBinding, requester: { memberId: string; name: string }): Promise<boolean> {
    if (binding.createdByMemberId === null) return binding.createdBy !== SYSTEM;
    if (binding.createdByMemberId === requester.memberId) return true;
    return binding.createdVia !== null && (await this.heldBy(binding.createdVia, requester, 0)) !== null;
  }

  /**
   * Why a credential is (or derives from) one the requester held, or null when it is independent of them. A token
   * is theirs when they created it or created it with a credential of theirs; a chat account when they attached it
   * and its owner has not confirmed it from the account, or when it was linked with a code that a credential of
   * theirs asked for. What cannot be traced counts as theirs (fail closed).
   */
  private async heldBy(credential: string | null, requester: { memberId: string; name: string }, depth: number): Promise<Text | null> {
    if (depth > MAX_CHAIN) return { en: 'the credential was made through too long a chain of other credentials to trace', zh: '该凭据经由过长的凭据链创建，无法追溯' };
    const [kind, id] = credential?.split(':', 2) ?? [];
    if (kind === 'token' && id) {
      const token = await this.db.getRepository(ApiTokenEntity).findOneBy({ id });
      if (!token) return { en: 'its token is unknown', zh: '其令牌未知' };
      if (token.kind === 'bootstrap' || token.kind === 'instance') return null;
      if (token.createdByMemberId === requester.memberId) {
        return { en: `token ${token.name} was created by ${requester.name}, the requester`, zh: `令牌 ${token.name} 由发起人 ${requester.name} 创建` };
      }
      if (token.createdByMemberId === null) {
        return { en: `token ${token.name} was created before token creators were recorded; its owner can create a new one`, zh: `令牌 ${token.name} 创建于记录创建人之前；其所有者可新建一个令牌` };
      }
      return token.createdVia ? this.heldBy(token.createdVia, requester, depth + 1) : null;
    }
    if (kind === 'chat' && id) {
      const account = await this.db.getRepository(ChatIdentityEntity).findOneBy({ id });
      if (!account) return { en: 'its chat account is no longer linked', zh: '其聊天账号已不再关联' };
      const name = `${account.platform} account ${account.displayName ?? account.userId}`;
      const nameZh = `${account.platform} 账号 ${account.displayName ?? account.userId}`;
      // Linked by its member with a code: it is as independent as the credential that asked for the code.
      if (account.addedVia && account.addedByMemberId === account.memberId) {
        const via = await this.heldBy(account.addedVia, requester, depth + 1);
        return via ? { en: `${name} was linked with a code from a credential of the requester: ${via.en}`, zh: `${nameZh} 是用发起人的凭据获取的关联码关联的：${via.zh}` } : null;
      }
      if (account.confirmedAt) return null;
      const confirm = { en: 'its owner must first send `claw link` from that account to confirm it', zh: '其所有者需先在该账号上发送 `claw link` 确认' };
      if (account.addedByMemberId === null) {
        return { en: `${name} was attached before attachments were recorded; ${confirm.en}`, zh: `${nameZh} 的关联早于关联记录；${confirm.zh}` };
      }
      if (account.addedByMemberId === requester.memberId) {
        return { en: `${name} was attached by ${requester.name}, the requester; ${confirm.en}`, zh: `${nameZh} 由发起人 ${requester.name} 关联；${confirm.zh}` };
      }
      const via = account.addedVia ? await this.heldBy(account.addedVia, requester, depth + 1) : null;
      return via ? { en: `${name} was attached with a credential of the requester (${via.en}); ${confirm.en}`, zh: `${nameZh} 是用发起人的凭据关联的（${via.zh}）；${confirm.zh}` } : null;
    }
    return { en: 'it was not sent with a token or a chat account', zh: '它不是通过令牌或聊天账号发送的' };
  }
}
