// Instances as commands see them: intent written to the database (then the reconciler acts), listings from the
// database, logs and events from the runtime, and waiting for a phase with progress.
import { In, IsNull, Not, type DataSource, type EntityManager } from 'typeorm';
import { ClawError } from '../../errors/claw-error.js';
import { matchesSelector, type Selector } from '../../model/values/selector.js';
import type { Runtime, RuntimeEvent, RuntimeIsolation, TenantQuota } from '../../runtime/runtime.js';
import type { InstanceRef } from '../../runtime/workload.js';
import { RuntimeError } from '../../runtime/runtime.js';
import { InstanceEntity, instanceNameKey, type Instance, type InstancePhase } from '../../store/entities/instance.js';
import { ProjectEntity, type Project } from '../../store/entities/project.js';
import { TenantEntity, type Tenant } from '../../store/entities/tenant.js';
import type { SecretBox } from '../../store/secret-box.js';
import { isUniqueViolation } from '../../store/unique-violation.js';
import { newId, randomToken } from '../../util/ids.js';
import type { AdapterRegistry } from '../adapters/adapter-registry.js';
import type { TemplateCatalog } from '../config/template-catalog.js';
import type { InstanceEvents } from './instance-events.js';
import { askOf, checkQuota, effectiveQuota, tenantUsage } from './quota.js';
import { configProblemsError, type WorkloadBuilder } from './workload-builder.js';
import { sleep } from '../../util/sleep.js';
import { openSecretOverrides, sealSecretOverrides } from './secret-overrides.js';

export interface InstanceDefaults {
  type: string;
  template: string;
  cpu: string;
  memory: string;
  storage: string;
}

export interface CreateInput {
  tenant: Tenant;
  project: Project;
  name: string;
  type?: string;
  version?: string;
  template?: string;
  set: Record<string, string>;
  cpu?: string;
  memory?: string;
  storage?: string;
  labels: Record<string, string>;
  createdBy: string;
}

export interface UpdateInput {
  version?: string;
  set: Record<string, string>;
  unset: string[];
  cpu?: string;
  memory?: string;
  labels: Record<string, string>;
}

export interface InstanceView {
  instance: Instance;
  tenant: string;
  project: string;
}

export interface Filter {
  tenant: Tenant;
  project?: Project;
  selector?: Selector;
  phase?: InstancePhase;
}

export interface MergedEvent {
  at: Date;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  count: number;
  source: 'control-plane' | 'runtime';
}

