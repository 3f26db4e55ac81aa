// Leader election through the database on SQLite and MariaDB: one leader among replicas that start together, a fast
// handover when the leader stops, and never two leaders when one loses its database and the lease has to expire.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DbLeaseElector } from '../../src/runtime/db-lease-elector.js';
import type { LeaseTiming } from '../../src/runtime/leader-elector.js';
import { openStore, type Store } from '../../src/store/data-source.js';
import { LeaseEntity } from '../../src/store/entities/lease.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases.js';
import { waitFor } from './runtime-contract.js';

/** Short, so an expiry takes a second or two; renewals well inside it, as in production (15 s / 5 s). */
const TIMING: LeaseTiming = { durationMs: 1500, renewMs: 150 };

interface Replica {
  name: string;
  elector: DbLeaseElector;
  stop: AbortController;
  /** Each change of leadership, with when it happened: to show terms never overlap. */
  changes: Array<{ leader: boolean; at: number }>;
  errors: string[];
}

describe.each(databaseKinds())('database leader election on %s', (kind) => {
  let db: TestDatabase;
  const stores: Store[] = [];
  const replicas: Replica[] = [];

  async function replica(name: string, lease: string, store?: Store): Promise<Replica> {
    const own = store ?? (await openStore(db.settings));
    if (!store) stores.push(own);
    const errors: string[] = [];
    const elector = new DbLeaseElector(own.dataSource, lease, name, TIMING, (_error, what) => errors.push(what));
    const r: Replica = { name, elector, stop: new AbortController(), changes: [], errors };
    elector.onChange((leader) => r.changes.push({ leader, at: Date.now() }));
    replicas.push(r);
    return r;
  }

  const leaders = (rs: Replica[]) => rs.filter((r) => r.elector.isLeader()).map((r) => r.name);
  const row = async (lease: string) => stores[0]!.dataSource.getRepository(LeaseEntity).findOneByOrFail({ name: lease });

  /** Leadership terms as [start, end) per replica; end is now for a term still running. */
  function terms(rs: Replica[]): Array<{ name: string; from: number; to: number }> {
    const out: Array<{ name: string; from: number; to: number }> = [];
    for (const r of rs) {
      let from: number | undefined;
      for (const c of r.changes) {
        if (c.leader) from = c.at;
        else if (from !== undefined) {
          out.push({ name: r.name, from, to: c.at });
          from = undefined;
        }
      }
      if (from !== undefined) out.push({ name: r.name, from, to: Date.now() });
    }
    return out;
  }

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    stores.push(await openStore(db.settings));
  });
  afterAll(async () => {
    for (const r of replicas) r.stop.abort();
    // Let releases in flight finish before their connections close.
    await Promise.all(replicas.map((r) => waitFor(`${r.name} to step down`, async () => r.elector.isLeader(), (l) => !l, 5000)));
    for (const s of stores) await s.close().catch(() => undefined);
    await db?.drop();
  });

  it('elects exactly one of three replicas that start at once on an empty table, and all know which', async () => {
    const rs = await Promise.all(['a', 'b', 'c'].map((n) => replica(`${n}-1`, 'race')));
    for (const r of rs) r.elector.start(r.stop.signal);
    await waitFor('a leader everyone agrees on', async () => rs.map((r) => r.elector.holder()), (h) => h[0] !== null && h.every((x) => x === h[0]), 10_000);
    // Several renewals later, still one leader, the one in the row, taken once (the insert race lost by the others is no error).
    const first = await row('race');
    await waitFor('two renewals', () => row('race'), (now) => now.renewedAt.getTime() >= first.renewedAt.getTime() + 2 * TIMING.renewMs, 10_000);
    expect(leaders(rs)).toEqual([first.holder]);
    expect((await row('race')).transitions).toBe(0);
    expect(rs.flatMap((r) => r.errors)).toEqual([]);
  });

  it('hands over when the leader stops: it releases the lease, and another takes it without waiting for the expiry', async () => {
    const rs = await Promise.all(['a', 'b'].map((n) => replica(`${n}-2`, 'handover')));
    for (const r of rs) r.elector.start(r.stop.signal);
    const [leader] = await waitFor('a leader', async () => leaders(rs), (l) => l.length === 1, 10_000);
    const old = rs.find((r) => r.name === leader)!;
    const next = rs.find((r) => r.name !== leader)!;
    old.stop.abort();
    await waitFor('the lease released', () => row('handover'), (r) => r.holder !== leader || r.expiresAt.getTime() === 0, 10_000);
    await waitFor('the other replica to lead', async () => next.elector.isLeader(), (l) => l, 10_000);
    const taken = await row('handover');
    expect(taken.holder).toBe(next.name);
    expect(taken.transitions).toBe(1);
    expect(old.elector.isLeader()).toBe(false);
    // Taken from a released lease, not an expired one: its old expiry had not come yet.
    const stepDown = old.changes.at(-1)!;
    expect(stepDown.leader).toBe(false);
    expect(next.changes.at(-1)!.at - stepDown.at).toBeLessThan(TIMING.durationMs);
  });

  it('a leader that loses its database steps down before anyone else can take the lease: never two leaders', async () => {
    const lost = await openStore(db.settings);
    const a = await replica('a-3', 'lost', lost);
    a.elector.start(a.stop.signal);
    await waitFor('a to lead', async () => a.elector.isLeader(), (l) => l, 10_000);
    const b = await replica('b-3', 'lost');
    b.elector.start(b.stop.signal);
    await waitFor('b to see a as leader', async () => b.elector.holder(), (h) => h === 'a-3', 10_000);
    await lost.close();
    await waitFor('b to lead after the lease expired', async () => b.elector.isLeader(), (l) => l, 10_000);
    expect(a.elector.isLeader()).toBe(false);
    expect(a.errors).toContain('leader lease renewal failed');
    const [termA, termB] = [terms([a]), terms([b])];
    expect(termA).toHaveLength(1);
    expect(termB).toHaveLength(1);
    expect(termA[0]!.to).toBeLessThanOrEqual(termB[0]!.from);
  });
});
