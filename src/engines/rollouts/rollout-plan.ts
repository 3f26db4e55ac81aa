// How a rollout splits its claws into waves: the canary (wave 0) first, healthy running claws preferred, then the
// rest in waves of at most max-unavailable claws. Pure, so every rule is tested without a database.
import { ClawError } from '../../errors/claw-error.js';

/** A number of claws, or a share of them (rounded up for a canary, down for a wave; never below one). */
export type CountSpec = { count: number } | { percent: number };

/** The canary: a number or share of the claws, or the claws named. */
export type CanarySpec = CountSpec | { names: string[] };

export interface WaveCandidate {
  key: string;
  /** The instance name, and `project/name`: a canary may name either. */
  name: string;
  path: string;
  /** Running and ready now: such claws make a fair canary (a claw broken already says nothing about the new config). */
  healthy: boolean;
}

/** `2`, `10%`, `demo,demo2` as people type them after --canary; null when it is none of these. */
export function parseCanary(text: string): CanarySpec | null {
  const count = parseCount(text);
  if (count) return count;
  const names = text.split(',').map((s) => s.trim()).filter(Boolean);
  return names.length && names.every((n) => /^[a-z0-9][a-z0-9-]*(\/[a-z0-9][a-z0-9-]*)?$/.test(n)) ? { names } : null;
}

/** `3` or `20%` (1 to 100); null otherwise. */
export function parseCount(text: string): CountSpec | null {
  const percent = /^(\d{1,3})\s*%$/.exec(text.trim());
  if (percent) {
    const value = Number(percent[1]);
    return value >= 1 && value <= 100 ? { percent: value } : null;
  }
  const count = /^(\d{1,6})$/.exec(text.trim());
  return count && Number(count[1]) >= 1 ? { count: Number(count[1]) } : null;
}

export function countText(spec: CountSpec): string {
  return 'count' in spec ? String(spec.count) : `${spec.percent}%`;
}

export function canaryText(spec: CanarySpec): string {
  return 'names' in spec ? spec.names.join(',') : countText(spec);
}

/**
 * The wave of every candidate (by key). Candidates come in a stable order (project, name); the canary takes the first
 * healthy ones, so the same publish plans the same waves.
 */
export function assignWaves(candidates: readonly WaveCandidate[], canary: CanarySpec | null, maxUnavailable: CountSpec): Map<string, number> {
  const waves = new Map<string, number>();
  const n = candidates.length;
  if (n === 0) return waves;
  let canaries: WaveCandidate[] = [];
  if (canary && 'names' in canary) {
    for (const name of canary.names) {
      const found = candidates.filter((c) => c.path === name || c.name === name);
      if (found.length === 0) {
        throw new ClawError('CLAW_ARG_INVALID', {
          what: '--canary',
          reason: { en: `${name} is not among the claws this would change`, zh: `${name} 不在本次要变更的实例中` },
        });
      }
      if (found.length > 1) {
        throw new ClawError('CLAW_ARG_INVALID', {
          what: '--canary',
          reason: { en: `${name} names claws in several projects; write it as PROJECT/${name}`, zh: `${name} 对应多个项目中的实例，请写成 项目/${name}` },
        });
      }
      if (!canaries.includes(found[0]!)) canaries.push(found[0]!);
    }
  } else if (canary) {
    const size = Math.min(n, Math.max(1, 'count' in canary ? canary.count : Math.ceil((n * canary.percent) / 100)));
    canaries = [...candidates.filter((c) => c.healthy), ...candidates.filter((c) => !c.healthy)].slice(0, size);
  }
  for (const c of canaries) waves.set(c.key, 0);
  const size = Math.max(1, 'count' in maxUnavailable ? maxUnavailable.count : Math.floor((n * maxUnavailable.percent) / 100));
  let placed = 0;
  for (const c of candidates) {
    if (waves.has(c.key)) continue;
    waves.set(c.key, 1 + Math.floor(placed / size));
    placed++;
  }
  return waves;
}
