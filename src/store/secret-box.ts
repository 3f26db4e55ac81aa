// Encrypts secrets at rest (gateway tokens, API keys) with AES-256-GCM; the key never enters the database.
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { In, type DataSource, type EntityManager } from 'typeorm';
import { ClawError } from '../errors/claw-error.js';
import { sleep } from '../util/sleep.js';
import { MetaEntity } from './entities/meta.js';

export const SECRET_KEY_FILE = 'secret-key';

/**
 * Meta rows of the key scheme. `fingerprint` names the master key the database is bound to; `generation` is the data
 * key new values are sealed with; `masterSince` the first generation of that master (older ones need the previous
 * master); `root` the sealed derivation root (see derive); `rotation` an unfinished `claw secret rotate-key`.
 */
export const SECRET_META = {
  fingerprint: 'secret_key_fingerprint',
  generation: 'secret_key_generation',
  masterSince: 'secret_key_master_since',
  root: 'secret_derivation_root',
  rotation: 'secret_key_rotation',
} as const;

/** What `secret_key_rotation` holds while a rotation is unfinished. */
export interface RotationMarker {
  generation: number;
  startedAt: string;
  /** The rotation also moves values from the previous master key to the current one. */
  masterChange: boolean;
}

export interface SecretBoxOptions {
  /** CLAW_SECRET_KEY_PREVIOUS: the master key being retired, read (never sealed with) until a rotation is done. */
  previous?: string | undefined;
  /**
   * How often start() re-reads the generation from the database. 30 s: one indexed read per replica, and the bound
   * on how long a replica keeps sealing with an old generation after a rotation (the sweep waits twice as long).
   */
  refreshMs?: number;
}

type Master = 'current' | 'previous';

/** The sealing state, swapped as one value so a seal never mixes the master of one state with the generation of another. */
interface Sealing {
  master: Master;
  /** 0 = the `v1` format, sealed with the master key itself; n >= 1 = `v2:n`, sealed with the data key of generation n. */
  generation: number;
}

const DEFAULT_REFRESH_MS = 30_000;

function parseKey(text: string, source: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) {
    throw new ClawError('CLAW_CONFIG_INVALID', { setting: source, reason: 'expected 32 random bytes as 64 hex characters or base64 (openssl rand -base64 32)' });
  }
  return key;
}

function fingerprintOf(key: Buffer): string {
  return createHmac('sha256', key).update('open-cluster-claw secret key fingerprint').digest('hex').slice(0, 32);
}

/**
 * Sealed values name the key they were sealed with, so every replica opens any of them synchronously, without a
 * database read: `v1:iv:tag:data` is sealed with the master key itself (generation 0, the only format before key
 * rotation existed, and what a database that never rotated still writes, so an older build can still read it);
 * `v2:g:iv:tag:data` with the data key of generation g, HMAC-SHA256(master, "open-cluster-claw data key g").
 *
 * Rotation (`claw secret rotate-key`, engines/secrets/key-rotation.ts) raises the generation in the meta table and
 * re-seals every value of an older one. Several replicas: each reads the generation at start (bindTo), adopts a newer
 * one as soon as it opens a value sealed with it, and re-reads it every `refreshMs` (start()); until then it still
 * seals with the generation it knows, which every replica can open, and the sweep's last pass, made after twice that
 * interval, re-seals what it wrote meanwhile.
 *
 * Master key rotation: with CLAW_SECRET_KEY_PREVIOUS set, a database bound to the previous key is accepted; values
 * keep being sealed with the previous key (replicas not restarted yet hold only that one) until rotate-key moves the
 * binding to CLAW_SECRET_KEY and re-seals everything with it. open() tries the sealing master first, then the other;
 * AES-GCM's tag tells a wrong key apart.
 */
export class SecretBox {
  private sealing: Sealing = { master: 'current', generation: 0 };
  /** Root of derive(): the first master key the database was bound to, kept through master rotations (see derive). */
  private root: Buffer;
  private db: DataSource | undefined;
  private readonly dataKeys = new Map<string, Buffer>();
  /** Re-read interval of start(); the rotation sweep waits for twice this before its last pass. */
  readonly refreshMs: number;

  private constructor(
    private readonly current: Buffer,
    private readonly previous: Buffer | undefined,
    refreshMs: number,
  ) {
    this.root = current;
    this.refreshMs = refreshMs;
  }

  /** 64 hex characters or base64 of 32 bytes. */
  static fromText(text: string, source: string): SecretBox {
    return new SecretBox(parseKey(text, source), undefined, DEFAULT_REFRESH_MS);
  }

