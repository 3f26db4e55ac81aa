// Unique-key handling on SQLite and MariaDB: a duplicate is recognised (so callers answer "exists", not a 500) whether it
// hits a primary key or a unique index, and nothing else is mistaken for one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/data-source.js';
import { LeaseEntity } from '../../src/store/entities/lease.js';
import { TenantEntity } from '../../src/store/entities/tenant.js';
import { isUniqueViolation } from '../../src/store/unique-violation.js';
import { newId } from '../../src/util/ids.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases.js';

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the statement to fail');
}

describe.each(databaseKinds())('unique violations on %s', (kind) => {
  let db: TestDatabase;
  let store: Store;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    store = await openStore(db.settings);
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  const tenant = (name: string, id = newId()) => ({
    id, name, displayName: name, quotaInstances: null, quotaCpu: null, quotaMemory: null, quotaStorage: null, approvalPolicy: null, createdAt: new Date(), createdBy: 'test',
  });

  it('recognises a duplicate on a unique index and on a primary key', async () => {
    const repo = store.dataSource.getRepository(TenantEntity);
    const first = tenant('dup');
    await repo.insert(first);
    expect(isUniqueViolation(await errorOf(repo.insert(tenant('dup'))))).toBe(true);
    expect(isUniqueViolation(await errorOf(repo.insert(tenant('other', first.id))))).toBe(true);
    // A string primary key, as the lease race of two replicas produces.
    const leases = store.dataSource.getRepository(LeaseEntity);
    const lease = { name: 'l', holder: 'a', acquiredAt: new Date(), renewedAt: new Date(), expiresAt: new Date(), transitions: 0 };
    await leases.insert(lease);
    expect(isUniqueViolation(await errorOf(leases.insert({ ...lease, holder: 'b' })))).toBe(true);
  });

  it('does not take other failures for duplicates', async () => {
    const repo = store.dataSource.getRepository(TenantEntity);
    // A missing NOT NULL value, a missing table and a syntax error are real faults, to be reported as such.
    expect(isUniqueViolation(await errorOf(repo.insert({ ...tenant('nulls'), displayName: null as unknown as string })))).toBe(false);
    expect(isUniqueViolation(await errorOf(store.dataSource.query('SELECT * FROM no_such_table')))).toBe(false);
    expect(isUniqueViolation(await errorOf(store.dataSource.query('SELEC 1')))).toBe(false);
    expect(isUniqueViolation(new Error('Duplicate entry'))).toBe(false);
  });

  it('leaves the first row intact after a refused duplicate', async () => {
    const repo = store.dataSource.getRepository(TenantEntity);
    await repo.insert(tenant('keep'));
    await errorOf(repo.insert({ ...tenant('keep'), displayName: 'impostor' }));
    expect((await repo.findBy({ name: 'keep' })).map((t) => t.displayName)).toEqual(['keep']);
  });
});
