// Restart counts seen per claw over time, so "N restarts within a window" can be told from a counter that only says
// "restarts of this run": kept in the leader's memory (a new leader starts counting afresh; Failed still alerts).
export class RestartHistory {
  private readonly seen = new Map<string, Array<{ at: number; restarts: number }>>();

  constructor(private readonly keepMs: number) {}

  /** Records the count seen now (only when it changed, so a steady claw costs one entry). */
  observe(instanceId: string, restarts: number, now: number): void {
    const list = this.seen.get(instanceId) ?? [];
    if (list.at(-1)?.restarts !== restarts) list.push({ at: now, restarts });
    // One entry older than the horizon stays as the baseline of the oldest window.
    while (list.length > 1 && list[1]!.at <= now - this.keepMs) list.shift();
    this.seen.set(instanceId, list);
  }

  /** Forgets claws no longer watched. */
  retain(ids: ReadonlySet<string>): void {
    for (const id of this.seen.keys()) if (!ids.has(id)) this.seen.delete(id);
  }

  /** Restarts that happened within the last `windowMs`; a count that went down (a new pod or process) starts over. */
  within(instanceId: string, windowMs: number, now: number): number {
    const list = this.seen.get(instanceId);
    if (!list) return 0;
    let n = 0;
    for (let k = 1; k < list.length; k++) {
      if (list[k]!.at <= now - windowMs) continue;
      const step = list[k]!.restarts - list[k - 1]!.restarts;
      n += step >= 0 ? step : list[k]!.restarts;
    }
    return n;
  }
}
