// Separation of duties on SQLite and MariaDB: a vote counts only from a credential the requester never held (a token
// they made, an account they attached and its owner has not confirmed, a link made with their token), and, for strict
// tenants, only from a role they did not grant. Every refusal says why and is audited with the reason.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessEngine } from '../../../src/engines/access/access-engine.js';
import { ChatIdentities } from '../../../src/engines/access/chat-identities.js';
import { RoleCatalog } from '../../../src/engines/access/role-catalog.js';
import { SeparationOfDuties } from '../../../src/engines/access/separation-of-duties.js';
import { checkRules, loadApprovalPolicy, type ApprovalPolicy } from '../../../src/engines/approvals/approval-policy.js';
import { ApprovalsEngine, type HoldInput } from '../../../src/engines/approvals/approvals-engine.js';
import { AuditLog } from '../../../src/engines/audit/audit-log.js';
import { TenancyEngine } from '../../../src/engines/tenancy/tenancy-engine.js';
import { COMMANDS } from '../../../commands/index.js';
import { isClawError } from '../../../src/errors/claw-error.js';
import { CommandRegistry } from '../../../src/pipeline/command-registry.js';
import type { Principal } from '../../../src/model/principal.js';
import { openStore, type Store } from '../../../src/store/data-source.js';
import { ApiTokenEntity } from '../../../src/store/entities/api-token.js';
import type { Member } from '../../../src/store/entities/member.js';
import type { Tenant } from '../../../src/store/entities/tenant.js';
import { SecretBox } from '../../../src/store/secret-box.js';
import { newId, randomToken } from '../../../src/util/ids.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../support/databases.js';

const POLICY: ApprovalPolicy = { expiryMs: 3_600_000, approvals: 1, reasonRequired: false, batchThreshold: 5, independentApprovers: false, rules: [{ command: 'destroy' }], approvalChat: null };

async function refusal(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
    return { code: 'resolved', message: '' };
  } catch (error) {
    return isClawError(error) ? { code: error.code, message: error.messageIn('en') } : { code: String(error), message: '' };
  }
}

