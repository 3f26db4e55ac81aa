// The audit log's group commit on both databases: concurrent appends from one or several writers make one valid chain.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AuditLog, type AuditInput } from '../../../src/engines/audit/audit-log.js';
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
});
