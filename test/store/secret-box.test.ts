// Secrets at rest: AES-256-GCM sealed values, tamper detection, the generated key file, refusing a different key, and
// key generations (engines/secrets/key-rotation.test.ts covers rotation itself).
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

  it('seals with the generation the database names, opens every generation, and refuses a value moved to another', async () => {
    const db = await createTestDatabase('sqlite');
    const store = await openStore(db.settings);
    try {
      const box = key();
      await box.bindTo(store.dataSource);
      const v1 = box.seal('old');
      expect(SecretBox.generationOf(v1)).toBe(0);
      const begun = await store.dataSource.transaction((em) => box.beginRotation(em, new Date()));
      expect(box.seal('x')).toMatch(/^v1:/);
      begun.apply();
      const v2 = box.seal('new');
      expect(v2).toMatch(/^v2:1:[^:]+:[^:]+:[^:]+$/);
      expect(SecretBox.generationOf(v2)).toBe(1);
      expect([box.open(v1), box.open(v2)]).toEqual(['old', 'new']);
      // The generation is bound into the key: the same ciphertext claimed for another generation does not open.
      expect(() => box.open(v2.replace(/^v2:1:/, 'v2:2:'))).toThrow();
      expect(() => box.open(v2.replace(/^v2:1:/, 'v1:'))).toThrow();
      expect(() => box.open('v2:0:a:b:c')).toThrow('not a sealed secret');
      expect(SecretBox.generationOf('plain')).toBeNull();
      // Another replica of the same key reads the generation at start.
      const again = SecretBox.fromText(Buffer.alloc(32, nextFill - 1).toString('base64'), 'test');
      await again.bindTo(store.dataSource);
      expect(again.sealingState()).toEqual({ generation: 1, master: 'current' });
      expect(box.open(again.seal('y'))).toBe('y');
    } finally {
      await store.close();
      await db.drop();
    }
  });

  it('takes CLAW_SECRET_KEY_PREVIOUS only as a different key, and a database bound to neither key is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'claw-key-'));
    const a = Buffer.alloc(32, nextFill++).toString('base64');
    const b = Buffer.alloc(32, nextFill++).toString('base64');
    expect(() => SecretBox.load(a, dir, { previous: a })).toThrow('Invalid setting CLAW_SECRET_KEY_PREVIOUS: it is the same key as CLAW_SECRET_KEY');
    expect(() => SecretBox.load(a, dir, { previous: 'c2hvcnQ=' })).toThrow('Invalid setting CLAW_SECRET_KEY_PREVIOUS: expected 32 random bytes');
    const db = await createTestDatabase('sqlite');
    const store = await openStore(db.settings);
    try {
      await key().bindTo(store.dataSource);
      await expect(SecretBox.load(a, dir, { previous: b }).bindTo(store.dataSource)).rejects.toThrow('neither CLAW_SECRET_KEY nor CLAW_SECRET_KEY_PREVIOUS');
    } finally {
      await store.close();
      await db.drop();
    }
  });
});
