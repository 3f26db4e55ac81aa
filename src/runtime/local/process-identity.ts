// Linux /proc facts about a pid: is it alive, is it the process we started, which processes descend from it.
import { readdirSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';

export interface ProcStat {
  state: string;
  ppid: number;
  pgrp: number;
  startTicks: number;
  /** CPU time used so far, user and system (clock ticks). */
  cpuTicks: number;
  /** Resident memory (pages). */
  rssPages: number;
}

/** Parses /proc/<pid>/stat; the command name may hold spaces and parentheses, so fields are counted after the last ')'. */
export async function readProcStat(pid: number): Promise<ProcStat | undefined> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  return parseProcStat(text);
}

function parseProcStat(text: string): ProcStat {
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 of proc(5) (state), so utime, stime (14, 15) are fields[11], [12], starttime (22) fields[19], rss (24) fields[21].
  return {
    state: fields[0] ?? '?', ppid: Number(fields[1]), pgrp: Number(fields[2]), startTicks: Number(fields[19]),
    cpuTicks: Number(fields[11]) + Number(fields[12]), rssPages: Number(fields[21]),
  };
}

export function readProcStatSync(pid: number): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
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

/**
 * One /proc scan serves every claw's periodic helper listing for this long: twenty claws cost one scan every couple of
 * seconds instead of twenty. A listing that must be current (before a signal, at an exit) passes 0.
 */
export const SHARED_SCAN_MAX_AGE_MS = 2_000;

let lastScan: { at: number; children: Map<number, ProcessSighting[]> } | undefined;

/**
 * Parent -> children of every live process, read without yielding: procfs answers from memory, so a synchronous scan
 * costs less than thousands of async file operations, and a process that exits at once cannot orphan its children
 * between the listing and a signal (their ppid link, the only way to find them, breaks when it dies).
 */
function processTable(maxAgeMs: number): Map<number, ProcessSighting[]> {
  if (lastScan && maxAgeMs > 0 && Date.now() - lastScan.at < maxAgeMs) return lastScan.children;
  const children = new Map<number, ProcessSighting[]>();
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    // No procfs: nothing to find.
  }
  for (const entry of entries) {
    if (/^\d+$/.test(entry)) addChild(children, Number(entry), readProcStatSync(Number(entry)));
  }
  lastScan = { at: Date.now(), children };
  return children;
}

/** Every live descendant of pid (children, grandchildren...), found through ppid links, from a scan at most maxAgeMs old. */
export async function descendants(pid: number, maxAgeMs = 0): Promise<ProcessSighting[]> {
  return walk(processTable(maxAgeMs), pid);
}

/** descendants() from a fresh scan, without yielding: taken just before a signal. */
export function descendantsSync(pid: number): ProcessSighting[] {
  return walk(processTable(0), pid);
}

/** The first process `depth` generations below pid (its child's child for 2), if there is one: a sandboxed claw. */
export function descendantAtSync(pid: number, depth: number): ProcessSighting | undefined {
  const children = processTable(0);
  let current: ProcessSighting | undefined = { pid, startTicks: -1 };
  for (let level = 0; level < depth && current; level++) current = children.get(current.pid)?.[0];
  return current;
}

function addChild(children: Map<number, ProcessSighting[]>, pid: number, stat: ProcStat | undefined): void {
  if (!stat || stat.state === 'Z') return;
  const list = children.get(stat.ppid) ?? [];
  list.push({ pid, startTicks: stat.startTicks });
  children.set(stat.ppid, list);
}

function walk(children: Map<number, ProcessSighting[]>, pid: number): ProcessSighting[] {
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

/**
 * Live processes whose environment holds `entry` ("NAME=value"). Children inherit the environment and keep it when they are
 * orphaned, so this finds the helpers of a process that has already exited, which ppid links no longer can. Processes of
 * other users are unreadable and skipped (they cannot be a claw's helpers).
 */
export async function processesWithEnv(entry: string): Promise<ProcessSighting[]> {
  const found: ProcessSighting[] = [];
  for (const name of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    const environ = await readFile(`/proc/${name}/environ`, 'utf8').catch(() => '');
    if (!environ.split('\0').includes(entry)) continue;
    const stat = await readProcStat(Number(name));
    if (stat && stat.state !== 'Z') found.push({ pid: Number(name), startTicks: stat.startTicks });
  }
  return found;
}

/** The entry of pid's environment named `name` ("NAME=value"), read synchronously; undefined when absent or unreadable. */
export function environEntrySync(pid: number, name: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').find((e) => e.startsWith(`${name}=`));
  } catch {
    return undefined;
  }
}

/** Whether the sighted process is still that process and has not exited (a zombie has). */
export async function isStillSighted(sighting: ProcessSighting): Promise<boolean> {
  const stat = await readProcStat(sighting.pid);
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X' && stat.startTicks === sighting.startTicks;
}

/** SIGKILL to each sighted process that is still the same process (helpers a claw started in their own process group). */
export async function killSighted(sightings: ProcessSighting[]): Promise<void> {
  for (const sighting of sightings) {
    if (await isStillSighted(sighting)) signal(sighting.pid, 'SIGKILL');
  }
}

/** Resolves when none of the sighted processes is alive any more, or at the deadline; says whether all are gone. */
export async function untilGone(sightings: ProcessSighting[], timeoutMs: number, pollMs = 20): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let left = sightings;
  for (;;) {
    const alive = await Promise.all(left.map((s) => isStillSighted(s)));
    left = left.filter((_, i) => alive[i]);
    if (left.length === 0) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
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
