// Linux /proc facts about a pid: is it alive, is it the process we started, which processes descend from it.
import { readdir, readFile } from 'node:fs/promises';

export interface ProcStat {
  state: string;
  ppid: number;
  pgrp: number;
  startTicks: number;
}

/** Parses /proc/<pid>/stat; the command name may hold spaces and parentheses, so fields are counted after the last ')'. */
export async function readProcStat(pid: number): Promise<ProcStat | undefined> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 of proc(5) (state), so starttime (field 22) is fields[19].
  return { state: fields[0] ?? '?', ppid: Number(fields[1]), pgrp: Number(fields[2]), startTicks: Number(fields[19]) };
}

let cachedBootId: string | undefined;

/** Changes at every boot: pids and start ticks from an earlier boot mean nothing. */
export async function bootId(): Promise<string> {
  cachedBootId ??= (await readFile('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => 'unknown')).trim();
  return cachedBootId;
}

/** Alive and not a zombie (a zombie has exited; only its parent has not reaped it yet). */
export async function isRunning(pid: number): Promise<boolean> {
  const stat = await readProcStat(pid);
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
}

/**
 * True when pid is still the process we recorded: same boot, same start tick, and (when readable) our instance marker
 * in its environment. The cmdline is not compared: claws rewrite it (OpenClaw sets process.title = "openclaw-gateway").
 */
export async function isSameProcess(record: { pid: number; startTicks: number; bootId: string }, marker?: string): Promise<boolean> {
  if (record.bootId !== (await bootId())) return false;
  const stat = await readProcStat(record.pid);
  if (!stat || stat.state === 'Z' || stat.state === 'X' || stat.startTicks !== record.startTicks) return false;
  if (marker === undefined) return true;
  try {
    const environ = await readFile(`/proc/${record.pid}/environ`, 'utf8');
    return environ.split('\0').includes(marker);
  } catch {
    // Unreadable environ (hardened /proc): the start tick already identifies the process.
    return true;
  }
}

/** A process as seen once: the start tick tells it from a later process that reuses the pid. */
export interface ProcessSighting {
  pid: number;
  startTicks: number;
}

/** Every live descendant of pid (children, grandchildren...), found through ppid links; taken before a SIGKILL orphans them. */
export async function descendants(pid: number): Promise<ProcessSighting[]> {
  const children = new Map<number, ProcessSighting[]>();
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readProcStat(Number(entry));
    if (!stat || stat.state === 'Z') continue;
    const list = children.get(stat.ppid) ?? [];
    list.push({ pid: Number(entry), startTicks: stat.startTicks });
    children.set(stat.ppid, list);
  }
  const found: ProcessSighting[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child.pid);
    }
  }
  return found;
}

/** SIGKILL to each sighted process that is still the same process (helpers a claw started in their own process group). */
export async function killSighted(sightings: ProcessSighting[]): Promise<void> {
  for (const sighting of sightings) {
    const stat = await readProcStat(sighting.pid);
    if (stat && stat.state !== 'Z' && stat.startTicks === sighting.startTicks) signal(sighting.pid, 'SIGKILL');
  }
}

/** process.kill that ignores "no such process": the target may exit at any moment. */
export function signal(pid: number, name: NodeJS.Signals): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}
