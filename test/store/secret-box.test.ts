// Secrets at rest: AES-256-GCM sealed values, tamper detection, the generated key file, and refusing a different key.
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/data-source.js';
import { SecretBox } from '../../src/store/secret-box.js';
import { createTestDatabase } from '../support/databases.js';

/** A different key at every call: random fill bytes collided once in 255 runs, and "another key" was then the same one. */
let nextFill = 1;
const key = () => SecretBox.fromText(Buffer.alloc(32, nextFill++).toString('base64'), 'test');

describe('SecretBox', () => {
  it('seals and opens, never showing the plain text, with a fresh IV each time', () => {
    const box = key();
    const a = box.seal('sk-very-secret');
    const b = box.seal('sk-very-secret');
    expect(a).not.toContain('sk-very-secret');
    expect(a).not.toBe(b);
    expect(box.open(a)).toBe('sk-very-secret');
  });

  it('refuses a tampered value and another key', () => {
    const box = key();
    const sealed = box.seal('token');
    const parts = sealed.split(':');
    parts[3] = Buffer.from('garbage').toString('base64');
    expect(() => box.open(parts.join(':'))).toThrow();
    expect(() => key().open(sealed)).toThrow();
    expect(() => box.open('plain')).toThrow('not a sealed secret');
  });

  it('accepts hex or base64 keys of 32 bytes only', () => {
    expect(() => SecretBox.fromText('ab'.repeat(32), 'k')).not.toThrow();
    expect(() => SecretBox.fromText('c2hvcnQ=', 'CLAW_SECRET_KEY')).toThrow('Invalid setting CLAW_SECRET_KEY: expected 32 random bytes');
  });

  it('generates a key file once (0600) when none is configured', () => {
    const dir = mkdtempSync(join(tmpdir(), 'claw-key-'));
    const first = SecretBox.load(undefined, dir);
    expect(statSync(join(dir, 'secret-key')).mode & 0o777).toBe(0o600);
    const again = SecretBox.load(undefined, dir);
    expect(again.open(first.seal('x'))).toBe('x');
    expect(readFileSync(join(dir, 'secret-key'), 'utf8').trim()).toMatch(/^[A-Za-z0-9+/]+=*$/);
  });

  it('binds a database to its key and refuses to start with another', async () => {
    const db = await createTestDatabase('sqlite');
    const store = await openStore(db.settings);
    try {
      const box = key();
      await box.bindTo(store.dataSource);
      await box.bindTo(store.dataSource);
      await expect(key().bindTo(store.dataSource)).rejects.toThrow('this database was encrypted with a different secret key');
    } finally {
      await store.close();
      await db.drop();
    }
  });
});
