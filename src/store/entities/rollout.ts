// Rollout: a declarative change of the config versions a set of claws runs (a publish or a rollback), driven by the
// leader wave by wave, canary first, behind a health gate. Its claws, their waves and outcomes are RolloutTargets.
import { EntitySchema } from 'typeorm';
import type { Text } from '../../i18n/locale.js';
import { refColumn, textColumn, timeColumn } from './columns.js';

/**
 * Progressing: moving claws wave by wave. Paused: nothing moves until resumed. AwaitingPromotion: the canary is healthy
 * and waits for `claw rollout resume`. RollingBack: a claw failed its health gate; what this rollout moved goes back.
 * Completed, Aborted (stopped where it was), RolledBack, Failed (a rollback that could not finish): final.
 */
export type RolloutState = 'Progressing' | 'Paused' | 'AwaitingPromotion' | 'RollingBack' | 'Completed' | 'Aborted' | 'RolledBack' | 'Failed';

/** States the driver still works on; their claws belong to this rollout alone. */
export const ACTIVE_ROLLOUT_STATES: readonly RolloutState[] = ['Progressing', 'Paused', 'AwaitingPromotion', 'RollingBack'];

/** `publish`: to the newest version (or one named); `rollback`: back to an older one, or undoing another rollout. */
export type RolloutKind = 'publish' | 'rollback';

export interface RolloutStrategy {
  /** The canary as typed: `2` claws, `10%` of them, or names `demo,demo2`; null: no canary wave. */
  canary: string | null;
  /** Claws moved at once after the canary, as typed: `20%` or `3`. */
  maxUnavailable: string;
  /** A healthy canary is promoted after this long; null: it waits for `claw rollout resume`. */
  autoPromoteMs: number | null;
  /** A moved claw that is not healthy at its new generation within this long fails the gate. */
  healthTimeoutMs: number;
}

export interface Rollout {
  /** Small and increasing, so people can say "rollout 7". */
  id: number;
  tenantId: string;
  /** Set when every claw of the rollout is in this project: permissions on the project suffice to drive it. */
  projectId: string | null;
  kind: RolloutKind;
  /** The versions every claw moves to; null for a rollback that undoes a rollout (each claw goes back to its own). */
  configVersion: number | null;
  valuesVersion: number | null;
  /** The rollout this one undoes (`claw config rollback --rollout N`, the card's Rollback button). */
  undoes: number | null;
  /** What was asked for, for people: `--selector team=sales`, `--all --project web`, `demo demo2`. */
  selection: string;
  strategy: RolloutStrategy;
  state: RolloutState;
  /** The wave being moved or checked: 0 is the canary; the last is `waves`. */
  wave: number;
  /** The number of the last wave. */
  waves: number;
  /** The publisher's `--message`. */
  message: string | null;
  /** Why it stopped, paused or rolled back (and by whom), in both languages. */
  detail: Text | null;
  createdBy: string;
  /** The chat its card went to (ChatOrigin JSON), updated in place as it goes; null from the API and CLI. */
  chat: string | null;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

export const RolloutEntity = new EntitySchema<Rollout>({
  name: 'Rollout',
  tableName: 'rollouts',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    tenantId: refColumn('tenant_id'),
    projectId: refColumn('project_id', true),
    kind: textColumn('kind', 20),
    configVersion: { name: 'config_version', type: 'int', nullable: true },
    valuesVersion: { name: 'values_version', type: 'int', nullable: true },
    undoes: { type: 'int', nullable: true },
    selection: textColumn('selection', 500),
    strategy: { type: 'simple-json' },
    state: textColumn('state', 20),
    wave: { type: 'int' },
    waves: { type: 'int' },
    message: { type: 'text', nullable: true },
    detail: { type: 'simple-json', nullable: true },
    createdBy: textColumn('created_by', 100),
    chat: { type: 'text', nullable: true },
    createdAt: timeColumn('created_at'),
    updatedAt: timeColumn('updated_at'),
    finishedAt: timeColumn('finished_at', true),
  },
  indices: [
    { name: 'ix_rollouts_state', columns: ['state'] },
    { name: 'ix_rollouts_tenant', columns: ['tenantId'] },
  ],
});
