// The audit log on both databases: group commit of concurrent appends into one valid chain, keyed so that a writer
// without the secret key cannot rewrite history, and tenants referred to by id.
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AuditLog, hashEvent, keyedHashEvent, type AuditInput } from '../../../src/engines/audit/audit-log.js';
import { MetaEntity } from '../../../src/store/entities/meta.js';
import { TenantEntity } from '../../../src/store/entities/tenant.js';
import { SecretBox } from '../../../src/store/secret-box.js';
import { AuditEventEntity, type AuditEvent } from '../../../src/store/entities/audit-event.js';
import { openStore, type Store } from '../../../src/store/data-source.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../support/databases.js';

const event = (n: number, extra: Partial<AuditInput> = {}): AuditInput => ({
  requestId: `r-${n}`, channel: 'api', memberId: null, memberName: 'bob', identity: 'token:t', tenantName: 'acme', scope: 'tenant/acme',
  command: 'status', text: `claw status #${n}`, decision: 'allowed', outcome: 'success', errorCode: null, durationMs: n, ...extra,
});

describe.each(databaseKinds())('audit log on %s', (kind) => {
  let db: TestDatabase;
  let store: Store;
  /** A second connection pool on the same database, as another replica would have. */
  let replica: Store;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    store = await openStore(db.settings);
    replica = await openStore(db.settings);
  });
  afterAll(async () => {
    await replica?.close();
    await store?.close();
    await db?.drop();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const rows = async (): Promise<AuditEvent[]> => store.dataSource.getRepository(AuditEventEntity).find({ order: { seq: 'ASC' } });

  it('commits concurrent appends together, in the order they were made, and answers each with its own event', async () => {
    const audit = new AuditLog(store.dataSource);
    const insert = vi.spyOn(store.dataSource.getRepository(AuditEventEntity), 'insert');
    const events = await Promise.all(Array.from({ length: 250 }, (_, i) => audit.append(event(i))));
    expect(events.map((e) => e.requestId)).toEqual(Array.from({ length: 250 }, (_, i) => `r-${i}`));
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
    // Group commit: far fewer statements than events, none larger than the batch limit.
    expect(insert.mock.calls.length).toBeLessThan(10);
    expect(Math.max(...insert.mock.calls.map(([values]) => (values as unknown[]).length))).toBeLessThanOrEqual(100);
    expect((await rows()).map((r) => r.requestId)).toEqual(events.map((e) => e.requestId));
    expect(await audit.verify()).toEqual({ ok: true, checked: 250 });
  });

  it('has an event in the database by the time its append resolves', async () => {
    const audit = new AuditLog(store.dataSource);
    const appended = await Promise.all([audit.append(event(1000)), audit.append(event(1001))]);
    // Read through the other pool: the rows are committed, not merely written on the writer's connection.
    const seen = await replica.dataSource.getRepository(AuditEventEntity).findBy({ requestId: 'r-1001' });
    expect(seen.map((r) => r.seq)).toEqual([appended[1]!.seq]);
  });

  it('keeps one valid chain when several writers on separate connections append in bursts at once', async () => {
    const before = (await rows()).length;
    const writers = [new AuditLog(store.dataSource), new AuditLog(store.dataSource), new AuditLog(replica.dataSource), new AuditLog(replica.dataSource)];
    const bursts = Array.from({ length: 4 }, (_, round) =>
      Promise.all(writers.flatMap((w, wi) => Array.from({ length: 15 }, (_, i) => w.append(event(2000 + round * 100 + wi * 20 + i))))));
    const appended = (await Promise.all(bursts)).flat();
    expect(appended).toHaveLength(240);
    const all = await rows();
    expect(all).toHaveLength(before + 240);
    // Every append is in the chain exactly once, at the position its caller was told.
    const bySeq = new Map(all.map((r) => [r.seq, r.requestId]));
    for (const e of appended) expect(bySeq.get(e.seq)).toBe(e.requestId);
    expect(new Set(appended.map((e) => e.requestId)).size).toBe(240);
    expect(await writers[2]!.verify()).toEqual({ ok: true, checked: before + 240 });
  });

  it('refuses only the event the database refuses, not the others committed with it', async () => {
    const audit = new AuditLog(store.dataSource);
    const before = (await rows()).length;
    const bad = event(3001, { channel: null as unknown as string });
    const results = await Promise.allSettled([audit.append(event(3000)), audit.append(bad), audit.append(event(3002))]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const all = await rows();
    expect(all.slice(before).map((r) => r.requestId)).toEqual(['r-3000', 'r-3002']);
    expect(await audit.verify()).toEqual({ ok: true, checked: before + 2 });
    // The writer goes on afterwards.
    expect((await audit.append(event(3003))).seq).toBe(before + 3);
  });

  it('detects a history rewritten by someone who can write to the database but lacks the secret key', async () => {
    // A database of its own: the other cases write with the default key, which this one's verifier must not accept.
    const own = await createTestDatabase(kind);
    const keyed = await openStore(own.settings);
    try {
      const key = SecretBox.fromText(randomBytes(32).toString('hex'), 'test').derive('audit');
      const audit = new AuditLog(keyed.dataSource, key);
      for (let i = 1; i <= 4; i++) await audit.append(event(4000 + i));
      expect(await audit.verify()).toEqual({ ok: true, checked: 4 });
      const repo = keyed.dataSource.getRepository(AuditEventEntity);
      const meta = keyed.dataSource.getRepository(MetaEntity);
      const original = await repo.find({ order: { seq: 'ASC' } });
      const sealed = (await meta.findOneByOrFail({ key: 'audit_legacy_end' })).value;
      // Row 2 says something else, and every row from there on is re-chained so that each follows the one before.
      const rewrite = async (hashOf: (row: AuditEvent) => string, version: number) => {
        let prev = original[0]!.hash;
        for (const row of original.slice(1)) {
          const forged = { ...row, text: row.seq === 2 ? 'claw status innocent' : row.text, prevHash: prev, hashVersion: version };
          const hash = hashOf(forged);
          await repo.update({ seq: row.seq }, { text: forged.text, prevHash: prev, hash, hashVersion: version });
          prev = hash;
        }
      };
      // Re-chained with plain SHA-256, which anyone can compute: refused as unkeyed after the upgrade point.
      await rewrite((r) => hashEvent(r), 1);
      expect(await audit.verify()).toEqual({ ok: false, checked: 1, seq: 2, reason: 'unkeyed' });
      // Raising the recorded upgrade point to pass that off as old rows breaks its seal: no unkeyed row is accepted.
      await meta.update({ key: 'audit_legacy_end' }, { value: '10' });
      expect(await audit.verify()).toEqual({ ok: false, checked: 1, seq: 2, reason: 'unkeyed' });
      await meta.update({ key: 'audit_legacy_end' }, { value: sealed });
      // Re-chained with an HMAC under a key of the forger's own.
      await rewrite((r) => keyedHashEvent(randomBytes(32), r), 2);
      expect(await audit.verify()).toEqual({ ok: false, checked: 1, seq: 2, reason: 'hash' });
      // Restored, the chain verifies with the key, and not without it.
      for (const row of original) await repo.update({ seq: row.seq }, { text: row.text, prevHash: row.prevHash, hash: row.hash, hashVersion: row.hashVersion });
      expect(await audit.verify()).toEqual({ ok: true, checked: 4 });
      expect(await new AuditLog(keyed.dataSource, randomBytes(32)).verify()).toEqual({ ok: false, checked: 0, seq: 1, reason: 'hash' });
    } finally {
      await keyed.close();
      await own.drop();
    }
  });

  it('refers to tenants by id, so a tenant re-created under an old name does not see the old trail', async () => {
    const tenants = store.dataSource.getRepository(TenantEntity);
    const tenant = (id: string) => ({ id, name: 'reborn', displayName: 'Reborn', quotaInstances: null, quotaCpu: null, quotaMemory: null, quotaStorage: null, approvalPolicy: null, createdAt: new Date(), createdBy: 'test' });
    await tenants.insert(tenant('00000000-0000-4000-8000-000000000001'));
    const audit = new AuditLog(store.dataSource);
    // A writer that knows only the name (as the approvals engine does) gets the id of the tenant of that name now.
    const old = await audit.append(event(5000, { tenantName: 'reborn', text: 'claw tenant show reborn (old)' }));
    expect(old.tenantId).toBe('00000000-0000-4000-8000-000000000001');
    await tenants.delete({ id: '00000000-0000-4000-8000-000000000001' });
    await tenants.insert(tenant('00000000-0000-4000-8000-000000000002'));
    await audit.append(event(5001, { tenantName: 'reborn', tenantId: '00000000-0000-4000-8000-000000000002', text: 'claw tenant show reborn (new)' }));
    const seen = await audit.query({ tenants: new Set(['00000000-0000-4000-8000-000000000002']), limit: 100 });
    expect(seen.map((e) => e.text)).toEqual(['claw tenant show reborn (new)']);
    // The name stays for display.
    expect(seen[0]!.tenantName).toBe('reborn');
  });
});
