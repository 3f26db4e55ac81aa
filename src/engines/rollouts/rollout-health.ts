// The health gate of a rollout: whether a moved claw runs its new config (observedGeneration reached, Running, ready),
// failed (phase Failed at that generation, a crash loop, or not healthy in time), or is still on its way. Pure.
import type { Instance } from '../../store/entities/instance.js';
import type { RolloutEffect, RolloutTarget } from '../../store/entities/rollout-target.js';

export type Verdict =
  | { state: 'healthy'; effect: RolloutEffect | null; message: string | null }
  | { state: 'failed'; message: string }
  | { state: 'skipped'; message: string };

/** Restarts since the move that make a crash loop, even before the phase says so. */
export const CRASH_LOOP_RESTARTS = 2;

type Seen = Pick<Instance, 'desiredPhase' | 'phase' | 'ready' | 'restarts' | 'reason' | 'message' | 'observedGeneration' | 'reconciledGeneration' | 'startedAt'>;
type Moved = Pick<RolloutTarget, 'generation' | 'restartsBefore' | 'startedBefore' | 'appliedAt' | 'expected'>;

/** How often the claw restarted since the move: a new workload starts counting from zero again. */
function restartsSince(target: Moved, instance: Seen): number {
  const before = target.restartsBefore ?? 0;
  return instance.restarts >= before ? instance.restarts - before : instance.restarts;
}

function phaseText(instance: Seen): string {
  return `${instance.phase}${instance.reason ? ` (${instance.reason}${instance.message ? `: ${instance.message}` : ''})` : ''}`;
}

/** Why a claw that moved is unwell now, or null. Also asked of a healthy canary while it bakes. */
export function sickness(target: Moved, instance: Seen): string | null {
  if (instance.phase === 'Failed' && instance.reconciledGeneration >= (target.generation ?? 0)) return `failed: ${phaseText(instance)}`;
  const restarts = restartsSince(target, instance);
  if (restarts >= CRASH_LOOP_RESTARTS) return `crash loop: restarted ${restarts} times since the change`;
  return null;
}

/** The gate's verdict on a moved claw, or null while it is still getting there within the timeout. */
export function judge(target: Moved, instance: Seen | null, now: Date, healthTimeoutMs: number): Verdict | null {
  if (!instance || instance.desiredPhase === 'Destroyed') return { state: 'skipped', message: 'destroyed meanwhile' };
  const sick = sickness(target, instance);
  if (sick) return { state: 'failed', message: sick };
  if (instance.observedGeneration >= (target.generation ?? Number.MAX_SAFE_INTEGER)) {
    // A stopped claw has nothing to restart: it runs the new config at its next start.
    if (instance.desiredPhase === 'Stopped') return { state: 'healthy', effect: null, message: 'stopped: takes it at its next start' };
    if (instance.phase === 'Running' && instance.ready) return { state: 'healthy', effect: effectOf(target, instance), message: null };
  }
  const waited = now.getTime() - (target.appliedAt ?? now).getTime();
  if (waited >= healthTimeoutMs) return { state: 'failed', message: `not healthy within ${Math.round(healthTimeoutMs / 1000)}s: ${phaseText(instance)}${instance.ready ? '' : ', not ready'}` };
  return null;
}

/** Restarted when it started again (whatever the preview said), reloaded when the files changed under it, else unchanged. */
function effectOf(target: Moved, instance: Seen): RolloutEffect {
  const restarted = (instance.startedAt?.getTime() ?? null) !== (target.startedBefore?.getTime() ?? null);
  if (restarted || target.expected === 'restart') return 'restarted';
  return target.expected === 'reload' ? 'reloaded' : 'unchanged';
}
