// Chat identities (a Feishu or DingTalk user as a member) and one-time link codes that join a person's identities.
import { randomInt } from 'node:crypto';
import { In, IsNull, Not, type DataSource } from 'typeorm';
import { ClawError } from '../../errors/claw-error.js';
import type { ChatPlatform } from '../../model/chat-platforms.js';
import { ChatIdentityEntity, type ChatIdentity } from '../../store/entities/chat-identity.js';
import { LinkCodeEntity } from '../../store/entities/link-code.js';
import type { Member } from '../../store/entities/member.js';
import { isUniqueViolation } from '../../store/unique-violation.js';
import { newId, sha256Hex } from '../../util/ids.js';

/** Admins attach identities by user id alone: one configured app is one organisation, so the org stays open ('') . */
export const ANY_ORG = '';
/** Long enough to switch apps and type it, short enough that a leaked code is soon useless. */
const LINK_CODE_TTL_MS = 10 * 60_000;

const hashCode = (code: string) => sha256Hex(code.replace(/\D/g, ''));

/** Who attaches an account and with which credential; `confirmed` when the account itself did it (a link code). */
export interface AttachOrigin {
  byMemberId: string | null;
  via: string | null;
  confirmed: boolean;
}

const UNKNOWN: AttachOrigin = { byMemberId: null, via: null, confirmed: false };

/** Tells a member's other chat accounts of a new one (supplied by the channels; nothing without them). */
export interface LinkNotifier {
  linked(account: ChatIdentity, others: ChatIdentity[]): Promise<void>;
}

export class ChatIdentities {
  notifier: LinkNotifier = { linked: async () => undefined };

  constructor(private readonly db: DataSource) {}

  /** The identity of a chat user: an exact (platform, org, user) match, else one an admin added for any org. */
  async find(platform: ChatPlatform, orgId: string, userId: string): Promise<ChatIdentity | null> {
    const repo = this.db.getRepository(ChatIdentityEntity);
    return (await repo.findOneBy({ platform, orgId, userId })) ?? (await repo.findOneBy({ platform, orgId: ANY_ORG, userId }));
  }

  /** Whoever holds this platform user id, in any organisation: a person is never split across two members. */
  async ownerOf(platform: ChatPlatform, userId: string): Promise<ChatIdentity | null> {
    return this.db.getRepository(ChatIdentityEntity).findOneBy({ platform, userId });
  }

  async attach(member: Member, platform: ChatPlatform, userId: string, orgId = ANY_ORG, displayName: string | null = null, origin: AttachOrigin = UNKNOWN): Promise<ChatIdentity> {
    const existing = (await this.find(platform, orgId, userId)) ?? (await this.ownerOf(platform, userId));
    if (existing) {
      if (existing.memberId === member.id) return existing;
      throw new ClawError('CLAW_CONFLICT_EXISTS', { kind: { en: `${platform} user`, zh: `${platform} 用户` }, name: userId }, {
        hint: { en: 'That chat user already belongs to another member.', zh: '该聊天用户已属于其他成员。' },
      });
    }
    const now = new Date();
    const identity: ChatIdentity = {
      id: newId(), platform, orgId, userId, memberId: member.id, displayName, createdAt: now,
      addedByMemberId: origin.byMemberId, addedVia: origin.via, confirmedAt: origin.confirmed ? now : null,
    };
    try {
      await this.db.getRepository(ChatIdentityEntity).insert(identity);
    } catch (error) {
      if (isUniqueViolation(error)) return this.attach(member, platform, userId, orgId, displayName, origin);
      throw error;
    }
    // Whoever got hold of a code, a token or an admin's rights cannot add an account to someone unnoticed.
    const others = await this.othersOf(member.id, identity.id);
    if (others.length) await this.notifier.linked(identity, others);
    return identity;
  }

  /** A one-time code for the member, e.g. `482-913`: typed from the other account (`claw link 482-913`) within ten minutes. */
  async newLinkCode(member: Member, via: string | null): Promise<{ code: string; expiresAt: Date }> {
    const digits = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const code = `${digits.slice(0, 3)}-${digits.slice(3)}`;
    const now = new Date();
    const expiresAt = new Date(now.getTime() + LINK_CODE_TTL_MS);
    await this.db.getRepository(LinkCodeEntity).save({ codeHash: hashCode(code), memberId: member.id, createdAt: now, expiresAt, usedAt: null, createdVia: via });
    return { code, expiresAt };
  }

  /** Spends a code: the member it was issued for and the credential that asked for it, or null when unknown, used or expired. */
  async redeem(code: string): Promise<{ memberId: string; via: string | null } | null> {
    const repo = this.db.getRepository(LinkCodeEntity);
    const row = await repo.findOneBy({ codeHash: hashCode(code) });
    if (!row || row.usedAt || row.expiresAt.getTime() <= Date.now()) return null;
    const spent = await repo.update({ codeHash: row.codeHash, usedAt: IsNull() }, { usedAt: new Date() });
    return spent.affected ? { memberId: row.memberId, via: row.createdVia } : null;
  }

  async byId(id: string): Promise<ChatIdentity | null> {
    return this.db.getRepository(ChatIdentityEntity).findOneBy({ id });
  }

  /** The member's chat accounts, but one. */
  async othersOf(memberId: string, exceptId: string): Promise<ChatIdentity[]> {
    return this.db.getRepository(ChatIdentityEntity).findBy({ memberId, id: Not(exceptId) });
  }

  /**
   * The owner confirms, from the account itself, an account someone attached to them; records the name the platform
   * shows. False when there was nothing to confirm (confirmed already, or linked by the owner with a code).
   */
  async confirm(id: string, displayName: string | null): Promise<boolean> {
    const done = await this.db.getRepository(ChatIdentityEntity).update({ id, confirmedAt: IsNull() }, { confirmedAt: new Date(), ...(displayName ? { displayName } : {}) });
    return (done.affected ?? 0) > 0;
  }

  /**
   * Removes the accounts linked with codes that this credential asked for, and those linked in turn from them: revoking
   * a token undoes what it linked. Returns the removed accounts.
   */
  async unlinkMadeWith(credential: string): Promise<ChatIdentity[]> {
    const repo = this.db.getRepository(ChatIdentityEntity);
    const removed: ChatIdentity[] = [];
    let via = [credential];
    while (via.length) {
      // A code link is the member linking themself; an admin's attachment made with the token stays.
      const found = (await repo.findBy({ addedVia: In(via) })).filter((i) => i.addedByMemberId === i.memberId);
      if (found.length === 0) break;
      await repo.delete({ id: In(found.map((i) => i.id)) });
      removed.push(...found);
      via = found.map((i) => `chat:${i.id}`);
    }
    return removed;
  }
}
