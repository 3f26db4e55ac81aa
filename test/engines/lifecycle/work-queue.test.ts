// The work queue: one worker per key at a time, re-adds while busy kept, backoff that doubles and resets.
import { describe, expect, it } from 'vitest';
import { WorkQueue } from '../../../src/engines/lifecycle/work-queue.js';

describe('WorkQueue', () => {
  it('hands out each key once, deduplicating adds', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('a');
    q.add('b');
    expect(q.length).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
  });

  it('never hands out a key being processed; a re-add while busy comes back after done', async () => {
    const q = new WorkQueue();
    q.add('a');
    const key = await q.get();
    q.add('a');
    expect(q.length).toBe(0);
    q.done(key!);
    expect(q.length).toBe(1);
    expect(await q.get()).toBe('a');
  });

  it('wakes a waiting worker', async () => {
    const q = new WorkQueue();
    const waiting = q.get();
    q.add('x');
    expect(await waiting).toBe('x');
  });

  it('doubles the backoff per failure up to the cap, and forget resets it', () => {
    const q = new WorkQueue({ initialMs: 100, maxMs: 500 });
    expect([q.addRateLimited('k'), q.addRateLimited('k'), q.addRateLimited('k'), q.addRateLimited('k')]).toEqual([100, 200, 400, 500]);
    q.forget('k');
    expect(q.failureCount('k')).toBe(0);
    q.shutDown();
  });

  it('adds after a delay', async () => {
    const q = new WorkQueue();
    q.addAfter('later', 30);
    expect(q.length).toBe(0);
    expect(await q.get()).toBe('later');
  });

  it('releases waiting workers on shutdown', async () => {
    const q = new WorkQueue();
    const waiting = q.get();
    q.shutDown();
    expect(await waiting).toBeNull();
    q.add('ignored');
    expect(q.length).toBe(0);
  });

  it('hands out urgent keys before the resync backlog, promoting a queued key a command asks for', async () => {
    const q = new WorkQueue();
    for (const k of ['r1', 'r2', 'r3']) q.add(k, 'background');
    q.add('cmd');
    q.add('r3'); // a command about an instance the resync had queued: it jumps the backlog once, not twice
    expect(q.length).toBe(4);
    expect([await q.get(), await q.get(), await q.get(), await q.get()]).toEqual(['cmd', 'r3', 'r1', 'r2']);
  });

  it('keeps the higher priority for a key re-added while it is processed', async () => {
    const q = new WorkQueue();
    q.add('busy');
    const key = await q.get();
    q.add('busy', 'background');
    q.add('busy');
    q.add('other', 'background');
    q.done(key!);
    expect(await q.get()).toBe('busy');
  });

  it('reports the age of the oldest waiting key, and zero when none waits', async () => {
    const q = new WorkQueue();
    expect(q.oldestAgeMs()).toBe(0);
    q.add('a', 'background');
    const queuedAt = Date.now();
    expect(q.oldestAgeMs(queuedAt + 5_000)).toBeGreaterThanOrEqual(5_000 - 50);
    await q.get();
    expect(q.oldestAgeMs()).toBe(0);
  });
});
