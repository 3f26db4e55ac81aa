// Shared by the steady-state suites of both runtimes: watch a quiet control plane and count what it does.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestControlPlane } from '../../support/test-control-plane.js';

/** Sums a Prometheus counter from /metrics over the series whose labels match `match` (all series without one). */
export async function counter(t: TestControlPlane, name: string, match: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${t.url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(?:\{([^}]*)\})? ([0-9.e+-]+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(match).every(([k, v]) => labels[k] === v)) sum += Number(m[3]);
  }
  return sum;
}

/** Reconcile passes per instance id while `during` runs. */
export async function countPasses(t: TestControlPlane, during: () => Promise<void>): Promise<Map<string, number>> {
  const passes = new Map<string, number>();
  const off = t.plane.controller.onResult(({ instanceId }) => passes.set(instanceId, (passes.get(instanceId) ?? 0) + 1));
  try {
    await during();
  } finally {
    off();
  }
  return passes;
}

/** Path -> mtime (ms) of every file under `dir`. */
export async function mtimes(dir: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const walk = async (d: string): Promise<void> => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) await walk(path);
      else out.set(path, (await stat(path)).mtimeMs);
    }
  };
  await walk(dir);
  return out;
}

/** The paths whose mtime differs between two snapshots, or that only one has. */
export function changedPaths(before: Map<string, number>, after: Map<string, number>): string[] {
  const paths = new Set([...before.keys(), ...after.keys()]);
  return [...paths].filter((p) => before.get(p) !== after.get(p)).sort();
}

/** Resolves once no reconcile has happened for `quietMs` (at most `timeoutMs`): the instances have settled. */
export async function settled(t: TestControlPlane, quietMs: number, timeoutMs: number): Promise<void> {
  let last = Date.now();
  const off = t.plane.controller.onResult(() => {
    last = Date.now();
  });
  try {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() - last < quietMs) {
      if (Date.now() > deadline) throw new Error(`reconciles did not stop within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    off();
  }
}
