// Secret key rotation: re-seals every sealed column with a new data key generation (or a new master key), online.
import { In, type DataSource, type QueryRunner } from 'typeorm';
import { MetaEntity } from '../../store/entities/meta.js';
import { SEALED_COLUMNS, type SealedColumn } from '../../store/sealed-columns.js';
import { parseMarker, SECRET_META, SecretBox, type RotationMarker } from '../../store/secret-box.js';
import { sleep } from '../../util/sleep.js';

/** How many sealed values of one generation a column holds; generation 0 is the `v1` format (the master key itself). */
export interface GenerationCount {
  generation: number;
  count: number;
}

export interface ColumnStatus {
  table: string;
  column: string;
  generations: GenerationCount[];
  /** Values that are not in a sealed format at all (damaged): no key opens them. */
  malformed: number;
}

export interface SecretStatus {
  /** The generation new values are sealed with. */
  generation: number;
  /** Which configured key the database is bound to: `previous` until rotate-key finishes moving to CLAW_SECRET_KEY. */
  boundTo: 'current' | 'previous';
  /** CLAW_SECRET_KEY_PREVIOUS is set on this replica. */
  previousConfigured: boolean;
  /** An unfinished rotation (crashed, stopped, or running now); rotate-key finishes it. */
  rotation: RotationMarker | null;
  columns: ColumnStatus[];
  total: number;
  /** Values of an older generation than `generation`. */
  older: number;
  /** Values only the previous master key opens: CLAW_SECRET_KEY_PREVIOUS must stay until this is 0. */
  needPrevious: number;
}

export interface ColumnOutcome {
  table: string;
  column: string;
  resealed: number;
  /** Values no configured key opens (damaged, or sealed with a key long gone): left as they are. */
  unreadable: number;
}

export interface RotationResult {
  generation: number;
  /** This run finished a rotation an earlier run began (and did not finish) instead of starting another. */
  resumed: boolean;
  masterChanged: boolean;
  columns: ColumnOutcome[];
  /** Values someone else rewrote between the sweep's read and its write; the next pass looked at them again. */
  conflicts: number;
}

export interface RotateOptions {
  /** Rows read and re-sealed per transaction. 200: short transactions, few round trips. */
  batchSize?: number;
  /** Stops between batches (shutdown); running rotate-key again resumes. */
  signal?: AbortSignal;
  /** Called after each batch with the column and the values it has re-sealed so far; throwing stops the run. */
  onBatch?(progress: { table: string; column: string; resealed: number }): void;
  /** Called before the wait for other replicas to re-read the generation, with its length. */
  onWait?(ms: number): void;
}

const DEFAULT_BATCH = 200;

export class KeyRotation {
  private existing: Promise<SealedColumn[]> | undefined;
  /** The rotation this process runs: a second request meanwhile joins it instead of starting another. */
  private running: Promise<RotationResult> | undefined;

