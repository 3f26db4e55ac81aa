// The leader's loop over rollouts: one idempotent step per active rollout per tick, everything read from the database,
// so a new leader (or a restarted control plane) goes on where the last one was. Idle it costs one small query per
// poll; a command on this replica that creates or changes a rollout wakes it at once.
import type { Logger } from '../../util/logger.js';
import type { RolloutsEngine } from './rollout-engine.js';

export interface RolloutDriverOptions {
  engine: RolloutsEngine;
  logger: Logger;
  /** Between steps while a rollout is active: claws become ready within seconds, so a second is quick enough. */
  tickMs?: number;
  /** With nothing active: a rollout created on another replica is picked up within this (its own replica wakes us). */
  idlePollMs?: number;
  /** A card is updated at most this often while its rollout goes on (chat rate limits); a final state goes at once. */
  cardIntervalMs?: number;
}

const TICK_MS = 1000;
const IDLE_POLL_MS = 10_000;
const CARD_INTERVAL_MS = 3000;

export class RolloutDriver {
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private running: Promise<void> | undefined;
  /** When each rollout's card was last updated, and the ones with changes not shown yet. */
  private readonly cardAt = new Map<number, number>();
  private readonly dirty = new Set<number>();

  constructor(private readonly o: RolloutDriverOptions) {}

  /** Leader only: drives rollouts until the signal aborts. */
  start(signal: AbortSignal): void {
    this.o.engine.onChange = () => this.wake();
    signal.addEventListener('abort', () => {
      this.o.engine.onChange = () => undefined;
      this.wake();
    }, { once: true });
    this.running = this.loop(signal).catch((error: unknown) => this.o.logger.error({ err: error }, 'rollout driver stopped'));
  }

  /** Resolves once the loop has finished its step in flight (after the signal aborted). */
  async stopped(): Promise<void> {
    await this.running;
  }

  private wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  private async loop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      this.woken = false;
      let active = 0;
      try {
        const ids = await this.o.engine.activeIds();
        for (const id of ids) {
          if (signal.aborted) return;
          if (await this.stepOne(id)) active++;
        }
        for (const id of [...this.dirty]) if (!ids.includes(id)) await this.notify(id, true);
      } catch (error) {
        if (!signal.aborted) this.o.logger.warn({ err: error }, 'rollout pass failed');
      }
      if (!this.woken) await this.pause(active ? (this.o.tickMs ?? TICK_MS) : (this.o.idlePollMs ?? IDLE_POLL_MS), signal);
    }
  }

  /** One step of one rollout; a failure is logged and retried next tick. True while it stays active. */
  private async stepOne(id: number): Promise<boolean> {
    try {
      const result = await this.o.engine.step(id);
      if (result.changed) this.dirty.add(id);
      if (this.dirty.has(id)) await this.notify(id, !result.active);
      return result.active;
    } catch (error) {
      this.o.logger.warn({ err: error, rollout: id }, 'rollout step failed');
      return true;
    }
  }

  private async notify(id: number, final: boolean): Promise<void> {
    const last = this.cardAt.get(id) ?? 0;
    if (!final && Date.now() - last < (this.o.cardIntervalMs ?? CARD_INTERVAL_MS)) return;
    this.dirty.delete(id);
    this.cardAt.set(id, Date.now());
    if (final) this.cardAt.delete(id);
    try {
      await this.o.engine.notifier.changed(await this.o.engine.card(id));
    } catch (error) {
      this.o.logger.warn({ err: error, rollout: id }, 'rollout card could not be updated');
    }
  }

  private pause(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      signal.addEventListener('abort', done, { once: true });
      this.wakeUp = done;
    });
  }
}