describe.each(databaseKinds())('separation of duties on %s', (kind) => {
  let db: TestDatabase;
  let store: Store;
  let audit: AuditLog;
  let tenancy: TenancyEngine;
  let access: AccessEngine;
  let identities: ChatIdentities;
  let acme: Tenant;
  /** The lone tenant admin who requests, and the platform admin (granted at bootstrap). */
  let boss: Member;
  let root: Member;
  const secrets = SecretBox.fromText(randomBytes(32).toString('hex'), 'test key');
  /** The engine with the real guard; an approved command "runs" by answering `executed`. */
  const engine = () => {
    const e = new ApprovalsEngine(store.dataSource, secrets, POLICY, audit, new SeparationOfDuties(store.dataSource, access));
    e.execute = async (approval) => ({ status: 'executed', summary: `ran #${approval.id}` });
    return e;
  };

  /** A member of acme with a role, granted by `by` (with that member's token) or by the system. */
  async function member(name: string, role: string, by: Member | null): Promise<Member> {
    const m = await tenancy.addMember({ tenant: acme, name, createdBy: by?.name ?? 'bootstrap' });
    await access.grant({ member: m, role, scope: { kind: 'tenant', tenant: acme }, createdBy: by?.name ?? 'bootstrap', ...(by ? { by: { memberId: by.id, via: null } } : {}) });
    return m;
  }

  /** A token of `owner`, made by `by` with the credential `via`; returns the principal that votes with it. */
  async function tokenPrincipal(owner: Member, by: Member, via: string | null = null): Promise<Principal> {
    const { row } = await access.issueToken({ member: owner, name: `t-${randomToken(6).toLowerCase()}`, ttlMs: 60_000, createdBy: by.name, by: { memberId: by.id, via } });
    return access.principalOf(owner, { kind: 'token', tokenId: row.id, tokenName: row.name });
  }

  async function chatPrincipal(owner: Member, identityId: string, userId: string, platformName?: string): Promise<Principal> {
    return access.principalOf(owner, { kind: 'chat', platform: 'feishu', orgId: '', userId, identityId, ...(platformName ? { platformName } : {}) });
  }

  async function destroyRequest(name: string): Promise<number> {
    const requester = await access.principalOf(boss, { kind: 'token', tokenId: newId(), tokenName: 'boss-laptop' });
    const input: HoldInput = {
      principal: requester, channel: 'api', command: 'destroy', text: `claw destroy ${name} --tenant acme`, displayText: `claw destroy ${name} --tenant acme`,
      args: { name }, flags: { tenant: 'acme' }, tenant: acme, target: { kind: 'instance', tenant: 'acme', project: 'p', instance: name },
      targets: [{ kind: 'instance', id: newId(), name: `acme/p/${name}`, version: 1 }], batch: false, reason: undefined, origin: undefined,
    };
    return (await engine().hold(input))!.id;
  }

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    store = await openStore(db.settings);
    audit = new AuditLog(store.dataSource);
    tenancy = new TenancyEngine(store.dataSource);
    access = new AccessEngine(store.dataSource, RoleCatalog.fromFile());
    identities = new ChatIdentities(store.dataSource);
    acme = await tenancy.createTenant({ name: 'acme', createdBy: 'test' });
    root = await tenancy.addMember({ tenant: null, name: 'root', createdBy: null });
    await access.grant({ member: root, role: 'platform-admin', scope: { kind: 'platform' }, createdBy: 'bootstrap' });
    boss = await member('boss', 'tenant-admin', root);
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it('a token the requester created, or one made with it, never approves; the refusal says why and is audited', async () => {
    const id = await destroyRequest('alpha');
    const puppet = await member('puppet', 'approver', boss);
    const minted = await tokenPrincipal(puppet, boss);
    const first = await refusal(engine().vote(id, minted, 'approve', undefined));
    expect(first.code).toBe('CLAW_APPROVAL_CREDENTIAL');
    expect(first.message).toContain('was created by boss, the requester');
    // The puppet mints its own token with the borrowed one: still the requester's.
    const derived = await tokenPrincipal(puppet, puppet, `token:${(minted.identity as { tokenId: string }).tokenId}`);
    expect((await refusal(engine().vote(id, derived, 'approve', undefined))).code).toBe('CLAW_APPROVAL_CREDENTIAL');
    expect((await engine().get(id)).status).toBe('pending');
    expect(await engine().votes(id)).toEqual([]);
    const trail = await audit.query({ tenants: 'all', command: 'approve refused', limit: 10 });
    expect(trail.map((e) => e.text)).toEqual(expect.arrayContaining([
      expect.stringContaining(`approve of approval #${id} by puppet (token:${(minted.identity as { tokenName: string }).tokenName}) does not count: token`),
    ]));
    expect(trail.every((e) => e.decision === 'denied' && e.errorCode === 'forbidden')).toBe(true);

    // A person the platform admin added, with a token they made for themselves, approves.
    const ann = await member('ann', 'approver', root);
    const own = await tokenPrincipal(ann, ann);
    expect((await engine().vote(id, own, 'approve', undefined)).status).toBe('executed');
  });

  it('a token from before creators were recorded does not approve', async () => {
    const id = await destroyRequest('legacy');
    const old = await member('old', 'approver', root);
    const voter = await tokenPrincipal(old, old);
    await store.dataSource.getRepository(ApiTokenEntity).update({ id: (voter.identity as { tokenId: string }).tokenId }, { createdByMemberId: null });
    const r = await refusal(engine().vote(id, voter, 'approve', undefined));
    expect(r).toMatchObject({ code: 'CLAW_APPROVAL_CREDENTIAL' });
    expect(r.message).toContain('before token creators were recorded');
  });

  it('an account the requester attached counts only once its owner confirmed it from the account; the vote shows the platform name', async () => {
    const id = await destroyRequest('beta');
    const carl = await member('carl', 'approver', root);
    const account = await identities.attach(carl, 'feishu', 'ou_carlspare', '', null, { byMemberId: boss.id, via: null, confirmed: false });
    const voter = await chatPrincipal(carl, account.id, 'ou_carlspare', 'Carl Zhang');
    const r = await refusal(engine().vote(id, voter, 'approve', undefined));
    expect(r.code).toBe('CLAW_APPROVAL_CREDENTIAL');
    expect(r.message).toContain('was attached by boss, the requester');
    expect(r.message).toContain('claw link');

    expect(await identities.confirm(account.id, 'Carl Zhang')).toBe(true);
    expect(await identities.confirm(account.id, 'Carl Zhang')).toBe(false);
    expect((await engine().vote(id, voter, 'approve', undefined)).status).toBe('executed');
    expect((await engine().votes(id)).map((v) => [v.memberName, v.platformName])).toEqual([['carl', 'Carl Zhang']]);
  });

  it('an account linked with a code that the requester\'s token asked for does not count, and revoking the token unlinks it', async () => {
    const id = await destroyRequest('gamma');
    const dora = await member('dora', 'approver', boss);
    const minted = await tokenPrincipal(dora, boss);
    const via = `token:${(minted.identity as { tokenId: string }).tokenId}`;
    const { code } = await identities.newLinkCode(dora, via);
    const redeemed = await identities.redeem(code);
    expect(redeemed).toEqual({ memberId: dora.id, via });
    const linked = await identities.attach(dora, 'feishu', 'ou_doraspare', 'org', 'Spare', { byMemberId: dora.id, via, confirmed: true });
    // And a second account linked from the first one: traced through it.
    const second = await identities.attach(dora, 'dingtalk', 'staff-dora2', 'org', 'Spare 2', { byMemberId: dora.id, via: `chat:${linked.id}`, confirmed: true });
    const r = await refusal(engine().vote(id, await chatPrincipal(dora, second.id, 'staff-dora2'), 'approve', undefined));
    expect(r.code).toBe('CLAW_APPROVAL_CREDENTIAL');
    expect(r.message).toContain('was created by boss, the requester');

    expect((await identities.unlinkMadeWith(via)).map((i) => i.userId).sort()).toEqual(['ou_doraspare', 'staff-dora2']);
    expect(await identities.find('feishu', 'org', 'ou_doraspare')).toBeNull();
    expect(await identities.find('dingtalk', 'org', 'staff-dora2')).toBeNull();
  });

  it('with independent approvers, a role the requester granted does not approve; a platform admin does', async () => {
    await tenancy.setApprovalPolicy(acme, { independentApprovers: true });
    try {
      const id = await destroyRequest('delta');
      const eve = await member('eve', 'approver', boss);
      const r = await refusal(engine().vote(id, await tokenPrincipal(eve, eve), 'approve', undefined));
      expect(r.code).toBe('CLAW_APPROVAL_GRANT');
      expect(r.message).toContain('independent approvers');
      const trail = await audit.query({ tenants: 'all', command: 'approve refused', limit: 50 });
      expect(trail.some((e) => e.memberName === 'eve' && e.text.includes('independent approvers'))).toBe(true);
      expect((await engine().vote(id, await tokenPrincipal(root, root), 'approve', undefined)).status).toBe('executed');
    } finally {
      await tenancy.setApprovalPolicy(acme, null);
    }
    // Without the policy the same grant is enough.
    const id = await destroyRequest('epsilon');
    const fay = await member('fay', 'approver', boss);
    expect((await engine().vote(id, await tokenPrincipal(fay, fay), 'approve', undefined)).status).toBe('executed');
  });
});

describe('approval rules name commands and flags that exist', () => {
  const registry = new CommandRegistry(COMMANDS);
  const where = 'configs/approvals.yaml';

  it('the shipped rules pass', () => {
    expect(() => checkRules(loadApprovalPolicy().rules, registry.flagsOf, where)).not.toThrow();
  });

  it('an unknown command or flag stops the start with a message naming it', () => {
    const message = (rules: ApprovalPolicy['rules']) => {
      try {
        checkRules(rules, registry.flagsOf, where);
        return 'accepted';
      } catch (error) {
        return isClawError(error) ? error.messageIn('en') : String(error);
      }
    };
    expect(message([{ command: 'destroy' }, { command: 'destory' }])).toContain('rules[1]: there is no command `claw destory`');
    expect(message([{ command: 'stop', flag: 'forse' }])).toContain('`claw stop` has no yes/no flag --forse');
    // A flag that takes a value can never be "set" the way a rule means.
    expect(message([{ command: 'stop', flag: 'tenant' }])).toContain('has no yes/no flag --tenant');
  });
});
