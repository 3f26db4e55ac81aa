// CPU and memory of a claw's process tree from /proc: memory is what is resident now, CPU the rate between two samples.
import type { ResourceUsage } from '../runtime.js';
import { descendantsSync, readProcStatSync } from './process-identity.js';

/** USER_HZ: the unit of /proc's CPU times, 100 on every Linux architecture the control plane runs on. */
const TICKS_PER_SECOND = 100;
/** Resident pages are 4 KiB on x86-64 and arm64 (as Linux configures them by default). */
const PAGE_BYTES = 4096;
/** A previous sample older than this is no measure of "now": take two. */
const MAX_SAMPLE_AGE_MS = 60_000;
/** Between the two samples of a fresh measurement; long enough for a tick to count. */
export const FRESH_WINDOW_MS = 250;

interface Sample {
  /** The process the tree hangs from (a new launch starts counting afresh). */
  pid: number;
  cpuTicks: number;
  rssBytes: number;
  at: number;
}

/** The process and its descendants, summed; undefined when the process is gone. */
function sampleTree(pid: number, at: number): Sample | undefined {
  const root = readProcStatSync(pid);
  if (!root || root.state === 'Z') return undefined;
  let cpuTicks = root.cpuTicks;
  let rssPages = root.rssPages;
  for (const helper of descendantsSync(pid)) {
    const stat = readProcStatSync(helper.pid);
    if (!stat) continue;
    cpuTicks += stat.cpuTicks;
    rssPages += stat.rssPages;
  }
  return { pid, cpuTicks, rssBytes: rssPages * PAGE_BYTES, at };
}

export class ResourceSampler {
  private readonly last = new Map<string, Sample>();

  /**
   * Usage of each running claw (instance id -> pid), measured over at least one window: claws without a previous
   * sample from the last minute are sampled twice, a window apart; the rest against their previous sample, so a
   * periodic caller pays for one pass only.
   */
  async usage(pids: ReadonlyMap<string, number>, sleep: (ms: number) => Promise<void>): Promise<Map<string, ResourceUsage>> {
    let wait = 0;
    for (const [id, pid] of pids) {
      const previous = this.last.get(id);
      const age = previous && previous.pid === pid ? Date.now() - previous.at : Infinity;
      if (age > MAX_SAMPLE_AGE_MS) {
        const sample = sampleTree(pid, Date.now());
        if (sample) this.last.set(id, sample);
        wait = FRESH_WINDOW_MS;
      } else {
        // A sample only moments old would measure a few ticks of 10 ms: wait until the window is long enough to mean something.
        wait = Math.max(wait, FRESH_WINDOW_MS - age);
      }
    }
    if (wait > 0) await sleep(wait);
    const out = new Map<string, ResourceUsage>();
    for (const [id, pid] of pids) {
      const previous = this.last.get(id);
      const current = sampleTree(pid, Date.now());
      if (!current) {
        this.last.delete(id);
        continue;
      }
      this.last.set(id, current);
      if (!previous || previous.pid !== pid || current.at <= previous.at) continue;
      // Helpers that exited since the previous sample take their ticks with them: never a negative rate.
      const ticks = Math.max(0, current.cpuTicks - previous.cpuTicks);
      const cpuMillicores = Math.round(((ticks / TICKS_PER_SECOND) * 1000 * 1000) / (current.at - previous.at));
      out.set(id, { cpuMillicores, memoryBytes: current.rssBytes, sampledAt: new Date(current.at) });
    }
    // Forget samples too old to use (claws stopped or destroyed since), so the map does not grow.
    for (const [id, sample] of this.last) if (Date.now() - sample.at > MAX_SAMPLE_AGE_MS) this.last.delete(id);
    return out;
  }
}