  /** The configured key, or a key generated once into the data dir (0600): enough for one replica; several need CLAW_SECRET_KEY. */
  static load(configured: string | undefined, dataDir: string, options: SecretBoxOptions = {}): SecretBox {
    const refreshMs = options.refreshMs ?? DEFAULT_REFRESH_MS;
    const previous = options.previous ? parseKey(options.previous, 'CLAW_SECRET_KEY_PREVIOUS') : undefined;
    let current: Buffer;
    if (configured) {
      current = parseKey(configured, 'CLAW_SECRET_KEY');
    } else {
      const file = join(dataDir, SECRET_KEY_FILE);
      if (!existsSync(file)) {
        // 0700: the data dir holds this key, the admin token and the SQLite file; nobody else on the host reads them.
        mkdirSync(dataDir, { recursive: true, mode: 0o700 });
        writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
      }
      current = parseKey(readFileSync(file, 'utf8'), file);
    }
    if (previous && timingSafeEqual(previous, current)) {
      throw new ClawError('CLAW_CONFIG_INVALID', { setting: 'CLAW_SECRET_KEY_PREVIOUS', reason: 'it is the same key as CLAW_SECRET_KEY; give the key being retired' });
    }
    return new SecretBox(current, previous, refreshMs);
  }

  /** The generation a sealed text names (0 for `v1`), or null when it is not a sealed value. Reads no key. */
  static generationOf(sealed: string): number | null {
    return parse(sealed)?.generation ?? null;
  }

  /** The generation new values are sealed with, and whether with the previous master key (before a master rotation). */
  sealingState(): { generation: number; master: Master } {
    return { ...this.sealing };
  }

  /** CLAW_SECRET_KEY_PREVIOUS was given. */
  hasPrevious(): boolean {
    return this.previous !== undefined;
  }

