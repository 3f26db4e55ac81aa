// The instance's log: stdout and stderr appended to logs/claw.log, rotated to claw.log.1 at each start, read back by tail and time.
import { open, rename, stat } from 'node:fs/promises';
import type { LogOptions } from '../runtime.js';

export const DEFAULT_TAIL = 200;
export const MAX_TAIL = 10_000;
/** Never read more than this from the end of a log, whatever the line lengths: logs() must stay cheap. */
const MAX_READ_BYTES = 16 * 1024 * 1024;
const CHUNK = 64 * 1024;

/** Keeps exactly one previous run (like a pod's previous container): claw.log -> claw.log.1. */
export async function rotateLog(logFile: string, previousLogFile: string): Promise<void> {
  try {
    await rename(logFile, previousLogFile);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** The last `count` complete lines of a file ([] when it does not exist). */
export async function readLastLines(path: string, count: number): Promise<string[]> {
  if (count <= 0) return [];
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  try {
    const { size } = await handle.stat();
    let position = size;
    let text = '';
    let reachedStart = size === 0;
    // Read backwards until the window holds count+1 newlines (the first line of the window may be partial).
    while (!reachedStart && size - position < MAX_READ_BYTES) {
      const length = Math.min(CHUNK, position);
      position -= length;
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, position);
      text = buffer.toString('utf8') + text;
      reachedStart = position === 0;
      if (countNewlines(text) > count) break;
    }
    const lines = text.split('\n');
    if (lines.at(-1) === '') lines.pop();
    if (!reachedStart) lines.shift();
    return lines.slice(-count);
  } finally {
    await handle.close();
  }
}

function countNewlines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

const ISO_PREFIX = /^\[?(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)/;
const JSON_TIME = /^\{.*?"(?:time|timestamp|ts)"\s*:\s*"(\d{4}-\d{2}-\d{2}T[^"]+)"/;

/** The time a line was written, when it says so: an ISO time at its start, or a JSON log line's "time" field. */
export function lineTime(line: string): number | undefined {
  const match = ISO_PREFIX.exec(line) ?? JSON_TIME.exec(line);
  if (!match?.[1]) return undefined;
  const ms = Date.parse(match[1]);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * Lines from the last `sinceSeconds`: a line without a time (a stack trace, a wrapped message) belongs to the nearest
 * stamped line above it; when no line in the window carries a time, the file's mtime decides for the whole file.
 */
export function filterSince(lines: string[], sinceMs: number, fileMtimeMs: number): string[] {
  const times = lines.map(lineTime);
  if (times.every((t) => t === undefined)) return fileMtimeMs >= sinceMs ? lines : [];
  const firstStamped = times.find((t) => t !== undefined)!;
  let current = firstStamped;
  const kept: string[] = [];
  lines.forEach((line, i) => {
    current = times[i] ?? current;
    if (current >= sinceMs) kept.push(line);
  });
  return kept;
}

/** logs(): the current run's (or with `previous` the previous run's) last lines, optionally only recent ones. */
export async function readLog(logFile: string, previousLogFile: string, options: LogOptions): Promise<string[]> {
  const path = options.previous ? previousLogFile : logFile;
  const tail = Math.min(Math.max(Math.trunc(options.tail ?? DEFAULT_TAIL), 0), MAX_TAIL);
  const lines = await readLastLines(path, tail);
  if (options.sinceSeconds === undefined || lines.length === 0) return lines;
  const mtimeMs = (await stat(path).catch(() => undefined))?.mtimeMs ?? 0;
  return filterSince(lines, Date.now() - options.sinceSeconds * 1000, mtimeMs);
}

/** The last non-empty line, for crash messages ("exited with code 1: <line>"); long lines are cut. */
export async function lastLogLine(logFile: string): Promise<string | undefined> {
  const lines = await readLastLines(logFile, 20);
  const line = lines.reverse().find((l) => l.trim() !== '');
  return line === undefined ? undefined : line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
