// Encrypts secrets at rest (gateway tokens, API keys) with AES-256-GCM; the key never enters the database.
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { ClawError } from '../errors/claw-error.js';
import { MetaEntity } from './entities/meta.js';

const VERSION = 'v1';
export const SECRET_KEY_FILE = 'secret-key';

export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  /** 64 hex characters or base64 of 32 bytes. */
  static fromText(text: string, source: string): SecretBox {
    const trimmed = text.trim();
    const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
    if (key.length !== 32) {
      throw new ClawError('CLAW_CONFIG_INVALID', { setting: source, reason: 'expected 32 random bytes as 64 hex characters or base64 (openssl rand -base64 32)' });
    }
    return new SecretBox(key);
  }

  /** The configured key, or a key generated once into the data dir (0600): enough for one replica; several need CLAW_SECRET_KEY. */
  static load(configured: string | undefined, dataDir: string): SecretBox {
    if (configured) return SecretBox.fromText(configured, 'CLAW_SECRET_KEY');
    const file = join(dataDir, SECRET_KEY_FILE);
    if (!existsSync(file)) {
      // 0700: the data dir holds this key, the admin token and the SQLite file; nobody else on the host reads them.
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    }
    return SecretBox.fromText(readFileSync(file, 'utf8'), file);
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [VERSION, iv.toString('base64'), cipher.getAuthTag().toString('base64'), data.toString('base64')].join(':');
  }

  open(sealed: string): string {
    const [version, iv, tag, data] = sealed.split(':');
    if (version !== VERSION || !iv || !tag || data === undefined) throw new Error('not a sealed secret');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString('utf8');
  }

  /**
   * A key for another purpose (the audit chain's HMAC), derived one way from this one: whoever holds a derived key
   * learns nothing about the secrets it seals, and the operator still keeps a single key.
   */
  derive(purpose: string): Buffer {
    return createHmac('sha256', this.key).update(`open-cluster-claw derived key: ${purpose}`).digest();
  }

  /** A keyed digest that identifies the key without revealing it. */
  fingerprint(): string {
    return createHmac('sha256', this.key).update('open-cluster-claw secret key fingerprint').digest('hex').slice(0, 32);
  }

  /**
   * Records the key's fingerprint in a new database and refuses a different key later: secrets sealed with another
   * key could never be opened, and finding out at the first restart of an instance would be too late.
   */
  async bindTo(db: DataSource): Promise<void> {
    const repo = db.getRepository(MetaEntity);
    const stored = await repo.findOneBy({ key: 'secret_key_fingerprint' });
    const mine = this.fingerprint();
    if (!stored) {
      await repo.save({ key: 'secret_key_fingerprint', value: mine });
      return;
    }
    if (stored.value !== mine) {
      throw new ClawError('CLAW_CONFIG_INVALID', {
        setting: 'CLAW_SECRET_KEY',
        reason: 'this database was encrypted with a different secret key; start every replica with the same CLAW_SECRET_KEY (or the original data dir\'s secret-key file)',
      });
    }
  }
}
