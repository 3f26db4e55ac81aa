// The approvals engine on SQLite and MariaDB, without a cluster: what people see of an approval (who may vote, how often
// it runs, when it closes) rests on unique keys and compare-and-swap updates, which each database must honour alike.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApprovalPolicy } from '../../../src/engines/approvals/approval-policy.js';
import { ApprovalsEngine, type HoldInput } from '../../../src/engines/approvals/approvals-engine.js';
import { AuditLog } from '../../../src/engines/audit/audit-log.js';
import { TenancyEngine } from '../../../src/engines/tenancy/tenancy-engine.js';
import { isClawError } from '../../../src/errors/claw-error.js';
import type { Principal } from '../../../src/model/principal.js';
import { openStore, type Store } from '../../../src/store/data-source.js';
import type { Tenant } from '../../../src/store/entities/tenant.js';
import { SecretBox } from '../../../src/store/secret-box.js';
import { newId } from '../../../src/util/ids.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../support/databases.js';

/** Two approvals for `destroy`, as a cautious tenant would set it; expiry long enough never to interfere. */
const POLICY: ApprovalPolicy = { expiryMs: 3_600_000, approvals: 2, reasonRequired: false, batchThreshold: 5, independentApprovers: false, rules: [{ command: 'destroy' }], approvalChat: null };

function person(name: string): Principal {
  return {
    memberId: newId(), name, displayName: name, kind: 'person', tenant: null,
    identity: { kind: 'token', tokenId: newId(), tokenName: `${name}-laptop` }, bindings: [],
  };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return isClawError(error) ? error.code : String(error);
  }
}

describe.each(databaseKinds())('approvals engine on %s', (kind) => {
  let db: TestDatabase;
  let store: Store;
  let audit: AuditLog;
  let tenant: Tenant;
  const secrets = SecretBox.fromText(randomBytes(32).toString('hex'), 'test key');
  const requester = person('olivia');

  /** An engine whose executor counts the runs of each approval and answers `executed`. */
  function engine(policy: ApprovalPolicy = POLICY) {
    // Credentials here are made up: whether a vote counts by its credential is separation-of-duties.test.ts's subject.
    const e = new ApprovalsEngine(store.dataSource, secrets, policy, audit, { refusal: async () => null });
    const runs = new Map<number, string[]>();
    e.execute = async (approval, text) => {
      runs.set(approval.id, [...(runs.get(approval.id) ?? []), text]);
      return { status: 'executed', summary: `ran ${text}` };
    };
    return { e, runs };
  }

  const destroy = (name: string): HoldInput => ({
    principal: requester, channel: 'api', command: 'destroy', text: `claw destroy ${name} --tenant acme`, displayText: `claw destroy ${name} --tenant acme`,
    args: { name }, flags: { tenant: 'acme' }, tenant, target: { kind: 'instance', tenant: 'acme', project: 'p', instance: name },
    targets: [{ kind: 'instance', id: newId(), name: `acme/p/${name}`, version: 1 }], batch: false, reason: undefined, origin: undefined,
  });

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    store = await openStore(db.settings);
    audit = new AuditLog(store.dataSource);
    tenant = await new TenancyEngine(store.dataSource).createTenant({ name: 'acme', createdBy: 'test' });
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it('refuses the requester and a second vote by one member, and runs the command once when the last votes race', async () => {
    const { e, runs } = engine();
    const held = await e.hold(destroy('alpha'));
    expect(held).toMatchObject({ status: 'pending', required: 2, requesterName: 'olivia' });
    // The exact text is stored sealed, never in the clear.
    expect(held!.textSealed).not.toContain('alpha');

    expect(await codeOf(e.vote(held!.id, { ...person('olivia'), memberId: requester.memberId }, 'approve', undefined))).toBe('CLAW_APPROVAL_SELF');
    const ann = person('ann');
    expect((await e.vote(held!.id, ann, 'approve', undefined)).status).toBe('pending');
    // The second vote hits the (approval, member) unique key: a duplicate, not an internal error, on either database.
    expect(await codeOf(e.vote(held!.id, ann, 'approve', undefined))).toBe('CLAW_APPROVAL_VOTED');

    const [bob, carl] = [person('bob'), person('carl')];
    const answers = await Promise.all([e.vote(held!.id, bob, 'approve', undefined), e.vote(held!.id, carl, 'approve', 'ok')]);
    expect(runs.get(held!.id)).toEqual(['claw destroy alpha --tenant acme']);
    const final = await e.get(held!.id);
    expect(final).toMatchObject({ status: 'executed', result: 'ran claw destroy alpha --tenant acme' });
    expect(answers.some((a) => a.status === 'executed')).toBe(true);
    expect((await e.votes(held!.id)).map((v) => v.memberName).sort()).toEqual(['ann', 'bob', 'carl']);

    // A late rejection of an approval that already ran is refused, and its vote withdrawn.
    expect(await codeOf(e.vote(held!.id, person('dora'), 'reject', 'too late'))).toBe('CLAW_APPROVAL_CLOSED');
    expect((await e.votes(held!.id)).map((v) => v.memberName)).not.toContain('dora');
    expect((await e.get(held!.id)).status).toBe('executed');
  });

  it('lets one of a racing approval and rejection win, never both', async () => {
    const { e, runs } = engine({ ...POLICY, approvals: 1 });
    const held = await e.hold(destroy('beta'));
    const outcomes = await Promise.allSettled([e.vote(held!.id, person('erin'), 'approve', undefined), e.vote(held!.id, person('finn'), 'reject', 'no')]);
    const final = await e.get(held!.id);
    const votes = await e.votes(held!.id);
    if (final.status === 'rejected') {
      expect(runs.get(held!.id)).toBeUndefined();
    } else {
      expect(final.status).toBe('executed');
      expect(runs.get(held!.id)).toHaveLength(1);
      // The losing rejection was refused and its vote removed.
      expect(outcomes.filter((o) => o.status === 'rejected')).toHaveLength(1);
      expect(votes.map((v) => v.decision)).toEqual(['approve']);
    }
  });

  it('expires an approval past its time once, audits the expiry, and refuses votes on it', async () => {
    const { e, runs } = engine({ ...POLICY, expiryMs: 50 });
    const held = await e.hold(destroy('gamma'));
    const untilDue = held!.expiresAt.getTime() - Date.now();
    if (untilDue > 0) await new Promise((resolve) => setTimeout(resolve, untilDue + 5));
    expect(await e.expireDue()).toBe(1);
    expect(await e.expireDue()).toBe(0);
    expect(await e.get(held!.id)).toMatchObject({ status: 'expired', result: 'expired before enough approvals' });
    const audited = await audit.query({ tenants: 'all', command: 'approval expire', limit: 10 });
    expect(audited.map((a) => a.requestId)).toEqual([`approval-${held!.id}-expired`]);
    expect(await codeOf(e.vote(held!.id, person('gina'), 'approve', undefined))).toBe('CLAW_APPROVAL_CLOSED');
    expect(runs.get(held!.id)).toBeUndefined();
    expect(await audit.verify()).toMatchObject({ ok: true });
  });
});