const KIND_INSTANCE = { en: 'Instance', zh: '实例' };
/** Service names are DNS-1035 labels of at most 63 characters: `claw-<project>-<name>`. */
const MAX_BASE_NAME = 63;
const LABEL_KEY = /^(?:[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

export class LifecycleEngine {
  /** Told about every change of intent, so the local leader reconciles at once (other replicas' leaders poll). */
  onChange: (instanceId: string) => void = () => undefined;

  constructor(
    private readonly db: DataSource,
    private readonly runtime: Runtime,
    private readonly adapters: AdapterRegistry,
    private readonly templates: TemplateCatalog,
    private readonly builder: WorkloadBuilder,
    private readonly secrets: SecretBox,
    private readonly history: InstanceEvents,
    private readonly defaults: InstanceDefaults,
    private readonly quotaDefaults: TenantQuota,
  ) {}

  quotaOf(tenant: Tenant): TenantQuota {
    return effectiveQuota(tenant, this.quotaDefaults);
  }

  /** After a quota change: reconcile the tenant's instances, which re-applies the quota (ResourceQuota) to the runtime. */
  async touchTenant(tenant: Tenant): Promise<void> {
    const repo = this.db.getRepository(InstanceEntity);
    const where = { tenantId: tenant.id, nameKey: Not(IsNull()) };
    // Marked changed in the database, so the leader's change poll picks them up when another replica served this.
    await repo.update(where, { updatedAt: new Date() });
    for (const row of await repo.find({ select: { id: true }, where })) this.onChange(row.id);
  }

  /** How the runtime isolates claws; `claw status` shows it when it is weaker than it could be. */
  isolation(): RuntimeIsolation {
    return this.runtime.isolation();
  }

  /** A runtime that cannot isolate claws runs only some tenants' (the local runtime without root or bubblewrap). */
  private assertRunsHere(tenant: Tenant): void {
    const { tenants, reason } = this.runtime.isolation();
    if (tenants && !tenants.includes(tenant.name)) throw new ClawError('CLAW_RUNTIME_RESTRICTED', { tenant: tenant.name, reason: reason ?? { en: '', zh: '' } });
  }

  async usageOf(tenant: Tenant) {
    return tenantUsage(this.db.manager, tenant.id);
  }

  async create(input: CreateInput): Promise<Instance> {
    const type = input.type ?? this.defaults.type;
    const adapter = this.adapters.get(type);
    const version = input.version ?? adapter.defaultVersion;
    const versionProblem = adapter.checkVersion(version);
    if (versionProblem) throw new ClawError('CLAW_ARG_INVALID', { what: '--version', reason: versionProblem });
    const templateName = input.template ?? this.defaults.template;
    const template = this.templates.get(templateName);
    if (template.type !== type) {
      throw new ClawError('CLAW_ARG_INVALID', { what: '--template', reason: { en: `template ${templateName} is for ${template.type}, not ${type}`, zh: `模板 ${templateName} 适用于 ${template.type}，不适用于 ${type}` } });
    }
    if (`claw-${input.project.name}-${input.name}`.length > MAX_BASE_NAME) {
      throw new ClawError('CLAW_ARG_INVALID', {
        what: { en: 'argument NAME', zh: '参数 NAME' },
        reason: { en: `project and instance names together may have at most ${MAX_BASE_NAME - 6} characters`, zh: `项目名与实例名合计最多 ${MAX_BASE_NAME - 6} 个字符` },
      });
    }
    validateLabels(input.labels);
    const { overrides, secrets } = this.templates.split(templateName, input.set);
    const now = new Date();
    const instance: Instance = {
      id: newId(), tenantId: input.tenant.id, projectId: input.project.id, name: input.name, nameKey: instanceNameKey(input.project.id, input.name),
      type, version, template: templateName, overrides, secretOverrides: sealSecretOverrides(this.secrets, secrets),
      labels: input.labels, cpu: input.cpu ?? this.defaults.cpu, memory: input.memory ?? this.defaults.memory, storage: input.storage ?? this.defaults.storage,
      desiredPhase: 'Running', generation: 1, restartGeneration: 0, stopForce: false, keepData: false, gatewayToken: this.secrets.seal(randomToken(48)),
      phase: 'Creating', ready: false, restarts: 0, reason: 'Pending', message: null, node: null, endpoint: null, startedAt: null, lastTransitionAt: now,
      observedGeneration: 0, reconciledGeneration: 0, observedRestartGeneration: 0, troubleSince: null, createdAt: now, createdBy: input.createdBy, updatedAt: now, destroyedAt: null,
    };
    // Invalid config is refused now, with the adapter's words, rather than found by the reconciler later.
    const ref = { id: instance.id, tenant: input.tenant.name, project: input.project.name, name: input.name };
    const problems = this.builder.check(instance, ref, placeholderTarget());
    if (problems.length) throw configProblemsError(problems);

    this.assertRunsHere(input.tenant);
    await this.db.transaction(async (em) => {
      await lockTenant(em, input.tenant.id);
      checkQuota(input.tenant, this.quotaOf(input.tenant), await tenantUsage(em, input.tenant.id), askOf(instance, 'create'));
      try {
        await em.getRepository(InstanceEntity).insert(instance);
      } catch (error) {
        if (isUniqueViolation(error)) throw new ClawError('CLAW_CONFLICT_EXISTS', { kind: KIND_INSTANCE, name: `${input.project.name}/${input.name}` });
        throw error;
      }
    });
    await this.history.record(instance.id, 'Normal', 'Created', `created by ${input.createdBy} (${type} ${version}, template ${templateName})`);
    this.onChange(instance.id);
    return instance;
  }

  async start(instance: Instance, by: string): Promise<Instance> {
    if (instance.desiredPhase === 'Running') return instance;
    this.assertExists(instance);
    return this.changeIntent(instance, async (em, fresh) => {
      const tenant = await em.getRepository(TenantEntity).findOneByOrFail({ id: fresh.tenantId });
      this.assertRunsHere(tenant);
      checkQuota(tenant, this.quotaOf(tenant), await tenantUsage(em, tenant.id, fresh.id), askOf(fresh, 'start'));
      return { desiredPhase: 'Running', stopForce: false };
    }, 'StartRequested', `start requested by ${by}`);
  }

  async stop(instance: Instance, force: boolean, by: string): Promise<Instance> {
    this.assertExists(instance);
    if (instance.desiredPhase === 'Stopped' && (instance.stopForce || !force)) return instance;
    return this.changeIntent(instance, async () => ({ desiredPhase: 'Stopped', stopForce: force }), force ? 'KillRequested' : 'StopRequested', `${force ? 'forced stop' : 'stop'} requested by ${by}`);
  }

  async restart(instance: Instance, by: string): Promise<Instance> {
    this.assertExists(instance);
    if (instance.desiredPhase !== 'Running') {
      throw new ClawError('CLAW_INSTANCE_STATE', { detail: { en: `${instance.name} is stopped; start it with \`claw start ${instance.name}\`.`, zh: `${instance.name} 已停止；请用 \`claw start ${instance.name}\` 启动。` } });
    }
    return this.changeIntent(instance, async (_em, fresh) => ({ restartGeneration: fresh.restartGeneration + 1 }), 'RestartRequested', `restart requested by ${by}`);
  }

  async destroy(instance: Instance, keepData: boolean, by: string): Promise<Instance> {
    if (instance.desiredPhase === 'Destroyed') return instance;
    return this.changeIntent(instance, async () => ({ desiredPhase: 'Destroyed', keepData }), 'DestroyRequested', `destroy${keepData ? ' (keeping data)' : ''} requested by ${by}`);
  }

  async update(instance: Instance, input: UpdateInput, by: string): Promise<Instance> {
    this.assertExists(instance);
    validateLabels(input.labels);
    const adapter = this.adapters.get(instance.type);
    if (input.version) {
      const problem = adapter.checkVersion(input.version);
      if (problem) throw new ClawError('CLAW_ARG_INVALID', { what: '--version', reason: problem });
    }
    const { overrides, secrets } = this.templates.split(instance.template, input.set);
    const currentSecrets = openSecretOverrides(this.secrets, instance.secretOverrides);
    const nextOverrides = { ...instance.overrides, ...overrides };
    const nextSecrets = { ...currentSecrets, ...secrets };
    for (const key of input.unset) {
      delete nextOverrides[key];
      delete nextSecrets[key];
    }
    const next: Partial<Instance> = {
      version: input.version ?? instance.version,
      overrides: nextOverrides,
      secretOverrides: sealSecretOverrides(this.secrets, nextSecrets),
      cpu: input.cpu ?? instance.cpu,
      memory: input.memory ?? instance.memory,
      labels: { ...instance.labels, ...input.labels },
    };
    const ref = { id: instance.id, tenant: '-', project: '-', name: instance.name };
    const problems = this.builder.check({ ...instance, ...next } as Instance, ref, placeholderTarget());
    if (problems.length) throw configProblemsError(problems);
    return this.changeIntent(instance, async (em, fresh) => {
      if (fresh.desiredPhase === 'Running' && (next.cpu !== fresh.cpu || next.memory !== fresh.memory)) {
        const tenant = await em.getRepository(TenantEntity).findOneByOrFail({ id: fresh.tenantId });
        checkQuota(tenant, this.quotaOf(tenant), await tenantUsage(em, tenant.id, fresh.id), askOf({ ...fresh, ...next } as Instance, 'start'));
      }
      return next;
    }, 'Updated', `spec updated by ${by}`);
  }

  /** Applies a change of intent in a transaction, bumps the generation, records an event and wakes the reconciler. */
  private async changeIntent(
    instance: Instance,
    change: (em: EntityManager, fresh: Instance) => Promise<Partial<Instance>>,
    reason: string,
    message: string,
  ): Promise<Instance> {
    const updated = await this.db.transaction(async (em) => {
      await lockTenant(em, instance.tenantId);
      const repo = em.getRepository(InstanceEntity);
      const fresh = await repo.findOneByOrFail({ id: instance.id });
      const changes = { ...(await change(em, fresh)), generation: fresh.generation + 1, updatedAt: new Date() };
      await repo.update({ id: fresh.id }, changes);
      return { ...fresh, ...changes } as Instance;
    });
    await this.history.record(instance.id, 'Normal', reason, message);
    this.onChange(instance.id);
    return updated;
  }

  private assertExists(instance: Instance): void {
    if (instance.desiredPhase === 'Destroyed') {
      throw new ClawError('CLAW_INSTANCE_STATE', { detail: { en: `${instance.name} is being destroyed.`, zh: `${instance.name} 正在被销毁。` } });
    }
  }

  async get(id: string): Promise<Instance | null> {
    return this.db.getRepository(InstanceEntity).findOneBy({ id });
  }

  /** Finds an existing instance by name in a project, or in any project of the tenant (ambiguity is an error). */
  async find(tenant: Tenant, name: string, project?: Project): Promise<InstanceView> {
    const repo = this.db.getRepository(InstanceEntity);
    const rows = project
      ? await repo.findBy({ nameKey: instanceNameKey(project.id, name) })
      : await repo.findBy({ tenantId: tenant.id, name, nameKey: Not(IsNull()) });
    if (rows.length === 0) throw new ClawError('CLAW_NOT_FOUND', { kind: KIND_INSTANCE, name: project ? `${project.name}/${name}` : name }, { hint: { en: 'See `claw status`.', zh: '参见 `claw status`。' } });
    const projects = await this.db.getRepository(ProjectEntity).findBy({ id: In(rows.map((r) => r.projectId)) });
    if (rows.length > 1) {
      throw new ClawError('CLAW_INSTANCE_AMBIGUOUS', { name, projects: projects.map((p) => p.name).sort().join(', ') }, { hint: { en: 'Add --project NAME.', zh: '请加上 --project 名称。' } });
    }
    const row = rows[0]!;
    return { instance: row, tenant: tenant.name, project: projects.find((p) => p.id === row.projectId)!.name };
  }

  async list(filter: Filter): Promise<InstanceView[]> {
    const where = { tenantId: filter.tenant.id, ...(filter.project ? { projectId: filter.project.id } : {}), nameKey: Not(IsNull()) };
    const rows = await this.db.getRepository(InstanceEntity).find({ where, order: { name: 'ASC' } });
    const projects = new Map((await this.db.getRepository(ProjectEntity).findBy({ tenantId: filter.tenant.id })).map((p) => [p.id, p.name]));
    return rows
      .filter((r) => (!filter.selector || matchesSelector(filter.selector, r.labels)) && (!filter.phase || r.phase === filter.phase))
      .map((r) => ({ instance: r, tenant: filter.tenant.name, project: projects.get(r.projectId) ?? '?' }))
      .sort((a, b) => a.project.localeCompare(b.project) || a.instance.name.localeCompare(b.instance.name));
  }

  /**
   * One page of `list`, in the same order, with the total and the count per phase of everything that matches. Without a
   * selector the database pages and counts, so a page of a fleet of thousands reads one page of rows.
   */
  async page(filter: Filter, page: { limit: number; offset: number }): Promise<{ views: InstanceView[]; total: number; counts: Record<string, number> }> {
    if (filter.selector) {
      // Labels are JSON: matched here, so every row of the scope is read.
      const all = await this.list(filter);
      const counts: Record<string, number> = {};
      for (const v of all) counts[v.instance.phase] = (counts[v.instance.phase] ?? 0) + 1;
      return { views: all.slice(page.offset, page.offset + page.limit), total: all.length, counts };
    }
    const repo = this.db.getRepository(InstanceEntity);
    const scoped = () => {
      const q = repo.createQueryBuilder('i').where('i.tenantId = :tenant AND i.nameKey IS NOT NULL', { tenant: filter.tenant.id });
      if (filter.project) q.andWhere('i.projectId = :project', { project: filter.project.id });
      return q;
    };
    const grouped = await scoped().select('i.phase', 'phase').addSelect('COUNT(*)', 'n').groupBy('i.phase').getRawMany<{ phase: string; n: string | number }>();
    const counts = Object.fromEntries(grouped.map((g) => [g.phase, Number(g.n)]));
    const matching = scoped();
    if (filter.phase) matching.andWhere('i.phase = :phase', { phase: filter.phase });
    const rows = await matching
      .innerJoin(ProjectEntity.options.name, 'p', 'p.id = i.projectId')
      .orderBy('p.name', 'ASC')
      .addOrderBy('i.name', 'ASC')
      .offset(page.offset)
      .limit(page.limit)
      .getMany();
    const projects = new Map((await this.db.getRepository(ProjectEntity).findBy({ id: In([...new Set(rows.map((r) => r.projectId))]) })).map((p) => [p.id, p.name]));
    const total = filter.phase ? (counts[filter.phase] ?? 0) : Object.values(counts).reduce((a, b) => a + b, 0);
    return { views: rows.map((r) => ({ instance: r, tenant: filter.tenant.name, project: projects.get(r.projectId) ?? '?' })), total, counts };
  }

  refOf(view: InstanceView): InstanceRef {
    return { id: view.instance.id, tenant: view.tenant, project: view.project, name: view.instance.name };
  }

  async logs(view: InstanceView, options: { tail?: number; sinceSeconds?: number; previous?: boolean }): Promise<string[]> {
    try {
      return await this.runtime.logs(this.refOf(view), options);
    } catch (error) {
      throw runtimeUnavailable(error);
    }
  }

  async events(view: InstanceView): Promise<MergedEvent[]> {
    const own = (await this.history.list(view.instance.id)).map<MergedEvent>((e) => ({ at: e.occurredAt, type: e.type, reason: e.reason, message: e.message, count: 1, source: 'control-plane' }));
    let theirs: RuntimeEvent[] = [];
    try {
      theirs = await this.runtime.events(this.refOf(view));
    } catch (error) {
      throw runtimeUnavailable(error);
    }
    return [...own, ...theirs.map<MergedEvent>((e) => ({ ...e, source: 'runtime' }))].sort((a, b) => a.at.getTime() - b.at.getTime());
  }

  /**
   * Waits until the instance reaches what its desired state means (Running and ready, Stopped, Destroyed) or Failed,
   * reporting each change of phase or reason; returns the last state seen (also on timeout).
   */
  async waitFor(instanceId: string, timeoutMs: number, onProgress: (instance: Instance) => void, signal: AbortSignal): Promise<{ instance: Instance; done: boolean }> {
    const { instances, done } = await this.waitForAll([instanceId], timeoutMs, onProgress, signal);
    return { instance: instances.get(instanceId)!, done };
  }

  /**
   * waitFor for many instances at once, with one query per tick for those still unsettled (a batch over a thousand
   * instances must not poll a thousand times). Reports each change with how many have settled so far.
   */
  async waitForAll(
    instanceIds: readonly string[], timeoutMs: number, onProgress: (instance: Instance, settled: number) => void, signal: AbortSignal,
  ): Promise<{ instances: Map<string, Instance>; done: boolean }> {
    const deadline = Date.now() + timeoutMs;
    const instances = new Map<string, Instance>();
    const seen = new Map<string, string>();
    const settled = new Set<string>();
    let unsettled = [...new Set(instanceIds)];
    for (;;) {
      for (const instance of await this.getMany(unsettled)) instances.set(instance.id, instance);
      for (const id of unsettled) {
        const instance = instances.get(id);
        if (instance && isSettled(instance)) settled.add(id);
      }
      for (const id of unsettled) {
        const instance = instances.get(id);
        if (!instance) continue;
        // The message carries what the runtime is doing ("installing openclaw@..."), so it counts as progress too.
        const key = `${instance.phase}/${instance.reason ?? ''}/${instance.ready}/${instance.message ?? ''}`;
        if (seen.get(id) !== key) {
          seen.set(id, key);
          onProgress(instance, settled.size);
        }
      }
      unsettled = unsettled.filter((id) => !settled.has(id) && instances.has(id));
      if (unsettled.length === 0) return { instances, done: true };
      if (Date.now() >= deadline || signal.aborted) return { instances, done: false };
      await sleep(250, signal);
    }
  }

  private async getMany(ids: readonly string[]): Promise<Instance[]> {
    const repo = this.db.getRepository(InstanceEntity);
    const rows: Instance[] = [];
    // Bounded IN lists: SQLite and MariaDB both cope, and a query stays cheap to plan.
    for (let i = 0; i < ids.length; i += 500) rows.push(...(await repo.findBy({ id: In(ids.slice(i, i + 500)) })));
    return rows;
  }
}

/** Desired state reached, or (for a start) Failed; a stop or destroy of a failed instance is settled only when done. */
export function isSettled(i: Instance): boolean {
  if (i.phase === 'Failed' && i.desiredPhase === 'Running' && i.reconciledGeneration >= i.generation) return true;
  if (i.observedGeneration < i.generation) return false;
  switch (i.desiredPhase) {
    case 'Running': return i.phase === 'Running' && i.ready;
    case 'Stopped': return i.phase === 'Stopped';
    case 'Destroyed': return i.phase === 'Destroyed';
  }
}

function validateLabels(labels: Record<string, string>): void {
  for (const [key, value] of Object.entries(labels)) {
    const reason = !LABEL_KEY.test(key)
      ? { en: `"${key}" is not a valid label key`, zh: `"${key}" 不是有效的标签键` }
      : key.startsWith('clusterclaw.io/') || key.startsWith('app.kubernetes.io/')
        ? { en: `"${key}" is reserved for the control plane`, zh: `"${key}" 为控制平面保留` }
        : !LABEL_VALUE.test(value)
          ? { en: `"${value}" is not a valid label value`, zh: `"${value}" 不是有效的标签值` }
          : null;
    if (reason) throw new ClawError('CLAW_ARG_INVALID', { what: '--label', reason });
  }
}

/** For checks before the runtime allocated anything: the adapter's files are validated, not written. */
function placeholderTarget() {
  return { kind: 'process' as const, port: 18789, bind: 'loopback' as const, configDir: '/tmp/claw/config', dataDir: '/tmp/claw/data', logFile: '/tmp/claw/logs/claw.log', filesDir: '/tmp/claw/generated' };
}

/** Serialises quota decisions of one tenant across replicas (MySQL row lock); SQLite transactions are serial already. */
async function lockTenant(em: EntityManager, tenantId: string): Promise<void> {
  const type = em.connection.options.type;
  if (type === 'mysql' || type === 'mariadb') await em.query('SELECT id FROM tenants WHERE id = ? FOR UPDATE', [tenantId]);
}

function runtimeUnavailable(error: unknown): ClawError {
  const detail = error instanceof RuntimeError ? error.message : 'the runtime did not answer';
  return new ClawError('CLAW_RUNTIME_UNAVAILABLE', { detail });
}