  seal(plain: string): string {
    const { master, generation } = this.sealing;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keyOf(master, generation), iv);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const body = [iv.toString('base64'), cipher.getAuthTag().toString('base64'), data.toString('base64')];
    return (generation === 0 ? ['v1', ...body] : ['v2', String(generation), ...body]).join(':');
  }

  open(sealed: string): string {
    const parsed = parse(sealed);
    if (!parsed) throw new Error('not a sealed secret');
    const { generation, iv, tag, data } = parsed;
    const masters: Master[] = this.previous ? [this.sealing.master, this.sealing.master === 'current' ? 'previous' : 'current'] : ['current'];
    let failure: unknown;
    for (const master of masters) {
      let plain: string;
      try {
        const decipher = createDecipheriv('aes-256-gcm', this.keyOf(master, generation), Buffer.from(iv, 'base64'));
        decipher.setAuthTag(Buffer.from(tag, 'base64'));
        plain = Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString('utf8');
      } catch (error) {
        failure = error;
        continue;
      }
      // A value of a newer generation means a rotation began: seal with it from now on (free, no database read).
      if (generation > this.sealing.generation) this.sealing = { master, generation };
      return plain;
    }
    throw failure;
  }

  /**
   * A key for another purpose (the audit chain's HMAC), derived one way from the root: whoever holds a derived key
   * learns nothing about the secrets it seals, and the operator still keeps a single key. The root is the master key
   * the database was first bound to; a master rotation keeps it (sealed, in meta) so the audit chain still verifies.
   */
  derive(purpose: string): Buffer {
    return createHmac('sha256', this.root).update(`open-cluster-claw derived key: ${purpose}`).digest();
  }

  /** A keyed digest that identifies the key (CLAW_SECRET_KEY) without revealing it. */
  fingerprint(): string {
    return fingerprintOf(this.current);
  }

  /**
   * Records the key's fingerprint in a new database and refuses a different key later: secrets sealed with another
   * key could never be opened, and finding out at the first restart of an instance would be too late. A database
   * bound to CLAW_SECRET_KEY_PREVIOUS is accepted (a master rotation under way). Reads the sealing generation.
   */
  async bindTo(db: DataSource): Promise<void> {
    const repo = db.getRepository(MetaEntity);
    const rows = new Map((await repo.findBy({ key: In(Object.values(SECRET_META)) })).map((r) => [r.key, r.value]));
    const stored = rows.get(SECRET_META.fingerprint);
    let master: Master = 'current';
    if (!stored) {
      await repo.save({ key: SECRET_META.fingerprint, value: this.fingerprint() });
    } else if (stored === this.fingerprint()) {
      master = 'current';
    } else if (this.previous && stored === fingerprintOf(this.previous)) {
      master = 'previous';
    } else {
      throw new ClawError('CLAW_CONFIG_INVALID', {
        setting: 'CLAW_SECRET_KEY',
        reason: this.previous
          ? 'this database was encrypted with a key that is neither CLAW_SECRET_KEY nor CLAW_SECRET_KEY_PREVIOUS; start every replica with the key the database is bound to'
          : 'this database was encrypted with a different secret key; start every replica with the same CLAW_SECRET_KEY (or the original data dir\'s secret-key file), or give the old one as CLAW_SECRET_KEY_PREVIOUS to rotate to a new key',
      });
    }
    const rotation = parseMarker(rows.get(SECRET_META.rotation));
    if (rotation?.masterChange && !this.previous) {
      throw new ClawError('CLAW_CONFIG_INVALID', {
        setting: 'CLAW_SECRET_KEY_PREVIOUS',
        reason: 'a rotation to a new secret key is unfinished and some values are still sealed with the old one; start with CLAW_SECRET_KEY_PREVIOUS until `claw secret rotate-key` has finished',
      });
    }
    this.sealing = { master, generation: Number(rows.get(SECRET_META.generation) ?? 0) };
    const root = rows.get(SECRET_META.root);
    this.root = root ? Buffer.from(this.open(root), 'base64') : this.masterKey(master);
    this.db = db;
  }

  /** Re-reads the generation and binding from the database (start() does it every refreshMs); never goes back. */
  async refresh(): Promise<void> {
    if (!this.db) return;
    const rows = await this.db.getRepository(MetaEntity).findBy({ key: In([SECRET_META.fingerprint, SECRET_META.generation]) });
    this.adopt(rows);
  }

  /** Re-reads the generation every refreshMs until the signal aborts; every replica runs it, not only the leader. */
  start(signal: AbortSignal): void {
    void (async () => {
      while (!signal.aborted) {
        await sleep(this.refreshMs, signal);
        if (signal.aborted) return;
        // A failed read keeps the last state: it can still seal and open everything, and the next read catches up.
        await this.refresh().catch(() => undefined);
      }
    })();
  }

  /**
   * Starts a rotation in the caller's transaction: raises the generation (and, when the database is bound to the
   * previous master, moves the binding and the sealed root to the current one), and seals with it from the commit on.
   * Returns what to apply once committed. Only engines/secrets/key-rotation.ts calls this.
   */
  async beginRotation(em: EntityManager, now: Date): Promise<{ marker: RotationMarker; apply(): void }> {
    const repo = em.getRepository(MetaEntity);
    const rows = new Map((await repo.findBy({ key: In(Object.values(SECRET_META)) })).map((r) => [r.key, r.value]));
    const stored = rows.get(SECRET_META.fingerprint);
    const masterChange = stored !== this.fingerprint();
    if (masterChange && !(this.previous && stored === fingerprintOf(this.previous))) {
      throw new ClawError('CLAW_CONFIG_INVALID', { setting: 'CLAW_SECRET_KEY', reason: 'the database is bound to a key this replica does not hold' });
    }
    const generation = Math.max(Number(rows.get(SECRET_META.generation) ?? 0), this.sealing.generation) + 1;
    const marker: RotationMarker = { generation, startedAt: now.toISOString(), masterChange };
    const writes: Array<{ key: string; value: string }> = [
      { key: SECRET_META.generation, value: String(generation) },
      { key: SECRET_META.rotation, value: JSON.stringify(marker) },
    ];
    if (masterChange) {
      writes.push(
        { key: SECRET_META.fingerprint, value: this.fingerprint() },
        { key: SECRET_META.masterSince, value: String(generation) },
        { key: SECRET_META.root, value: this.sealWith({ master: 'current', generation }, this.root.toString('base64')) },
      );
    }
    await repo.save(writes);
    return { marker, apply: () => { this.sealing = { master: 'current', generation }; } };
  }

  private adopt(rows: Array<{ key: string; value: string }>): void {
    const meta = new Map(rows.map((r) => [r.key, r.value]));
    const generation = Number(meta.get(SECRET_META.generation) ?? 0);
    const bound = meta.get(SECRET_META.fingerprint);
    const master: Master = bound === this.fingerprint() ? 'current' : this.sealing.master;
    if (generation > this.sealing.generation || master !== this.sealing.master) {
      this.sealing = { master, generation: Math.max(generation, this.sealing.generation) };
    }
  }

  private sealWith(state: Sealing, plain: string): string {
    const saved = this.sealing;
    this.sealing = state;
    try {
      return this.seal(plain);
    } finally {
      this.sealing = saved;
    }
  }

  private masterKey(master: Master): Buffer {
    const key = master === 'current' ? this.current : this.previous;
    if (!key) throw new Error('no previous secret key configured');
    return key;
  }

  private keyOf(master: Master, generation: number): Buffer {
    if (generation === 0) return this.masterKey(master);
    const id = `${master}:${generation}`;
    let key = this.dataKeys.get(id);
    if (!key) {
      key = createHmac('sha256', this.masterKey(master)).update(`open-cluster-claw data key ${generation}`).digest();
      this.dataKeys.set(id, key);
    }
    return key;
  }
}

/** Parses the marker of an unfinished rotation; anything unreadable counts as none. */
export function parseMarker(text: string | undefined): RotationMarker | null {
  if (!text) return null;
  try {
    const m = JSON.parse(text) as Partial<RotationMarker>;
    return typeof m.generation === 'number' && typeof m.startedAt === 'string' ? { generation: m.generation, startedAt: m.startedAt, masterChange: m.masterChange === true } : null;
  } catch {
    return null;
  }
}

const GENERATION = /^[1-9][0-9]{0,8}$/;

function parse(sealed: string): { generation: number; iv: string; tag: string; data: string } | null {
  const parts = sealed.split(':');
  if (parts[0] === 'v1' && parts.length === 4 && parts[1] && parts[2]) return { generation: 0, iv: parts[1], tag: parts[2], data: parts[3]! };
  if (parts[0] === 'v2' && parts.length === 5 && GENERATION.test(parts[1]!) && parts[2] && parts[3]) {
    return { generation: Number(parts[1]), iv: parts[2], tag: parts[3], data: parts[4]! };
  }
  return null;
}
