// Create-or-update of one object with optimistic concurrency: read, create when absent, replace only when different.
import { RuntimeError } from '../runtime.js';
import { isConflict, isNotFound, isQuotaStatusUnknown, toRuntimeError } from './api-errors.js';
import { setTimeout as sleep } from 'node:timers/promises';

export interface SyncedObject<T> {
  /** For messages, e.g. `secret claw-p-alice in claw-acme`. */
  what: string;
  read(): Promise<T>;
  create(): Promise<unknown>;
  /** The object to write back (built from `existing`, keeping its resourceVersion), or undefined when nothing differs. */
  update(existing: T): T | undefined;
  replace(body: T): Promise<unknown>;
}

/** Attempts before a persistent 409 becomes a 'conflict': each one starts from a fresh read. */
const ATTEMPTS = 4;
/**
 * Right after a ResourceQuota is created or changed the apiserver refuses writes until the quota controller has
 * computed its usage (about a second here): waiting briefly beats failing the reconcile step.
 */
const QUOTA_PENDING_RETRIES = 10;
const QUOTA_PENDING_DELAY_MS = 300;

/**
 * Reads first rather than creating first: quota admission runs before the existence check, so a create of an object
 * that already exists is refused as "exceeded quota" in a full namespace, instead of answering 409.
 */
export async function syncObject<T>(object: SyncedObject<T>): Promise<'created' | 'updated' | 'unchanged'> {
  for (let attempt = 1; ; attempt++) {
    try {
      let existing: T | undefined;
      try {
        existing = await object.read();
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      if (existing === undefined) {
        await retryWhileQuotaPending(() => object.create());
        return 'created';
      }
      const body = object.update(existing);
      if (body === undefined) return 'unchanged';
      await retryWhileQuotaPending(() => object.replace(body));
      return 'updated';
    } catch (err) {
      // 409 AlreadyExists (created meanwhile) or Conflict (changed since our read): start over from a fresh read.
      if (isConflict(err) && attempt < ATTEMPTS) continue;
      // A 404 here means the namespace itself is missing (the object's absence was handled above).
      if (isNotFound(err)) throw new RuntimeError('unavailable', `${object.what}: the namespace does not exist (ensureTenant first)`, err);
      throw toRuntimeError(err, object.what);
    }
  }
}

/** Two label or data maps hold the same entries (undefined counts as empty). */
export function sameMap(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ak = Object.keys(a ?? {});
  const bk = Object.keys(b ?? {});
  return ak.length === bk.length && ak.every((k) => b?.[k] === a?.[k]);
}

/** Sorted keys, no undefined members: two objects the client built in different field orders compare equal. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value instanceof Date) return value.toISOString();
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
  );
}

/** Deep equality of two specs as the apiserver would store them (key order and absent members ignored). */
export function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** Retries a write the apiserver refused because the namespace's quota usage is not computed yet (syncObject's writes, a pod create). */
export async function retryWhileQuotaPending<T>(fn: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (!isQuotaStatusUnknown(err) || i >= QUOTA_PENDING_RETRIES) throw err;
      await sleep(QUOTA_PENDING_DELAY_MS);
    }
  }
}
