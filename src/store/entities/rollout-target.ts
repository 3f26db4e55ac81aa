// RolloutTarget: one claw of a rollout: its wave, the versions it ran before and moves to, and what became of it.
import { EntitySchema } from 'typeorm';
import { refColumn, textColumn, timeColumn } from './columns.js';

/**
 * pending: not moved yet. applying: moved, waiting to be healthy at its new generation. healthy / failed: the gate's
 * verdict. rolled-back: moved back to the versions it ran before. skipped: destroyed meanwhile, nothing to do.
 */
export type RolloutTargetState = 'pending' | 'applying' | 'healthy' | 'failed' | 'rolled-back' | 'skipped';

/** What the claw did with the change: took it in place, was restarted, or runs the same as before. */
export type RolloutEffect = 'reloaded' | 'restarted' | 'unchanged';

export interface RolloutTarget {
  id: number;
  rolloutId: number;
  instanceId: string;
  /** The instance id while the rollout is active, null after: a unique index allows one active rollout per claw. */
  activeKey: string | null;
  /** Names as they were, for listings (an instance may be destroyed since). */
  instanceName: string;
  projectName: string;
  /** 0 is the canary. */
  wave: number;
  /** The versions the claw ran when it was planned, then when it was moved: a rollback returns it there. */
  fromConfig: number;
  fromValues: number;
  toConfig: number;
  toValues: number;
  /** What the preview said the move would do (restart, reload, none). */
  expected: string;
  effect: RolloutEffect | null;
  state: RolloutTargetState;
  /** The instance's generation once moved: the gate waits for observedGeneration to reach it. */
  generation: number | null;
  /** Its restart count and start time just before the move: restarts growing by 2 is a crash loop; a new start time a restart. */
  restartsBefore: number | null;
  startedBefore: Date | null;
  appliedAt: Date | null;
  finishedAt: Date | null;
  /** Why it failed (phase, reason, message), or a note. */
  message: string | null;
}

export const RolloutTargetEntity = new EntitySchema<RolloutTarget>({
  name: 'RolloutTarget',
  tableName: 'rollout_targets',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    rolloutId: { name: 'rollout_id', type: 'int' },
    instanceId: refColumn('instance_id'),
    activeKey: textColumn('active_key', 36, true),
    instanceName: textColumn('instance_name', 63),
    projectName: textColumn('project_name', 63),
    wave: { type: 'int' },
    fromConfig: { name: 'from_config', type: 'int' },
    fromValues: { name: 'from_values', type: 'int' },
    toConfig: { name: 'to_config', type: 'int' },
    toValues: { name: 'to_values', type: 'int' },
    expected: textColumn('expected', 10),
    effect: textColumn('effect', 20, true),
    state: textColumn('state', 20),
    generation: { type: 'int', nullable: true },
    restartsBefore: { name: 'restarts_before', type: 'int', nullable: true },
    startedBefore: timeColumn('started_before', true),
    appliedAt: timeColumn('applied_at', true),
    finishedAt: timeColumn('finished_at', true),
    message: { type: 'text', nullable: true },
  },
  indices: [
    { name: 'ix_rollout_targets_rollout', columns: ['rolloutId'] },
    { name: 'ix_rollout_targets_instance', columns: ['instanceId'] },
    { name: 'uq_rollout_targets_active', columns: ['activeKey'], unique: true },
  ],
});
