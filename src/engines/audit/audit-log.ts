// The append-only audit trail: every command attempt, chained by a keyed hash so that an edited or deleted row is detected.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { Between, In, LessThanOrEqual, MoreThanOrEqual, type DataSource, type FindOptionsWhere } from 'typeorm';
import { AuditEventEntity, type AuditEvent } from '../../store/entities/audit-event.js';
import { MetaEntity } from '../../store/entities/meta.js';
import { TenantEntity } from '../../store/entities/tenant.js';
import { AUDIT_LEGACY_END } from '../../store/migrations/0006-audit-keyed.js';
import { isUniqueViolation } from '../../store/unique-violation.js';

/**
 * `attempts` defaults to 1: only a coalesced count of repeated refusals says otherwise. `tenantId` may be left out by
 * writers that know only the name (it is then looked up at write time: the tenant of that name now).
 */
export type AuditInput = Omit<AuditEvent, 'seq' | 'occurredAt' | 'prevHash' | 'hash' | 'hashVersion' | 'attempts' | 'tenantId'> & {
  attempts?: number;
  tenantId?: string | null;
};

/** The hash "before" the first event. */
export const GENESIS_HASH = '0'.repeat(64);

/** The hash of rows written before the chain was keyed (version 1): plain SHA-256, which anyone can recompute. */
export function hashEvent(e: Omit<AuditEvent, 'hash' | 'hashVersion' | 'tenantId'>): string {
  const canonical = JSON.stringify([
    e.prevHash, e.seq, e.occurredAt.toISOString(), e.requestId, e.channel, e.memberId, e.memberName, e.identity, e.tenantName,
    e.scope, e.command, e.text, e.decision, e.outcome, e.errorCode, e.durationMs,
    // Hashed only when it is not 1, so rows written before the column existed still verify.
    ...(e.attempts === 1 ? [] : [e.attempts]),
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

/** The hash of version 2: HMAC-SHA-256 over every column, so only a holder of the key can write a row that verifies. */
export function keyedHashEvent(key: Buffer, e: Omit<AuditEvent, 'hash'>): string {
  const canonical = JSON.stringify([
    'v2', e.prevHash, e.seq, e.occurredAt.toISOString(), e.requestId, e.channel, e.memberId, e.memberName, e.identity, e.tenantId, e.tenantName,
    e.scope, e.command, e.text, e.decision, e.outcome, e.errorCode, e.durationMs, e.attempts,
  ]);
  return createHmac('sha256', key).update(canonical).digest('hex');
}

/**
 * The key of writers built without one (tests, tools that only read): a constant, so such a chain is no better than
 * unkeyed. The control plane always passes the key derived from its secret key (SecretBox.derive('audit')).
 */
const UNKEYED = createHash('sha256').update('open-cluster-claw audit log without a configured key').digest();

export interface AuditQuery {
  since?: Date;
  until?: Date;
  member?: string;
  command?: string;
  decision?: string;
  /** Restrict to the events of these tenants (ids, not names); 'all' for platform-wide readers. */
  tenants: 'all' | Set<string>;
  limit: number;
}

export type VerifyResult =
  | { ok: true; checked: number }
  | { ok: false; checked: number; seq: number; reason: 'gap' | 'prev_hash' | 'hash' | 'truncated' | 'unkeyed' };

/** An append waiting for the writer: its event and the caller to answer once the event is committed. */
interface PendingAppend {
  input: AuditInput;
  resolve(event: AuditEvent): void;
  reject(error: unknown): void;
}

/**
 * Most events one INSERT carries: 18 bound values each stays far below SQLite's and MySQL's placeholder limits, and
 * 100 texts of at most 4,000 characters below MySQL's default max_allowed_packet.
 */
const MAX_BATCH = 100;

export class AuditLog {
  /** Last appended (seq, hash), so appends need no read; refreshed from the database when another writer got ahead. */
  private head: { seq: number; hash: string } | undefined;
  /** Appends waiting for the writer, in arrival order; that order is their order in the chain. */
  private pending: PendingAppend[] = [];
  /** True while a drain of `pending` is scheduled or running: one at a time, so this log's sequence numbers do not race. */
  private writing = false;

  /** Last seq that may carry an unkeyed (version 1) hash, once read and sealed. */
  private legacyEnd: Promise<number> | undefined;

  constructor(
    private readonly db: DataSource,
    /** HMAC key of the chain, derived from the secret key; see UNKEYED for what leaving it out means. */
    private readonly key: Buffer = UNKEYED,
  ) {}

  /**
   * Appends an event; resolves once it is committed, so a caller that answers after this cannot acknowledge an
   * attempt the database does not hold. Appends that arrive while a write is in flight are committed together by
   * the next write (group commit): one INSERT, one round trip and one log flush for all of them, in arrival order.
   */
  append(input: AuditInput): Promise<AuditEvent> {
    return new Promise<AuditEvent>((resolve, reject) => {
      this.pending.push({ input, resolve, reject });
      if (!this.writing) {
        this.writing = true;
        // Start after this turn of the event loop, so the appends of every request it handles share the first write
        // too (with SQLite's synchronous driver nothing else could ever join a write in flight).
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, MAX_BATCH);
        try {
          const events = await this.write(batch.map((p) => p.input));
          batch.forEach((p, i) => p.resolve(events[i]!));
        } catch (error) {
          if (batch.length === 1) {
            batch[0]!.reject(error);
            continue;
          }
          // One event the database refuses (a value too long for its column) must not take its neighbours with it.
          // Should the batch have committed after all (a connection lost on the answer), its events are recorded twice,
          // on a valid chain: audited twice beats not audited.
          for (const p of batch) {
            try {
              p.resolve((await this.write([p.input]))[0]!);
            } catch (alone) {
              p.reject(alone);
            }
          }
        }
      }
    } finally {
      this.writing = false;
    }
  }

  private async readHead(): Promise<{ seq: number; hash: string }> {
    const last = await this.db.getRepository(AuditEventEntity).find({ order: { seq: 'DESC' }, take: 1 });
    return last[0] ? { seq: last[0].seq, hash: last[0].hash } : { seq: 0, hash: GENESIS_HASH };
  }

  /** Chains the events after the head, in order, and inserts them in one statement (all or none). */
  private async write(inputs: AuditInput[]): Promise<AuditEvent[]> {
    const repo = this.db.getRepository(AuditEventEntity);
    // Sealed before the first keyed row, so the upgrade point is fixed before anything could be passed off as older.
    if (!this.legacyEnd) {
      this.legacyEnd = this.sealLegacyEnd();
      this.legacyEnd.catch(() => (this.legacyEnd = undefined));
    }
    await this.legacyEnd;
    const tenantIds = await this.tenantIds(inputs);
    // Another replica may append between our reads; the primary key on seq makes the loser retry on a fresh head.
    for (let attempt = 0; attempt < 20; attempt++) {
      const head = (this.head ??= await this.readHead());
      const occurredAt = new Date(Math.floor(Date.now()));
      let prev = head;
      const events = inputs.map((input): AuditEvent => {
        const event: Omit<AuditEvent, 'hash'> = {
          ...input, tenantId: input.tenantId !== undefined ? input.tenantId : input.tenantName ? (tenantIds.get(input.tenantName) ?? null) : null,
          attempts: input.attempts ?? 1, text: input.text.slice(0, 4000), seq: prev.seq + 1, occurredAt, prevHash: prev.hash, hashVersion: 2,
        };
        const full: AuditEvent = { ...event, hash: keyedHashEvent(this.key, event) };
        prev = full;
        return full;
      });
      try {
        await repo.insert(events);
        this.head = { seq: prev.seq, hash: prev.hash };
        return events;
      } catch (error) {
        this.head = undefined;
        if (!isUniqueViolation(error)) throw error;
      }
    }
    throw new Error('audit append kept conflicting with other writers');
  }

  /** Ids of the tenants named by inputs that did not say (one read a batch, none when every writer said). */
  private async tenantIds(inputs: AuditInput[]): Promise<Map<string, string>> {
    const names = [...new Set(inputs.filter((i) => i.tenantId === undefined && i.tenantName).map((i) => i.tenantName!))];
    if (names.length === 0) return new Map();
    const rows = await this.db.getRepository(TenantEntity).find({ select: { id: true, name: true }, where: { name: In(names) } });
    return new Map(rows.map((t) => [t.name, t.id]));
  }

  private legacyMac(seq: number): string {
    return createHmac('sha256', this.key).update(`audit legacy end ${seq}`).digest('hex');
  }

  /**
   * The last seq whose unkeyed hash is accepted. Migration 6 wrote it in clear; the first keyed writer or verifier seals
   * it with the key, after which raising it (to pass off rewritten rows as old ones) breaks the seal. No record, a broken
   * seal, or an unsealed record next to keyed rows means no unkeyed row is accepted at all. (What stays open, and README
   * says so: rewriting every row as unkeyed and replacing the seal with an unsealed point, so the chain looks un-upgraded.)
   */
  private async sealLegacyEnd(): Promise<number> {
    const repo = this.db.getRepository(MetaEntity);
    const row = await repo.findOneBy({ key: AUDIT_LEGACY_END });
    if (!row) return 0;
    const [seqText, mac] = row.value.split(':');
    const seq = Number(seqText);
    if (!Number.isSafeInteger(seq) || seq < 0) return 0;
    if (mac === undefined) {
      // Only a chain that never had a keyed row is sealed: an unsealed point next to keyed rows was put there by hand.
      if (await this.db.getRepository(AuditEventEntity).existsBy({ hashVersion: 2 })) return 0;
      await repo.update({ key: AUDIT_LEGACY_END, value: row.value }, { value: `${seq}:${this.legacyMac(seq)}` });
      return seq;
    }
    return safeEqual(mac, this.legacyMac(seq)) ? seq : 0;
  }

  async query(q: AuditQuery): Promise<AuditEvent[]> {
    if (q.tenants !== 'all' && q.tenants.size === 0) return [];
    const where: FindOptionsWhere<AuditEvent> = {};
    if (q.since && q.until) where.occurredAt = Between(q.since, q.until);
    else if (q.since) where.occurredAt = MoreThanOrEqual(q.since);
    else if (q.until) where.occurredAt = LessThanOrEqual(q.until);
    if (q.member) where.memberName = q.member;
    if (q.command) where.command = q.command;
    if (q.decision) where.decision = q.decision as AuditEvent['decision'];
    if (q.tenants !== 'all') where.tenantId = In([...q.tenants]);
    const rows = await this.db.getRepository(AuditEventEntity).find({ where, order: { seq: 'DESC' }, take: q.limit });
    return rows;
  }

  /** Walks the whole chain in order and reports the first event that breaks it. */
  async verify(pageSize = 1000): Promise<VerifyResult> {
    const repo = this.db.getRepository(AuditEventEntity);
    // Re-read each time: another replica may have sealed it since.
    this.legacyEnd = this.sealLegacyEnd();
    const legacyEnd = await this.legacyEnd;
    let prev = GENESIS_HASH;
    let expected = 1;
    let checked = 0;
    for (;;) {
      const page = await repo.find({ where: { seq: MoreThanOrEqual(expected) }, order: { seq: 'ASC' }, take: pageSize });
      if (page.length === 0) {
        // Deleting the newest rows leaves a valid chain; only a writer that remembers the head can notice.
        if (this.head && this.head.seq >= expected) return { ok: false, checked, seq: expected, reason: 'truncated' };
        return { ok: true, checked };
      }
      for (const row of page) {
        if (row.seq !== expected) return { ok: false, checked, seq: expected, reason: 'gap' };
        if (row.prevHash !== prev) return { ok: false, checked, seq: row.seq, reason: 'prev_hash' };
        const { hash, ...rest } = row;
        if (row.hashVersion === 2) {
          if (!safeEqual(keyedHashEvent(this.key, rest), hash)) return { ok: false, checked, seq: row.seq, reason: 'hash' };
        } else if (row.hashVersion === 1 && row.seq <= legacyEnd) {
          // Written before the upgrade: only the plain hash exists for it.
          if (hashEvent(rest) !== hash) return { ok: false, checked, seq: row.seq, reason: 'hash' };
        } else {
          // An unkeyed row after the upgrade point is one someone wrote without the key.
          return { ok: false, checked, seq: row.seq, reason: 'unkeyed' };
        }
        prev = hash;
        expected++;
        checked++;
      }
    }
  }
}

function safeEqual(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}
