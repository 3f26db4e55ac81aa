// Key rotation on SQLite and MariaDB: every sealed column re-sealed with the new generation and still opening to the same
// text, a replica started before the rotation following it, a crashed sweep finished by a second run, a new master key.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KeyRotation } from '../../../src/engines/secrets/key-rotation.js';
import { openStore, type Store } from '../../../src/store/data-source.js';
import { MetaEntity } from '../../../src/store/entities/meta.js';
import { SecretBox } from '../../../src/store/secret-box.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../support/databases.js';
import { insertRow, readSealed, seedSealed, type Seeded } from '../../support/sealed-rows.js';

const dir = mkdtempSync(join(tmpdir(), 'claw-rotation-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A short refresh, so the sweep's settle wait (twice it) and replicas' re-reads take a fraction of a second. */
const REFRESH_MS = 60;
const newKey = () => randomBytes(32).toString('base64');
const boxOf = (key: string, previous?: string) => SecretBox.load(key, dir, { refreshMs: REFRESH_MS, ...(previous ? { previous } : {}) });

/** Every seeded value is sealed with `generation` and opens, with `box`, to what was written. */
async function expectAllAt(store: Store, seeded: Seeded, generation: number, box: SecretBox): Promise<void> {
  const now = await readSealed(store.dataSource, seeded);
  for (const [where, rows] of seeded) {
    for (const [id, plain] of rows) {
      const sealed = now.get(where)!.get(id)!;
      expect(SecretBox.generationOf(sealed), `${where} #${id}`).toBe(generation);
      expect(box.open(sealed), `${where} #${id}`).toBe(plain);
    }
  }
}

describe.each(databaseKinds())('key rotation on %s', (kind) => {
  let db: TestDatabase;
  let store: Store;
  beforeEach(async () => {
    db = await createTestDatabase(kind);
    store = await openStore(db.settings);
  });
  afterEach(async () => {
    await store.close();
    await db.drop();
  });

  it('re-seals every sealed column with the new generation; a replica started before follows it', async () => {
    const key = newKey();
    const box = boxOf(key);
    await box.bindTo(store.dataSource);
    const replica = boxOf(key);
    await replica.bindTo(store.dataSource);
    const seeded = await seedSealed(store.dataSource, box, 5);
    expect([...seeded.keys()].sort()).toEqual([
      'approvals.text_sealed', 'config_variables.sealed', 'inbound_events.payload', 'instances.gateway_token', 'instances.secret_overrides',
      'outbox_messages.payload', 'outbox_messages.reply_to',
    ]);
    // Before any rotation the format is the one older builds read.
    expect(box.seal('x')).toMatch(/^v1:/);

    // A write of the stale replica lands behind the sweep (on a row already re-sealed): the final pass catches it, and
    // the write itself is kept.
    const first = [...seeded.get('instances.gateway_token')!.keys()][0]!;
    let written: Promise<unknown> | undefined;
    const rotation = new KeyRotation(store.dataSource, box);
    const result = await rotation.rotate({
      batchSize: 2,
      onBatch: (p) => {
        if (written || p.table !== 'outbox_messages') return;
        written = store.dataSource.query('UPDATE instances SET gateway_token = ? WHERE id = ?', [replica.seal('gw-token-changed'), first]);
      },
    });
    await written;
    seeded.get('instances.gateway_token')!.set(first, 'gw-token-changed');
    expect(result).toMatchObject({ generation: 1, resumed: false, masterChanged: false });
    expect(Object.fromEntries(result.columns.map((c) => [`${c.table}.${c.column}`, c.resealed]))).toMatchObject({
      'instances.gateway_token': 6, 'config_variables.sealed': 5, 'approvals.text_sealed': 5, 'outbox_messages.reply_to': 5,
    });
    await expectAllAt(store, seeded, 1, box);
    await expectAllAt(store, seeded, 1, replica);
    const status = await rotation.status();
    expect(status).toMatchObject({ generation: 1, boundTo: 'current', rotation: null, older: 0, needPrevious: 0, total: 35 });
    expect(status.columns.find((c) => c.table === 'approvals')?.generations).toEqual([{ generation: 1, count: 5 }]);

    // A replica that has not re-read yet adopts the generation at its first refresh, or when it opens a newer value.
    const late = boxOf(key);
    const early = boxOf(key);
    const meta = store.dataSource.getRepository(MetaEntity);
    await meta.update({ key: 'secret_key_generation' }, { value: '0' });
    await late.bindTo(store.dataSource);
    await early.bindTo(store.dataSource);
    await meta.update({ key: 'secret_key_generation' }, { value: '1' });
    expect(late.seal('x')).toMatch(/^v1:/);
    const stop = new AbortController();
    late.start(stop.signal);
    try {
      await vi.waitFor(() => expect(late.seal('x')).toMatch(/^v2:1:/), { timeout: 5000, interval: 20 });
    } finally {
      stop.abort();
    }
    early.open(box.seal('y'));
    expect(early.sealingState()).toEqual({ generation: 1, master: 'current' });

    // A second rotation moves everything on again.
    expect((await new KeyRotation(store.dataSource, replica).rotate()).generation).toBe(2);
    await expectAllAt(store, seeded, 2, box);
  });

  it('passes once more after replicas had time to re-read, catching what a stale one sealed meanwhile', async () => {
    const key = newKey();
    const box = SecretBox.load(key, dir, { refreshMs: 400 });
    await box.bindTo(store.dataSource);
    const stale = boxOf(key);
    await stale.bindTo(store.dataSource);
    const seeded = await seedSealed(store.dataSource, box, 1);
    const id = [...seeded.get('instances.gateway_token')!.keys()][0]!;
    let written: Promise<unknown> | undefined;
    let waited = 0;
    await new KeyRotation(store.dataSource, box).rotate({
      onWait: (ms) => {
        waited = ms;
        written = store.dataSource.query('UPDATE instances SET gateway_token = ? WHERE id = ?', [stale.seal('gw-token-late'), id]);
      },
    });
    await written;
    expect(waited).toBeGreaterThan(0);
    expect(waited).toBeLessThanOrEqual(800);
    seeded.get('instances.gateway_token')!.set(id, 'gw-token-late');
    await expectAllAt(store, seeded, 1, box);
  });

  it('ends with every value at one generation when two replicas rotate at once, or one is asked twice', async () => {
    const key = newKey();
    const a = boxOf(key);
    const b = boxOf(key);
    // A second replica has its own connections. Not on SQLite: two connections in one process deadlock, as the
    // synchronous driver's busy wait blocks the event loop of the writer it waits for (replicas are processes).
    const other = kind === 'mysql' ? await openStore(db.settings) : undefined;
    try {
      await a.bindTo(store.dataSource);
      if (other) await b.bindTo(other.dataSource);
      const seeded = await seedSealed(store.dataSource, a, 6);
      const rotation = new KeyRotation(store.dataSource, a);
      const [ra, again, rb] = await Promise.all([
        rotation.rotate({ batchSize: 4 }), rotation.rotate(), ...(other ? [new KeyRotation(other.dataSource, b).rotate({ batchSize: 4 })] : []),
      ]);
      // The same replica asked twice runs one rotation; the other replica resumes it rather than starting another.
      expect(again).toBe(ra);
      expect(ra!.generation).toBe(1);
      if (other) expect(rb!.generation).toBe(1);
      await expectAllAt(store, seeded, 1, a);
      expect(await rotation.status()).toMatchObject({ generation: 1, older: 0, rotation: null });
    } finally {
      await other?.close();
    }
  });

  it('finishes a sweep that stopped after one batch when run again', async () => {
    const key = newKey();
    const box = boxOf(key);
    await box.bindTo(store.dataSource);
    const seeded = await seedSealed(store.dataSource, box, 4);
    let batches = 0;
    await expect(new KeyRotation(store.dataSource, box).rotate({
      batchSize: 3,
      onBatch: () => { if (++batches === 1) throw new Error('crash'); },
    })).rejects.toThrow('crash');
    const restarted = boxOf(key);
    await restarted.bindTo(store.dataSource);
    expect(restarted.sealingState().generation).toBe(1);
    const rotation = new KeyRotation(store.dataSource, restarted);
    const midway = await rotation.status();
    expect(midway.rotation).toMatchObject({ generation: 1, masterChange: false });
    expect(midway.older).toBe(28 - 3);
    const result = await rotation.rotate();
    expect(result).toMatchObject({ generation: 1, resumed: true });
    await expectAllAt(store, seeded, 1, restarted);
    expect(await rotation.status()).toMatchObject({ rotation: null, older: 0 });
  });

  it('moves every value to a new master key with CLAW_SECRET_KEY_PREVIOUS, keeping derived keys', async () => {
    const oldKey = newKey();
    const old = boxOf(oldKey);
    await old.bindTo(store.dataSource);
    const audit = old.derive('audit');
    const seeded = await seedSealed(store.dataSource, old, 3);
    // A first plain rotation, so values of the old master carry generations too.
    await new KeyRotation(store.dataSource, old).rotate();
    await insertRow(store.dataSource, 'approvals', { text_sealed: old.seal('held after rotation') });

    const key = newKey();
    await expect(boxOf(key).bindTo(store.dataSource)).rejects.toThrow('give the old one as CLAW_SECRET_KEY_PREVIOUS');
    const box = boxOf(key, oldKey);
    await box.bindTo(store.dataSource);
    // Until rotate-key, it seals with the key every replica (restarted or not) holds.
    expect(box.sealingState()).toEqual({ generation: 1, master: 'previous' });
    expect(old.open(box.seal('x'))).toBe('x');
    expect(box.derive('audit')).toEqual(audit);
    const rotation = new KeyRotation(store.dataSource, box);
    expect(await rotation.status()).toMatchObject({ boundTo: 'previous', previousConfigured: true, needPrevious: 22 });

    // Stopped after a batch: the database is bound to the new key, and a replica without the old one may not start.
    let batches = 0;
    await expect(rotation.rotate({ batchSize: 2, onBatch: () => { if (++batches === 1) throw new Error('crash'); } })).rejects.toThrow('crash');
    await expect(boxOf(key).bindTo(store.dataSource)).rejects.toThrow('start with CLAW_SECRET_KEY_PREVIOUS until `claw secret rotate-key` has finished');
    await expect(boxOf(oldKey).bindTo(store.dataSource)).rejects.toThrow('different secret key');
    const result = await rotation.rotate();
    expect(result).toMatchObject({ generation: 2, resumed: true, masterChanged: true });
    expect(await rotation.status()).toMatchObject({ boundTo: 'current', needPrevious: 0, older: 0, rotation: null });

    const fresh = boxOf(key);
    await fresh.bindTo(store.dataSource);
    await expectAllAt(store, seeded, 2, fresh);
    const [held] = await store.dataSource.query('SELECT text_sealed FROM approvals ORDER BY id DESC LIMIT 1') as Array<{ text_sealed: string }>;
    expect(fresh.open(held!.text_sealed)).toBe('held after rotation');
    // The audit chain's key survives the master rotation.
    expect(fresh.derive('audit')).toEqual(audit);
    expect(() => boxOf(oldKey).open(fresh.seal('x'))).toThrow();

    // A plain rotation re-seals the derivation root like any other value.
    const plain = await new KeyRotation(store.dataSource, fresh).rotate();
    expect(plain.columns.find((c) => c.table === 'meta')).toMatchObject({ resealed: 1, unreadable: 0 });

    // A later rotation to a third key finds the derivation root under the second.
    const third = newKey();
    const box3 = boxOf(third, key);
    await box3.bindTo(store.dataSource);
    expect((await new KeyRotation(store.dataSource, box3).rotate()).generation).toBe(4);
    const only3 = boxOf(third);
    await only3.bindTo(store.dataSource);
    expect(only3.derive('audit')).toEqual(audit);
    await expectAllAt(store, seeded, 4, only3);
  });
});
