// The append-only audit trail: every command attempt, hash-chained so that an edited or deleted row is detected.
import { createHash } from 'node:crypto';
import { Between, In, LessThanOrEqual, MoreThanOrEqual, type DataSource, type FindOptionsWhere } from 'typeorm';
import { AuditEventEntity, type AuditEvent } from '../../store/entities/audit-event.js';
import { isUniqueViolation } from '../../store/unique-violation.js';

/** `attempts` defaults to 1: only a coalesced count of repeated refusals says otherwise. */
export type AuditInput = Omit<AuditEvent, 'seq' | 'occurredAt' | 'prevHash' | 'hash' | 'attempts'> & { attempts?: number };

/** The hash "before" the first event. */
export const GENESIS_HASH = '0'.repeat(64);

export function hashEvent(e: Omit<AuditEvent, 'hash'>): string {
  const canonical = JSON.stringify([
    e.prevHash, e.seq, e.occurredAt.toISOString(), e.requestId, e.channel, e.memberId, e.memberName, e.identity, e.tenantName,
    e.scope, e.command, e.text, e.decision, e.outcome, e.errorCode, e.durationMs,
    // Hashed only when it is not 1, so rows written before the column existed still verify.
    ...(e.attempts === 1 ? [] : [e.attempts]),
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

export interface AuditQuery {
  since?: Date;
  until?: Date;
  member?: string;
  command?: string;
  decision?: string;
  /** Restrict to these tenants' events; 'all' for platform-wide readers. */
  tenants: 'all' | Set<string>;
  limit: number;
}

export type VerifyResult =
  | { ok: true; checked: number }
  | { ok: false; checked: number; seq: number; reason: 'gap' | 'prev_hash' | 'hash' | 'truncated' };

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

  constructor(private readonly db: DataSource) {}

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
    // Another replica may append between our reads; the primary key on seq makes the loser retry on a fresh head.
    for (let attempt = 0; attempt < 20; attempt++) {
      const head = (this.head ??= await this.readHead());
      const occurredAt = new Date(Math.floor(Date.now()));
      let prev = head;
      const events = inputs.map((input): AuditEvent => {
        const event: Omit<AuditEvent, 'hash'> = { ...input, attempts: input.attempts ?? 1, text: input.text.slice(0, 4000), seq: prev.seq + 1, occurredAt, prevHash: prev.hash };
        const full: AuditEvent = { ...event, hash: hashEvent(event) };
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

  async query(q: AuditQuery): Promise<AuditEvent[]> {
    if (q.tenants !== 'all' && q.tenants.size === 0) return [];
    const where: FindOptionsWhere<AuditEvent> = {};
    if (q.since && q.until) where.occurredAt = Between(q.since, q.until);
    else if (q.since) where.occurredAt = MoreThanOrEqual(q.since);
    else if (q.until) where.occurredAt = LessThanOrEqual(q.until);
    if (q.member) where.memberName = q.member;
    if (q.command) where.command = q.command;
    if (q.decision) where.decision = q.decision as AuditEvent['decision'];
    if (q.tenants !== 'all') where.tenantName = In([...q.tenants]);
    const rows = await this.db.getRepository(AuditEventEntity).find({ where, order: { seq: 'DESC' }, take: q.limit });
    return rows;
  }

  /** Walks the whole chain in order and reports the first event that breaks it. */
  async verify(pageSize = 1000): Promise<VerifyResult> {
    const repo = this.db.getRepository(AuditEventEntity);
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
        if (hashEvent(rest) !== hash) return { ok: false, checked, seq: row.seq, reason: 'hash' };
        prev = hash;
        expected++;
        checked++;
      }
    }
  }
}
