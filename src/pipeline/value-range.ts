// The declared range of an `int` or `duration` argument or flag: what the binder refuses, and how help says it.
import type { Text } from '../i18n/locale.js';
import type { ArgSpec, FlagSpec } from './command-spec.js';
import { formatDuration } from '../model/values/duration.js';

type Ranged = Pick<FlagSpec | ArgSpec, 'kind' | 'min' | 'max'>;

/** Durations are held in ms but read as people write them (`1m`, `7d`). */
function shown(spec: Ranged, n: number): string {
  return spec.kind === 'duration' ? formatDuration(n) : String(n);
}

/** The range in words (`1 to 1000`, `0 or more`, `at most 10`), or undefined when none is declared. */
export function rangeText(spec: Ranged): Text | undefined {
  const { min, max } = spec;
  if (min !== undefined && max !== undefined) return { en: `${shown(spec, min)} to ${shown(spec, max)}`, zh: `${shown(spec, min)} 到 ${shown(spec, max)}` };
  if (min !== undefined) return { en: `${shown(spec, min)} or more`, zh: `不小于 ${shown(spec, min)}` };
  if (max !== undefined) return { en: `at most ${shown(spec, max)}`, zh: `不超过 ${shown(spec, max)}` };
  return undefined;
}

/** Why a value is out of the declared range (the reason of CLAW_ARG_INVALID), or undefined when it is within. */
export function outOfRange(spec: Ranged, value: number): Text | undefined {
  const { min, max } = spec;
  if ((min === undefined || value >= min) && (max === undefined || value <= max)) return undefined;
  if (min !== undefined && max !== undefined) {
    return { en: `must be from ${shown(spec, min)} to ${shown(spec, max)}`, zh: `须在 ${shown(spec, min)} 到 ${shown(spec, max)} 之间` };
  }
  if (min !== undefined) return { en: `must be ${shown(spec, min)} or more`, zh: `须大于等于 ${shown(spec, min)}` };
  return { en: `must be at most ${shown(spec, max!)}`, zh: `须不超过 ${shown(spec, max!)}` };
}

/** The nearest value within the range (for flags declared `clamp`). */
export function clampToRange(spec: Ranged, value: number): number {
  return Math.min(spec.max ?? Infinity, Math.max(spec.min ?? -Infinity, value));
}
