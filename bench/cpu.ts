// CPU and memory figures for the bench: this process's own use, and another process's from /proc.
import { readFile, readdir } from 'node:fs/promises';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const TICKS = 100;

/** CPU seconds (user + system) this process has used so far. */
export function ownCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** CPU seconds (user + system) of another process so far, or NaN when it is gone. */
export async function processCpuSeconds(pid: number): Promise<number> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return Number.NaN;
  }
}

/** The pid of the first process whose command line contains every one of `parts`. */
export async function findPid(...parts: string[]): Promise<number | undefined> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (parts.every((p) => cmdline.includes(p))) return Number(entry);
  }
  return undefined;
}

/** CPU seconds per minute used by this process and by `others` over `ms` of wall time. */
export async function cpuPerMinute(ms: number, others: Record<string, number | undefined> = {}): Promise<Record<string, number> & { self: number }> {
  const ids = Object.entries(others).filter((e): e is [string, number] => e[1] !== undefined);
  const start = { self: ownCpuSeconds(), ...Object.fromEntries(await Promise.all(ids.map(async ([k, pid]) => [k, await processCpuSeconds(pid)]))) } as Record<string, number>;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  const minutes = (performance.now() - t0) / 60_000;
  const end = { self: ownCpuSeconds(), ...Object.fromEntries(await Promise.all(ids.map(async ([k, pid]) => [k, await processCpuSeconds(pid)]))) } as Record<string, number>;
  return Object.fromEntries(Object.keys(start).map((k) => [k, (end[k]! - start[k]!) / minutes])) as Record<string, number> & { self: number };
}

export const rssMiB = () => process.memoryUsage().rss / 1024 / 1024;
