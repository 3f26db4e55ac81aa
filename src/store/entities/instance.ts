// Instance: one claw. Desired state (written by commands) and observed state (written by the reconciler) side by side.
import { EntitySchema } from 'typeorm';
import { idColumn, nameColumn, refColumn, textColumn, timeColumn } from './columns.js';

export type InstancePhase = 'Creating' | 'Running' | 'Stopped' | 'Failed' | 'Destroyed';
export type DesiredPhase = 'Running' | 'Stopped' | 'Destroyed';

export interface Instance {
  id: string;
  tenantId: string;
  projectId: string;
  name: string;
  /** `<projectId>/<name>` while the instance exists, null once destroyed, so a destroyed name can be reused. */
  nameKey: string | null;
  /** Claw type, the key of its adapter: `openclaw`, later `nanoclaw`. */
  type: string;
  version: string;
  template: string;
  /** The config version of its template and shared variables (global, tenant, project) it runs; see ConfigStore. */
  configVersion: number;
  /** The config version of its own variables (`--set`, `claw config set --instance`) it runs. */
  valuesVersion: number;
  /**
   * Its `--set` values from before the config center (plain JSON, and sealed secrets), moved into config variables by
   * the first start (ConfigStore.bootstrap) and null from then on.
   */
  legacyOverrides?: string | null;
  legacySecretOverrides?: string | null;
  labels: Record<string, string>;
  cpu: string;
  memory: string;
  /** Size of each of the two volumes (config dir and data dir). */
  storage: string;
  desiredPhase: DesiredPhase;
  /** Bumped on every change of intent; the reconciler works until observedGeneration catches up. */
  generation: number;
  /** Bumped by `restart`: a pod or process older than this generation is replaced. */
  restartGeneration: number;
  /** The pending stop is a kill (grace period 0). */
  stopForce: boolean;
  /** The pending destroy keeps the volumes. */
  keepData: boolean;
  /** The gateway token, encrypted (SecretBox). */
  gatewayToken: string;

  phase: InstancePhase;
  ready: boolean;
  restarts: number;
  reason: string | null;
  message: string | null;
  node: string | null;
  endpoint: string | null;
  startedAt: Date | null;
  lastTransitionAt: Date;
  observedGeneration: number;
  /** The latest generation the reconciler acted on, converged or not: a Failed phase is an answer only from then on. */
  reconciledGeneration: number;
  observedRestartGeneration: number;
  /** When the workload first became unschedulable or unready in this run, to apply failure deadlines. */
  troubleSince: Date | null;
  /**
   * Digest of the generated files the claw is known to run (WorkloadSpec.configHash): recorded when it starts with
   * them or confirms a change applied in place; null before the first. Optional only so older row literals still fit.
   */
  configHash?: string | null;

  createdAt: Date;
  createdBy: string | null;
  /** When the desired state last changed (commands only; the reconciler's status writes leave it), polled by the leader. */
  updatedAt: Date;
  destroyedAt: Date | null;
}

export const InstanceEntity = new EntitySchema<Instance>({
  name: 'Instance',
  tableName: 'instances',
  columns: {
    id: idColumn(),
    tenantId: refColumn('tenant_id'),
    projectId: refColumn('project_id'),
    name: nameColumn(),
    nameKey: textColumn('name_key', 110, true),
    type: textColumn('type', 40),
    version: textColumn('version', 60),
    template: textColumn('template', 63),
    configVersion: { name: 'config_version', type: 'int' },
    valuesVersion: { name: 'values_version', type: 'int' },
    legacyOverrides: { name: 'overrides', type: 'text', nullable: true },
    legacySecretOverrides: { name: 'secret_overrides', type: 'text', nullable: true },
    labels: { type: 'simple-json' },
    cpu: textColumn('cpu', 20),
    memory: textColumn('memory', 20),
    storage: textColumn('storage', 20),
    desiredPhase: textColumn('desired_phase', 20),
    generation: { type: 'int' },
    restartGeneration: { name: 'restart_generation', type: 'int' },
    stopForce: { name: 'stop_force', type: 'boolean' },
    keepData: { name: 'keep_data', type: 'boolean' },
    gatewayToken: { name: 'gateway_token', type: 'text' },
    phase: textColumn('phase', 20),
    ready: { type: 'boolean' },
    restarts: { type: 'int' },
    reason: textColumn('reason', 100, true),
    message: { type: 'text', nullable: true },
    node: textColumn('node', 253, true),
    endpoint: textColumn('endpoint', 300, true),
    startedAt: timeColumn('started_at', true),
    lastTransitionAt: timeColumn('last_transition_at'),
    observedGeneration: { name: 'observed_generation', type: 'int' },
    reconciledGeneration: { name: 'reconciled_generation', type: 'int' },
    observedRestartGeneration: { name: 'observed_restart_generation', type: 'int' },
    troubleSince: timeColumn('trouble_since', true),
    configHash: textColumn('config_hash', 64, true),
    createdAt: timeColumn('created_at'),
    createdBy: textColumn('created_by', 100, true),
    updatedAt: timeColumn('updated_at'),
    destroyedAt: timeColumn('destroyed_at', true),
  },
  indices: [
    { name: 'uq_instances_name_key', columns: ['nameKey'], unique: true },
    { name: 'ix_instances_tenant', columns: ['tenantId'] },
    { name: 'ix_instances_project', columns: ['projectId'] },
    { name: 'ix_instances_updated', columns: ['updatedAt'] },
  ],
});

export function instanceNameKey(projectId: string, name: string): string {
  return `${projectId}/${name}`;
}
