// Waiting for instances to settle (reach what their desired state means, or fail), reporting progress as they go.
import { In, type DataSource } from 'typeorm';
import { InstanceEntity, type Instance } from '../../store/entities/instance.js';
import { sleep } from '../../util/sleep.js';

/** Desired state reached, or (for a start) Failed; a stop or destroy of a failed instance is settled only when done. */
export function isSettled(i: Instance): boolean {
  if (i.phase === 'Failed' && i.desiredPhase === 'Running' && i.reconciledGeneration >= i.generation) return true;
  if (i.observedGeneration < i.generation) return false;
  switch (i.desiredPhase) {
    case 'Running': return i.phase === 'Running' && i.ready;
    case 'Stopped': return i.phase === 'Stopped';
    case 'Destroyed': return i.phase === 'Destroyed';
  }
}

export class InstanceWaits {
  constructor(private readonly db: DataSource) {}

  /**
   * Waits until the instance reaches what its desired state means (Running and ready, Stopped, Destroyed) or Failed,
   * reporting each change of phase or reason; returns the last state seen (also on timeout).
   */
  async waitFor(instanceId: string, timeoutMs: number, onProgress: (instance: Instance) => void, signal: AbortSignal): Promise<{ instance: Instance; done: boolean }> {
    const { instances, done } = await this.waitForAll([instanceId], timeoutMs, onProgress, signal);
    return { instance: instances.get(instanceId)!, done };
  }

  /**
   * waitFor for many instances at once, with one query per tick for those still unsettled (a batch over a thousand
   * instances must not poll a thousand times). Reports each change with how many have settled so far.
   */
  async waitForAll(
    instanceIds: readonly string[], timeoutMs: number, onProgress: (instance: Instance, settled: number) => void, signal: AbortSignal,
  ): Promise<{ instances: Map<string, Instance>; done: boolean }> {
    const deadline = Date.now() + timeoutMs;
    const instances = new Map<string, Instance>();
    const seen = new Map<string, string>();
    const settled = new Set<string>();
    let unsettled = [...new Set(instanceIds)];
    for (;;) {
      for (const instance of await this.getMany(unsettled)) instances.set(instance.id, instance);
      for (const id of unsettled) {
        const instance = instances.get(id);
        if (instance && isSettled(instance)) settled.add(id);
      }
      for (const id of unsettled) {
        const instance = instances.get(id);
        if (!instance) continue;
        // The message carries what the runtime is doing ("installing openclaw@..."), so it counts as progress too.
        const key = `${instance.phase}/${instance.reason ?? ''}/${instance.ready}/${instance.message ?? ''}`;
        if (seen.get(id) !== key) {
          seen.set(id, key);
          onProgress(instance, settled.size);
        }
      }
      unsettled = unsettled.filter((id) => !settled.has(id) && instances.has(id));
      if (unsettled.length === 0) return { instances, done: true };
      if (Date.now() >= deadline || signal.aborted) return { instances, done: false };
      await sleep(250, signal);
    }
  }

  private async getMany(ids: readonly string[]): Promise<Instance[]> {
    const repo = this.db.getRepository(InstanceEntity);
    const rows: Instance[] = [];
    // Bounded IN lists: SQLite and MariaDB both cope, and a query stays cheap to plan.
    for (let i = 0; i < ids.length; i += 500) rows.push(...(await repo.findBy({ id: In(ids.slice(i, i + 500)) })));
    return rows;
  }
}
