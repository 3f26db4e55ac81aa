// The store against both databases: migrations match the entities, and tenancy, access and audit behave the same.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessEngine } from '../../src/engines/access/access-engine.js';
import { RoleCatalog } from '../../src/engines/access/role-catalog.js';
import { AuditLog, type AuditInput } from '../../src/engines/audit/audit-log.js';
import { TenancyEngine } from '../../src/engines/tenancy/tenancy-engine.js';
import { isClawError } from '../../src/errors/claw-error.js';
import { openStore, type Store } from '../../src/store/data-source.js';
import { InstanceEntity, instanceNameKey, type Instance } from '../../src/store/entities/instance.js';
import type { Project } from '../../src/store/entities/project.js';
import type { Tenant } from '../../src/store/entities/tenant.js';
import { newId } from '../../src/util/ids.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases.js';

const event = (n: number, extra: Partial<AuditInput> = {}): AuditInput => ({
  requestId: `r-${n}`, channel: 'api', memberId: null, memberName: 'bob', identity: 'token:t', tenantName: 'acme', scope: 'tenant/acme',
  command: 'tenant show', text: `claw tenant show acme #${n}`, decision: 'allowed', outcome: 'success', errorCode: null, durationMs: n, ...extra,
});

/** An instance row as `claw create` writes it (the lifecycle engine is not needed to hold one). */
function instanceRow(tenant: Tenant, project: Project, name: string): Instance {
  const now = new Date();
  return {
    id: newId(), tenantId: tenant.id, projectId: project.id, name, nameKey: instanceNameKey(project.id, name), type: 'openclaw', version: '1',
    template: 'default', configVersion: 1, valuesVersion: 1, labels: {}, cpu: '1', memory: '1Gi', storage: '1Gi', desiredPhase: 'Running',
    generation: 1, restartGeneration: 0, stopForce: false, keepData: false, gatewayToken: 'sealed', phase: 'Running', ready: true, restarts: 0,
    reason: null, message: null, node: null, endpoint: null, startedAt: now, lastTransitionAt: now, observedGeneration: 1, reconciledGeneration: 1,
    observedRestartGeneration: 0, troubleSince: null, createdAt: now, createdBy: 'test', updatedAt: now, destroyedAt: null,
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

describe.each(databaseKinds())('store on %s', (kind) => {
  let db: TestDatabase;
  let store: Store;
  let tenancy: TenancyEngine;
  let access: AccessEngine;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    store = await openStore(db.settings);
    tenancy = new TenancyEngine(store.dataSource);
    const roles = RoleCatalog.fromFile();
    await roles.sync(store.dataSource);
    access = new AccessEngine(store.dataSource, roles);
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it('creates by migration exactly the schema the entities describe', async () => {
    const pending = await store.dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('re-opening runs no migration twice and keeps data', async () => {
    await tenancy.createTenant({ name: 'persist', createdBy: 'test' });
    const again = await openStore(db.settings);
    try {
      expect(await again.dataSource.showMigrations()).toBe(false);
      expect(await new TenancyEngine(again.dataSource).findTenant('persist')).not.toBeNull();
    } finally {
      await again.close();
    }
  });

  it('keeps Chinese text and emoji intact', async () => {
    const t = await tenancy.createTenant({ name: 'unicode', displayName: '华东销售部 🦞', createdBy: 'test' });
    expect((await tenancy.getTenant('unicode')).displayName).toBe('华东销售部 🦞');
    expect(t.displayName).toBe('华东销售部 🦞');
  });

  it('refuses duplicate tenants, projects and members with a conflict', async () => {
    const acme = await tenancy.createTenant({ name: 'acme', createdBy: 'test' });
    expect(await codeOf(tenancy.createTenant({ name: 'acme', createdBy: 'test' }))).toBe('CLAW_CONFLICT_EXISTS');
    await tenancy.createProject({ tenant: acme, name: 'sales', createdBy: 'test' });
    expect(await codeOf(tenancy.createProject({ tenant: acme, name: 'sales', createdBy: 'test' }))).toBe('CLAW_CONFLICT_EXISTS');
    await tenancy.addMember({ tenant: acme, name: 'bob', createdBy: 'test' });
    expect(await codeOf(tenancy.addMember({ tenant: acme, name: 'bob', createdBy: 'test' }))).toBe('CLAW_CONFLICT_EXISTS');
    // Names are per tenant; platform members have their own namespace.
    const globex = await tenancy.createTenant({ name: 'globex', createdBy: 'test' });
    await tenancy.addMember({ tenant: globex, name: 'bob', createdBy: 'test' });
    await tenancy.addMember({ tenant: null, name: 'bob', createdBy: 'test' });
    expect(await codeOf(tenancy.addMember({ tenant: null, name: 'bob', createdBy: 'test' }))).toBe('CLAW_CONFLICT_EXISTS');
  });

  it('counts projects and members per tenant', async () => {
    const list = await tenancy.listTenants(new Set(['acme', 'globex']));
    expect(list.map((t) => [t.name, t.projects, t.members])).toEqual([['acme', 1, 1], ['globex', 0, 1]]);
  });

  it('refuses to delete a tenant with projects, naming them, and changes nothing', async () => {
    const acme = await tenancy.getTenant('acme');
    try {
      await tenancy.deleteTenant(acme);
      expect.unreachable();
    } catch (error) {
      expect(isClawError(error) && error.code).toBe('CLAW_CONFLICT_IN_USE');
      expect((error as Error).message).toContain('still has 1 project(s): sales');
    }
    expect(await tenancy.findTenant('acme')).not.toBeNull();
    expect(await tenancy.findMember(acme, 'bob')).not.toBeNull();
  });

  it('deletes an empty tenant with its members, their tokens and bindings', async () => {
    const t = await tenancy.createTenant({ name: 'short-lived', createdBy: 'test' });
    const m = await tenancy.addMember({ tenant: t, name: 'carol', createdBy: 'test' });
    await access.grant({ member: m, role: 'viewer', scope: { kind: 'tenant', tenant: t }, createdBy: 'test' });
    const { token } = await access.issueToken({ member: m, ttlMs: 60_000, createdBy: 'test' });
    expect(await access.authenticate(token)).not.toBeNull();
    expect(await tenancy.deleteTenant(t)).toMatchObject({ membersRemoved: 1 });
    expect(await access.authenticate(token)).toBeNull();
    expect((await access.bindingsOf([m.id])).size).toBe(0);
  });

  it('refuses to delete a project with live instances, naming them; deletes it once they are destroyed, keeping their history', async () => {
    const t = await tenancy.createTenant({ name: 'fleet', createdBy: 'test' });
    const sales = await tenancy.createProject({ tenant: t, name: 'sales', createdBy: 'test' });
    const dana = await tenancy.addMember({ tenant: t, name: 'dana', createdBy: 'test' });
    await access.grant({ member: dana, role: 'operator', scope: { kind: 'project', tenant: t, project: sales }, createdBy: 'test' });
    await access.grant({ member: dana, role: 'viewer', scope: { kind: 'tenant', tenant: t }, createdBy: 'test' });
    await tenancy.bindChat({ platform: 'feishu', orgId: 'org', chatId: 'oc_sales', tenant: t, project: sales, createdBy: 'test' });
    const instances = store.dataSource.getRepository(InstanceEntity);
    // As `claw create` leaves them; `old` was destroyed earlier (its name freed), which must not block the delete.
    for (const name of ['beta', 'alpha']) await instances.insert(instanceRow(t, sales, name));
    await instances.insert({ ...instanceRow(t, sales, 'old'), nameKey: null, phase: 'Destroyed', desiredPhase: 'Destroyed', destroyedAt: new Date() });

    try {
      await tenancy.deleteProject(sales);
      expect.unreachable();
    } catch (error) {
      expect(isClawError(error) && error.code).toBe('CLAW_CONFLICT_IN_USE');
      expect((error as Error).message).toContain('Project sales still has 2 instance(s): alpha, beta. Destroy them first with `claw destroy NAME --project sales`.');
    }
    // Refused means nothing changed: the project, its role and its chat binding are all still there.
    expect(await tenancy.findProject(t, 'sales')).not.toBeNull();
    expect((await access.bindingsOf([dana.id])).get(dana.id)).toHaveLength(2);
    expect(await tenancy.chatBinding('feishu', 'org', 'oc_sales')).toMatchObject({ project: { id: sales.id } });

    await instances.update({ projectId: sales.id }, { nameKey: null, phase: 'Destroyed', desiredPhase: 'Destroyed', destroyedAt: new Date() });
    await tenancy.deleteProject(sales);
    expect(await tenancy.findProject(t, 'sales')).toBeNull();
    expect((await access.bindingsOf([dana.id])).get(dana.id)?.map((b) => b.binding.roleName)).toEqual(['viewer']);
    expect(await tenancy.chatBinding('feishu', 'org', 'oc_sales')).toBeNull();
    // The destroyed instances stay as history; a new project of the same name starts empty and may reuse their names.
    expect(await instances.countBy({ projectId: sales.id })).toBe(3);
    const again = await tenancy.createProject({ tenant: t, name: 'sales', createdBy: 'test' });
    expect(again.id).not.toBe(sales.id);
    await instances.insert(instanceRow(t, again, 'alpha'));
    await expect(tenancy.deleteProject(again)).rejects.toThrow('still has 1 instance(s): alpha');
  });

  it('grants idempotently, revokes, and protects the last platform admin', async () => {
    const acme = await tenancy.getTenant('acme');
    const bob = await tenancy.getMember(acme, 'bob');
    expect((await access.grant({ member: bob, role: 'operator', scope: { kind: 'tenant', tenant: acme }, createdBy: 't' })).created).toBe(true);
    expect((await access.grant({ member: bob, role: 'operator', scope: { kind: 'tenant', tenant: acme }, createdBy: 't' })).created).toBe(false);
    const principal = await access.principalOf(bob, { kind: 'token', tokenId: 'x', tokenName: 'x' });
    expect(principal.bindings).toEqual([{ role: 'operator', scope: { kind: 'tenant', tenant: 'acme' }, permissions: expect.arrayContaining(['instance:*']) }]);
    expect(await access.revoke({ member: bob, role: 'operator', scope: { kind: 'tenant', tenant: acme } })).toBe(true);
    expect(await access.revoke({ member: bob, role: 'operator', scope: { kind: 'tenant', tenant: acme } })).toBe(false);

    const root = await tenancy.addMember({ tenant: null, name: 'root', createdBy: 'test' });
    await access.grant({ member: root, role: 'platform-admin', scope: { kind: 'platform' }, createdBy: 't' });
    expect(await access.isLastPlatformAdmin(root)).toBe(true);
    expect(await codeOf(access.revoke({ member: root, role: 'platform-admin', scope: { kind: 'platform' } }))).toBe('CLAW_CONFLICT_IN_USE');
    expect(await codeOf(access.grant({ member: bob, role: 'viewer', scope: { kind: 'tenant', tenant: await tenancy.getTenant('globex') }, createdBy: 't' }))).toBe('CLAW_ARG_INVALID');
    expect(await codeOf(access.grant({ member: bob, role: 'no-such-role', scope: { kind: 'tenant', tenant: acme }, createdBy: 't' }))).toBe('CLAW_NOT_FOUND');
  });

  it('stores only token hashes; tokens expire and can be revoked; last use is recorded', async () => {
    const acme = await tenancy.getTenant('acme');
    const bob = await tenancy.getMember(acme, 'bob');
    const issued = await access.issueToken({ member: bob, name: 'laptop', ttlMs: 60_000, createdBy: 'test' });
    expect(issued.token).toMatch(/^claw_[A-Za-z0-9]{40}$/);
    const rows = await store.dataSource.query('SELECT * FROM api_tokens');
    expect(JSON.stringify(rows)).not.toContain(issued.token);
    const found = await access.authenticate(issued.token);
    expect(found?.member.name).toBe('bob');
    expect(found?.token.lastUsedAt).toBeInstanceOf(Date);
    expect(await codeOf(access.issueToken({ member: bob, name: 'laptop', ttlMs: 1000, createdBy: 'test' }))).toBe('CLAW_CONFLICT_EXISTS');

    const short = await access.issueToken({ member: bob, ttlMs: 1, createdBy: 'test' });
    await new Promise((r) => setTimeout(r, 5));
    expect(await access.authenticate(short.token)).toBeNull();

    await access.revokeToken(issued.row);
    expect(await access.authenticate(issued.token)).toBeNull();
    expect(await access.authenticate('claw_not-a-real-token-at-all')).toBeNull();
  });

  it('chains audit events and verifies the chain', async () => {
    const audit = new AuditLog(store.dataSource);
    for (let i = 1; i <= 5; i++) await audit.append(event(i));
    const newest = await audit.query({ tenants: 'all', limit: 10 });
    expect(newest.map((e) => e.seq)).toEqual([5, 4, 3, 2, 1]);
    expect(newest[4]!.prevHash).toBe('0'.repeat(64));
    expect(newest[0]!.prevHash).toBe(newest[1]!.hash);
    // Millisecond timestamps survive the round trip, or the hashes would not verify.
    expect(await audit.verify()).toEqual({ ok: true, checked: 5 });
  });

  it('serialises concurrent appends from two writers (replicas) into one valid chain', async () => {
    const a = new AuditLog(store.dataSource);
    const b = new AuditLog(store.dataSource);
    await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).append(event(100 + i))));
    const all = await a.query({ tenants: 'all', limit: 1000 });
    expect(all).toHaveLength(35);
    expect(new Set(all.map((e) => e.seq)).size).toBe(35);
    expect(await a.verify()).toEqual({ ok: true, checked: 35 });
  });

  it('filters audit events by member, command, decision, time and tenant', async () => {
    const audit = new AuditLog(store.dataSource);
    await audit.append(event(200, { memberName: 'alice', command: 'tenant delete', decision: 'denied', tenantName: 'globex' }));
    expect((await audit.query({ tenants: 'all', member: 'alice', limit: 10 })).map((e) => e.durationMs)).toEqual([200]);
    expect(await audit.query({ tenants: 'all', command: 'tenant delete', decision: 'denied', limit: 10 })).toHaveLength(1);
    expect(await audit.query({ tenants: new Set(['acme']), member: 'alice', limit: 10 })).toHaveLength(0);
    expect(await audit.query({ tenants: new Set(), limit: 10 })).toHaveLength(0);
    expect(await audit.query({ tenants: 'all', since: new Date(Date.now() + 60_000), limit: 10 })).toHaveLength(0);
  });

  it('detects an altered, a removed and a truncated event', async () => {
    const audit = new AuditLog(store.dataSource);
    const last = await audit.append(event(300));
    await store.dataSource.query("UPDATE audit_events SET text = 'claw tenant show innocent' WHERE seq = 3");
    expect(await audit.verify()).toEqual({ ok: false, checked: 2, seq: 3, reason: 'hash' });
    await store.dataSource.query('DELETE FROM audit_events WHERE seq = 3');
    expect(await audit.verify()).toEqual({ ok: false, checked: 2, seq: 3, reason: 'gap' });
    await store.dataSource.query(`DELETE FROM audit_events WHERE seq >= 3`);
    // A writer that remembers the head notices the newest rows are gone.
    expect(await audit.verify()).toEqual({ ok: false, checked: 2, seq: 3, reason: 'truncated' });
    expect(last.seq).toBeGreaterThan(3);
  });
});
