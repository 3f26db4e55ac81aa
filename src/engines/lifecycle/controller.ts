// Runs the reconciler on the elected leader: a work queue fed by commands, runtime watches, a change poll of the
// database (commands handled by other replicas) and a periodic resync; failures retry with backoff.
import { setMaxListeners } from 'node:events';
import { MoreThan, Not, type DataSource } from 'typeorm';
import type { LeaderElector } from '../../runtime/leader-elector.js';
import type { Runtime } from '../../runtime/runtime.js';
import { InstanceEntity } from '../../store/entities/instance.js';
import type { Reconciler } from './reconciler.js';
import { TerminalError } from './reconciler.js';
import { WorkQueue } from './work-queue.js';
import { sleep } from '../../util/sleep.js';
import type { Logger } from '../../util/logger.js';

export interface ControllerOptions {
  db: DataSource;
  runtime: Runtime;
  reconciler: Reconciler;
  elector: LeaderElector;
  workers: number;
  resyncMs: number;
  /** How often the leader looks for desired-state changes written by other replicas. */
  pollMs?: number;
  logger: Logger;
  /** Other leader-only work (the outbox, approval expiry): started on each term, stopped when `signal` aborts. */
  onLead?: (signal: AbortSignal) => void;
}

/** One reconcile pass, for metrics and for tests that count passes per instance. */
export interface ReconcileOutcome {
  instanceId: string;
  outcome: 'success' | 'requeue' | 'error' | 'terminal';
  ms: number;
}

export class Controller {
  /** A fresh queue per leadership term: shutting it down releases workers blocked in get(). */
  private queue = new WorkQueue();
  private leaderAbort: AbortController | undefined;
  private running = false;
  /** Reconciles in flight, so a lost leadership can wait for them before another replica starts. */
  private active = 0;
  private readonly idleWaiters: Array<() => void> = [];
  private readonly resultListeners: Array<(result: ReconcileOutcome) => void> = [];

  constructor(private readonly o: ControllerOptions) {}

  /** Campaigns for leadership until `signal` aborts; reconciles only while leader. */
  start(signal: AbortSignal): void {
    this.o.elector.onChange((leader) => (leader ? this.lead() : this.follow()));
    this.o.elector.start(signal);
    signal.addEventListener('abort', () => this.follow(), { once: true });
  }

  isLeader(): boolean {
    return this.o.elector.isLeader();
  }

  /** Asks for a prompt reconcile of an instance (after a command); harmless when this replica is not the leader. */
  enqueue(instanceId: string): void {
    if (this.running) this.queue.add(instanceId);
  }

  private lead(): void {
    if (this.running) return;
    this.running = true;
    this.queue = new WorkQueue();
    this.leaderAbort = new AbortController();
    const signal = this.leaderAbort.signal;
    // Every worker and leader loop (usage, alerts, digests, budgets, chat) listens to it: many at once are by design.
    setMaxListeners(0, signal);
    this.o.logger.info({}, 'became the reconciler leader');
    this.o.runtime.watch((id) => this.queue.add(id), signal);
    for (let i = 0; i < this.o.workers; i++) void this.worker(signal);
    void this.resyncLoop(signal);
    void this.pollLoop(signal);
    this.o.onLead?.(signal);
  }

  private follow(): void {
    if (!this.running) return;
    this.running = false;
    this.leaderAbort?.abort();
    this.queue.shutDown();
    this.o.logger.info({}, 'no longer the reconciler leader');
  }

  /** Calls `listener` after every reconcile pass (a listener that throws is ignored); returns the unsubscribe. */
  onResult(listener: (result: ReconcileOutcome) => void): () => void {
    this.resultListeners.push(listener);
    return () => {
      const i = this.resultListeners.indexOf(listener);
      if (i >= 0) this.resultListeners.splice(i, 1);
    };
  }

  private report(instanceId: string, outcome: ReconcileOutcome['outcome'], started: number): void {
    const result = { instanceId, outcome, ms: Date.now() - started };
    for (const listener of this.resultListeners) {
      try {
        listener(result);
      } catch {
        // Observers must not break the reconciler.
      }
    }
  }

  /** The work queue's depth (keys waiting for a worker) and the age of its oldest key, for /metrics. */
  queueStats(): { depth: number; oldestAgeMs: number } {
    return this.running ? { depth: this.queue.length, oldestAgeMs: this.queue.oldestAgeMs() } : { depth: 0, oldestAgeMs: 0 };
  }

  /** Resolves when no reconcile is in flight (used by shutdown and tests). */
  idle(): Promise<void> {
    if (this.active === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async worker(signal: AbortSignal): Promise<void> {
    const queue = this.queue;
    while (!signal.aborted) {
      const key = await queue.get();
      if (key === null) return;
      this.active++;
      const started = Date.now();
      try {
        const result = await this.o.reconciler.reconcile(key);
        queue.forget(key);
        if (result.requeueAfterMs !== undefined) queue.addAfter(key, result.requeueAfterMs);
        this.report(key, result.requeueAfterMs === undefined ? 'success' : 'requeue', started);
      } catch (error) {
        if (error instanceof TerminalError) {
          queue.forget(key);
          this.o.logger.error({ err: error, instanceId: key }, 'reconcile failed for good');
          this.report(key, 'terminal', started);
        } else {
          const delay = queue.addRateLimited(key);
          this.o.logger.warn({ err: error, instanceId: key, retryInMs: delay }, 'reconcile failed; retrying');
          this.report(key, 'error', started);
        }
      } finally {
        queue.done(key);
        this.active--;
        if (this.active === 0 && queue.length === 0) for (const w of this.idleWaiters.splice(0)) w();
      }
      // A pass that reads only caches and a synchronous database never leaves the microtask queue: without this turn
      // of the event loop, a resync of thousands would hold every HTTP request and chat ack until it ends.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Queues every live instance behind urgent work (a full resync); returns how many. Only on the leader. */
  async resync(): Promise<number> {
    if (!this.running) return 0;
    const queue = this.queue;
    const rows = await this.o.db.getRepository(InstanceEntity).find({ select: { id: true }, where: { phase: Not('Destroyed') } });
    // Behind anything a command or a runtime event asked for: a resync of thousands never delays a command.
    for (const row of rows) queue.add(row.id, 'background');
    // Destroyed rows whose desired state changed again are picked up by the poll.
    return rows.length;
  }

  private async resyncLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.resync();
      } catch (error) {
        this.o.logger.warn({ err: error }, 'resync failed');
      }
      await sleep(this.o.resyncMs, signal);
    }
  }

  private async pollLoop(signal: AbortSignal): Promise<void> {
    let since = new Date(Date.now() - 1000);
    while (!signal.aborted) {
      await sleep(this.o.pollMs ?? 1000, signal);
      try {
        const checkedAt = new Date();
        const rows = await this.o.db.getRepository(InstanceEntity).find({ select: { id: true, updatedAt: true }, where: { updatedAt: MoreThan(since) } });
        for (const row of rows) this.queue.add(row.id);
        // Overlap by a second: a replica's write in flight at checkedAt carries a slightly earlier timestamp.
        since = new Date(checkedAt.getTime() - 1000);
      } catch (error) {
        this.o.logger.warn({ err: error }, 'polling for changes failed');
      }
    }
  }

  stop(): void {
    this.follow();
    this.queue.shutDown();
  }
}