  constructor(
    private readonly db: DataSource,
    private readonly box: SecretBox,
    /** Clock of the settle wait; tests may pass their own. */
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Counts per column and generation, read with one grouped query per column; never reads a key or opens a value. */
  async status(): Promise<SecretStatus> {
    const meta = await this.meta();
    const columns: ColumnStatus[] = [];
    for (const c of await this.columns()) {
      const e = (name: string) => this.db.driver.escape(name);
      const v = e(c.column);
      const rows = await this.db.query(
        `SELECT CASE WHEN ${v} LIKE 'v2:%' THEN SUBSTR(${v}, 4, INSTR(SUBSTR(${v}, 4), ':') - 1) WHEN ${v} LIKE 'v1:%' THEN '0' ELSE '?' END AS g, COUNT(*) AS n ` +
          `FROM ${e(c.table)} WHERE ${v} IS NOT NULL${c.rows ? ` AND ${e(c.rows.column)} = ?` : ''} GROUP BY g`,
        c.rows ? [c.rows.equals] : [],
      ) as Array<{ g: string | null; n: number | string }>;
      const generations = new Map<number, number>();
      let malformed = 0;
      for (const r of rows) {
        const g = String(r.g ?? '?');
        if (/^(0|[1-9][0-9]{0,8})$/.test(g)) generations.set(Number(g), (generations.get(Number(g)) ?? 0) + Number(r.n));
        else malformed += Number(r.n);
      }
      columns.push({ table: c.table, column: c.column, generations: [...generations].sort((a, b) => a[0] - b[0]).map(([generation, count]) => ({ generation, count })), malformed });
    }
    const all = columns.flatMap((c) => c.generations);
    const total = all.reduce((n, g) => n + g.count, 0);
    const boundTo = meta.fingerprint === this.box.fingerprint() ? 'current' : 'previous';
    return {
      generation: meta.generation,
      boundTo,
      previousConfigured: this.box.hasPrevious(),
      rotation: meta.rotation,
      columns,
      total: total + columns.reduce((n, c) => n + c.malformed, 0),
      older: all.filter((g) => g.generation < meta.generation).reduce((n, g) => n + g.count, 0),
      needPrevious: boundTo === 'previous' ? total : all.filter((g) => g.generation < meta.masterSince).reduce((n, g) => n + g.count, 0),
    };
  }

  /**
   * Starts a rotation (or resumes an unfinished one) and sweeps every sealed column until none holds a value of an
   * older generation. Each value is re-sealed with compare-and-set (UPDATE ... WHERE id = ? AND col = old), so a
   * value written meanwhile is never overwritten: the next pass looks at it again. After a pass finds nothing, the
   * sweep waits until every replica has re-read the generation (twice the refresh interval after the start), then
   * passes again for values a slower replica sealed meanwhile. A crash at any point loses nothing: every value is
   * always sealed with some generation every replica opens, and running rotate-key again finishes the job.
   */
  rotate(options: RotateOptions = {}): Promise<RotationResult> {
    this.running ??= this.run(options).finally(() => { this.running = undefined; });
    return this.running;
  }

  private async run(options: RotateOptions): Promise<RotationResult> {
    const begun = await this.db.transaction(async (em) => {
      // Replicas that start a rotation at once take turns here, and the second then resumes the first's: a row lock on
      // MariaDB; on SQLite a write before any read, which waits for the write lock (busy timeout) where a read first
      // would fail at once with "database is locked" when the other writer commits.
      const [value, key] = [this.db.driver.escape('value'), this.db.driver.escape('key')];
      if (this.isMysql()) await em.query(`SELECT ${value} FROM meta WHERE ${key} = ? FOR UPDATE`, [SECRET_META.fingerprint]);
      else await em.query(`UPDATE meta SET ${value} = ${value} WHERE ${key} = ?`, [SECRET_META.fingerprint]);
      const rows = new Map((await em.getRepository(MetaEntity).findBy({ key: In(Object.values(SECRET_META)) })).map((r) => [r.key, r.value]));
      const marker = parseMarker(rows.get(SECRET_META.rotation));
      const generation = Number(rows.get(SECRET_META.generation) ?? 0);
      if (marker && marker.generation === generation && rows.get(SECRET_META.fingerprint) === this.box.fingerprint()) {
        return { marker, text: rows.get(SECRET_META.rotation)!, resumed: true, apply: undefined };
      }
      const { marker: started, apply } = await this.box.beginRotation(em, this.now());
      return { marker: started, text: JSON.stringify(started), resumed: false, apply };
    });
    if (begun.apply) begun.apply();
    else await this.box.refresh();

    const outcomes = new Map<SealedColumn, { resealed: number; unreadable: Set<string | number> }>();
    const sweep = { conflicts: 0 };
    const passes = async () => {
      for (;;) {
        let work = 0;
        for (const c of await this.columns()) {
          const outcome = outcomes.get(c) ?? { resealed: 0, unreadable: new Set() };
          outcomes.set(c, outcome);
          work += await this.pass(c, outcome, sweep, options);
        }
        if (work === 0) return;
      }
    };
    await passes();
    const settled = Date.parse(begun.marker.startedAt) + 2 * this.box.refreshMs;
    const wait = settled - this.now().getTime();
    if (wait > 0) {
      options.onWait?.(wait);
      await sleep(wait, options.signal ?? new AbortController().signal);
    }
    options.signal?.throwIfAborted();
    await passes();
    // Only this rotation's marker: a newer rotation begun meanwhile keeps its own.
    await this.db.getRepository(MetaEntity).delete({ key: SECRET_META.rotation, value: begun.text });
    return {
      generation: this.box.sealingState().generation,
      resumed: begun.resumed,
      masterChanged: begun.marker.masterChange,
      columns: [...outcomes].map(([c, o]) => ({ table: c.table, column: c.column, resealed: o.resealed, unreadable: o.unreadable.size })),
      conflicts: sweep.conflicts,
    };
  }

  /** One keyset pass over a column; returns how many values it tried to re-seal (0 = none older left). */
  private async pass(
    c: SealedColumn, outcome: { resealed: number; unreadable: Set<string | number> }, sweep: { conflicts: number }, options: RotateOptions,
  ): Promise<number> {
    const e = (name: string) => this.db.driver.escape(name);
    const [table, id, v] = [e(c.table), e(c.id), e(c.column)];
    const limit = Math.max(1, Math.floor(options.batchSize ?? DEFAULT_BATCH));
    let after: string | number | undefined;
    let work = 0;
    for (;;) {
      options.signal?.throwIfAborted();
      // Re-read each batch: a concurrent rotation may have raised it, and its values are then the ones to keep.
      const target = this.box.sealingState().generation;
      const params: unknown[] = [`v2:${target}:%`];
      if (c.rows) params.push(c.rows.equals);
      if (after !== undefined) params.push(after);
      const rows = await this.db.query(
        `SELECT ${id} AS id, ${v} AS value FROM ${table} WHERE ${v} IS NOT NULL AND ${v} NOT LIKE ?` +
          `${c.rows ? ` AND ${e(c.rows.column)} = ?` : ''}${after !== undefined ? ` AND ${id} > ?` : ''} ORDER BY ${id} LIMIT ${limit}`,
        params,
      ) as Array<{ id: string | number; value: string }>;
      if (rows.length === 0) return work;
      after = rows[rows.length - 1]!.id;
      const updates: Array<{ id: string | number; old: string; next: string }> = [];
      for (const row of rows) {
        const generation = SecretBox.generationOf(row.value);
        let plain: string;
        try {
          if (generation === null) throw new Error('not a sealed secret');
          // Opening a newer value makes the box adopt its generation; it is then left as it is.
          plain = this.box.open(row.value);
        } catch {
          outcome.unreadable.add(row.id);
          continue;
        }
        if (generation >= this.box.sealingState().generation) continue;
        updates.push({ id: row.id, old: row.value, next: this.box.seal(plain) });
      }
      if (updates.length > 0) {
        const update = `UPDATE ${table} SET ${v} = ? WHERE ${id} = ? AND ${v} = ?`;
        const apply = async (runner: QueryRunner) => {
          for (const u of updates) {
            const done = await runner.query(update, [u.next, u.id, u.old], true) as { affected?: number };
            if (done.affected) outcome.resealed++;
            else sweep.conflicts++;
          }
        };
        // MariaDB: one transaction per batch (one commit, not 200). SQLite: TypeORM shares one connection among all
        // callers, so a transaction here would nest with (or race the BEGIN of) any other request's; each single
        // UPDATE is atomic on its own, and the compare-and-set keeps it correct either way.
        if (this.isMysql()) await this.db.transaction((em) => apply(em.queryRunner!));
        else {
          const runner = this.db.createQueryRunner();
          try {
            await apply(runner);
          } finally {
            await runner.release();
          }
        }
        work += updates.length;
      }
      options.onBatch?.({ table: c.table, column: c.column, resealed: outcome.resealed });
      if (rows.length < limit) return work;
    }
  }

  private isMysql(): boolean {
    return this.db.options.type === 'mysql' || this.db.options.type === 'mariadb';
  }

  private async meta(): Promise<{ fingerprint: string | undefined; generation: number; masterSince: number; rotation: RotationMarker | null }> {
    const rows = new Map((await this.db.getRepository(MetaEntity).findBy({ key: In(Object.values(SECRET_META)) })).map((r) => [r.key, r.value]));
    return {
      fingerprint: rows.get(SECRET_META.fingerprint),
      generation: Number(rows.get(SECRET_META.generation) ?? 0),
      masterSince: Number(rows.get(SECRET_META.masterSince) ?? 0),
      rotation: parseMarker(rows.get(SECRET_META.rotation)),
    };
  }

  /** The sealed columns this database has (a dropped legacy column is skipped), looked up once. */
  private columns(): Promise<SealedColumn[]> {
    this.existing ??= (async () => {
      const runner = this.db.createQueryRunner();
      try {
        const found: SealedColumn[] = [];
        for (const c of SEALED_COLUMNS) if ((await runner.hasTable(c.table)) && (await runner.hasColumn(c.table, c.column))) found.push(c);
        return found;
      } finally {
        await runner.release();
      }
    })();
    return this.existing;
  }
}
