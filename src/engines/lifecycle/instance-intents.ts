// Changes of intent for instances (create, start, stop, restart, destroy, update): checked, then written to the database
// with a bumped generation for the reconciler to act on; quota and runtime-isolation checks guard them.
import { IsNull, Not, type DataSource, type EntityManager } from 'typeorm';
import { ClawError } from '../../errors/claw-error.js';
import { podTarget } from '../../runtime/claw-layout.js';
import type { Runtime, TenantQuota } from '../../runtime/runtime.js';
import { InstanceEntity, instanceNameKey, type Instance } from '../../store/entities/instance.js';
import { ProjectEntity, type Project } from '../../store/entities/project.js';
import { TenantEntity, type Tenant } from '../../store/entities/tenant.js';
import type { SecretBox } from '../../store/secret-box.js';
import { isUniqueViolation } from '../../store/unique-violation.js';
import { newId, randomToken } from '../../util/ids.js';
import type { AdapterRegistry } from '../adapters/adapter-registry.js';
import type { ConfigStore, VariableScopeRef } from '../config/config-store.js';
import type { TemplateCatalog } from '../config/template-catalog.js';
import type { InstanceEvents } from './instance-events.js';
import { checkInstanceLabels } from './instance-labels.js';
import { askOf, checkQuota, effectiveQuota, tenantUsage } from './quota.js';
import { configProblemsError, type WorkloadBuilder } from './workload-builder.js';

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

/** What intents need besides the database: each field is one collaborator of the lifecycle engine, passed through. */
export interface InstanceIntentsDeps {
  db: DataSource;
  runtime: Runtime;
  adapters: AdapterRegistry;
  configs: ConfigStore;
  builder: WorkloadBuilder;
  secrets: SecretBox;
  history: InstanceEvents;
  defaults: InstanceDefaults;
  quotaDefaults: TenantQuota;
  /** Called after every change of intent; the engine forwards it to whatever `onChange` is set to at the time. */
  changed: (instanceId: string) => void;
}

const KIND_INSTANCE = { en: 'Instance', zh: '实例' };
/** Service names are DNS-1035 labels of at most 63 characters: `claw-<project>-<name>`. */
const MAX_BASE_NAME = 63;

export class InstanceIntents {
  constructor(private readonly deps: InstanceIntentsDeps) {}

  quotaOf(tenant: Tenant): TenantQuota {
    return effectiveQuota(tenant, this.deps.quotaDefaults);
  }

  /** After a quota change: reconcile the tenant's instances, which re-applies the quota (ResourceQuota) to the runtime. */
  async touchTenant(tenant: Tenant): Promise<void> {
    const repo = this.deps.db.getRepository(InstanceEntity);
    const where = { tenantId: tenant.id, nameKey: Not(IsNull()) };
    // Marked changed in the database, so the leader's change poll picks them up when another replica served this.
    await repo.update(where, { updatedAt: new Date() });
    for (const row of await repo.find({ select: { id: true }, where })) this.deps.changed(row.id);
  }

  async create(input: CreateInput): Promise<Instance> {
    const { adapters, configs, defaults, secrets } = this.deps;
    const type = input.type ?? defaults.type;
    const adapter = adapters.get(type);
    this.assertRunsType(type);
    const version = input.version ?? adapter.defaultVersion;
    const versionProblem = adapter.checkVersion(version);
    if (versionProblem) throw new ClawError('CLAW_ARG_INVALID', { what: '--version', reason: versionProblem });
    // A new claw starts from the newest config (head), published or not: it has no running config to protect.
    const head = await configs.head();
    const templates = await configs.catalogAt(head);
    const templateName = input.template ?? this.defaultTemplate(type, templates);
    const template = templates.get(templateName);
    if (template.type !== type) {
      throw new ClawError('CLAW_ARG_INVALID', { what: '--template', reason: { en: `template ${templateName} is for ${template.type}, not ${type}`, zh: `模板 ${templateName} 适用于 ${template.type}，不适用于 ${type}` } });
    }
    if (`claw-${input.project.name}-${input.name}`.length > MAX_BASE_NAME) {
      throw new ClawError('CLAW_ARG_INVALID', {
        what: { en: 'argument NAME', zh: '参数 NAME' },
        reason: { en: `project and instance names together may have at most ${MAX_BASE_NAME - 6} characters`, zh: `项目名与实例名合计最多 ${MAX_BASE_NAME - 6} 个字符` },
      });
    }
    checkInstanceLabels(input.labels);
    const now = new Date();
    const instance: Instance = {
      id: newId(), tenantId: input.tenant.id, projectId: input.project.id, name: input.name, nameKey: instanceNameKey(input.project.id, input.name),
      type, version, template: templateName, configVersion: head, valuesVersion: head,
      labels: input.labels, cpu: input.cpu ?? defaults.cpu, memory: input.memory ?? defaults.memory, storage: input.storage ?? defaults.storage,
      desiredPhase: 'Running', generation: 1, restartGeneration: 0, stopForce: false, keepData: false, gatewayToken: secrets.seal(randomToken(48)),
      phase: 'Creating', ready: false, restarts: 0, reason: 'Pending', message: null, node: null, endpoint: null, startedAt: null, lastTransitionAt: now,
      observedGeneration: 0, reconciledGeneration: 0, observedRestartGeneration: 0, troubleSince: null, createdAt: now, createdBy: input.createdBy, updatedAt: now, destroyedAt: null,
    };
    // Invalid config is refused now, with the adapter's words, rather than found by the reconciler later.
    const ref = { id: instance.id, tenant: input.tenant.name, project: input.project.name, name: input.name };
    const config = await configs.resolve(instance, undefined, { set: input.set });
    const problems = this.deps.builder.check(instance, ref, podTarget(adapter.layout.pod), config);
    if (problems.length) throw configProblemsError(problems);

    this.assertRunsHere(input.tenant);
    await this.deps.db.transaction(async (em) => {
      await lockTenant(em, input.tenant.id);
      checkQuota(input.tenant, this.quotaOf(input.tenant), await tenantUsage(em, input.tenant.id), askOf(instance, 'create'));
      try {
        await em.getRepository(InstanceEntity).insert(instance);
      } catch (error) {
        if (isUniqueViolation(error)) throw new ClawError('CLAW_CONFLICT_EXISTS', { kind: KIND_INSTANCE, name: `${input.project.name}/${input.name}` });
        throw error;
      }
      // Its own values are a config version like any other change (history, diff, rollback); it runs that version.
      const valuesVersion = Object.keys(input.set).length
        ? await configs.set(this.scopeOf(instance, `${input.tenant.name}/${input.project.name}/${input.name}`), input.set, input.createdBy, `claw create ${input.name}`, em)
        : null;
      if (valuesVersion !== null) {
        instance.configVersion = instance.valuesVersion = valuesVersion;
        await em.getRepository(InstanceEntity).update({ id: instance.id }, { configVersion: valuesVersion, valuesVersion });
      }
    });
    await this.deps.history.record(instance.id, 'Normal', 'Created', `created by ${input.createdBy} (${type} ${version}, template ${templateName})`);
    this.deps.changed(instance.id);
    return instance;
  }

  async start(instance: Instance, by: string): Promise<Instance> {
    if (instance.desiredPhase === 'Running') return instance;
    assertExists(instance);
    return this.changeIntent(instance, async (em, fresh) => {
      const tenant = await em.getRepository(TenantEntity).findOneByOrFail({ id: fresh.tenantId });
      this.assertRunsHere(tenant);
      this.assertRunsType(fresh.type);
      checkQuota(tenant, this.quotaOf(tenant), await tenantUsage(em, tenant.id, fresh.id), askOf(fresh, 'start'));
      return { desiredPhase: 'Running', stopForce: false };
    }, 'StartRequested', `start requested by ${by}`);
  }

  async stop(instance: Instance, force: boolean, by: string): Promise<Instance> {
    assertExists(instance);
    if (instance.desiredPhase === 'Stopped' && (instance.stopForce || !force)) return instance;
    return this.changeIntent(instance, async () => ({ desiredPhase: 'Stopped', stopForce: force }), force ? 'KillRequested' : 'StopRequested', `${force ? 'forced stop' : 'stop'} requested by ${by}`);
  }

  async restart(instance: Instance, by: string): Promise<Instance> {
    assertExists(instance);
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
    assertExists(instance);
    checkInstanceLabels(input.labels);
    const adapter = this.deps.adapters.get(instance.type);
    if (input.version) {
      const problem = adapter.checkVersion(input.version);
      if (problem) throw new ClawError('CLAW_ARG_INVALID', { what: '--version', reason: problem });
    }
    const next: Partial<Instance> = {
      version: input.version ?? instance.version,
      cpu: input.cpu ?? instance.cpu,
      memory: input.memory ?? instance.memory,
      labels: { ...instance.labels, ...input.labels },
    };
    const changesValues = Object.keys(input.set).length > 0 || input.unset.length > 0;
    // Its own values now (staged ones included: `update --set` publishes them to this claw) with the change applied,
    // on the shared config it runs: other people's unpublished shared changes do not ride along.
    const at = { config: instance.configVersion, values: changesValues ? await this.deps.configs.head() : instance.valuesVersion };
    const config = await this.deps.configs.resolve(instance, at, { set: input.set, unset: input.unset });
    const ref = { id: instance.id, tenant: '-', project: '-', name: instance.name };
    const problems = this.deps.builder.check({ ...instance, ...next } as Instance, ref, podTarget(adapter.layout.pod), config);
    if (problems.length) throw configProblemsError(problems);
    return this.changeIntent(instance, async (em, fresh) => {
      if (fresh.desiredPhase === 'Running' && (next.cpu !== fresh.cpu || next.memory !== fresh.memory)) {
        const tenant = await em.getRepository(TenantEntity).findOneByOrFail({ id: fresh.tenantId });
        checkQuota(tenant, this.quotaOf(tenant), await tenantUsage(em, tenant.id, fresh.id), askOf({ ...fresh, ...next } as Instance, 'start'));
      }
      if (!changesValues) return next;
      const scope = this.scopeOf(fresh, await pathOf(em, fresh));
      const unset = input.unset.length ? await this.deps.configs.unset(scope, input.unset, by, `claw update ${instance.name}`, em) : null;
      const set = Object.keys(input.set).length ? await this.deps.configs.set(scope, input.set, by, `claw update ${instance.name}`, em) : null;
      return { ...next, valuesVersion: set ?? unset ?? (await this.deps.configs.head(em)) };
    }, 'Updated', `spec updated by ${by}`);
  }

  /**
   * Moves instances to config versions (a rollout's step, a rollback, `claw config publish` of one claw): the template
   * and shared variables at `at.config`, its own values at `at.values`; the reconciler rebuilds and hot-applies or
   * restarts. Nothing happens for an instance already there.
   */
  async applyConfig(instance: Instance, at: { config: number; values: number }, by: string): Promise<Instance> {
    assertExists(instance);
    if (instance.configVersion === at.config && instance.valuesVersion === at.values) return instance;
    return this.changeIntent(instance, async () => ({ configVersion: at.config, valuesVersion: at.values }), 'ConfigVersion', `config v${at.config}${at.values !== at.config ? ` (own values v${at.values})` : ''} applied by ${by}`);
  }

  /** An instance as a scope of variables. */
  scopeOf(instance: Pick<Instance, 'id' | 'tenantId' | 'template'>, name: string): VariableScopeRef {
    return { scope: 'instance', id: instance.id, name, tenantId: instance.tenantId, template: instance.template };
  }

  /**
   * Without --template: the configured default when it is for this type, else the template named after the type
   * (`claw create x --type nanoclaw` uses configs/templates/nanoclaw.yaml).
   */
  private defaultTemplate(type: string, templates: TemplateCatalog): string {
    const { defaults } = this.deps;
    if (templates.get(defaults.template).type === type || !templates.names().includes(type)) return defaults.template;
    return type;
  }

  /** A claw type whose layout this runtime cannot run (NanoClaw on the local runtime) is refused with the adapter's reason. */
  private assertRunsType(type: string): void {
    const reason = this.deps.runtime.unsupported(this.deps.adapters.get(type).layout);
    if (reason) throw new ClawError('CLAW_RUNTIME_TYPE_UNSUPPORTED', { type, runtime: this.deps.runtime.kind, reason });
  }

  /** A runtime that cannot isolate claws runs only some tenants' (the local runtime without root or bubblewrap). */
  private assertRunsHere(tenant: Tenant): void {
    const { tenants, reason } = this.deps.runtime.isolation();
    if (tenants && !tenants.includes(tenant.name)) throw new ClawError('CLAW_RUNTIME_RESTRICTED', { tenant: tenant.name, reason: reason ?? { en: '', zh: '' } });
  }

  /** Applies a change of intent in a transaction, bumps the generation, records an event and wakes the reconciler. */
  private async changeIntent(
    instance: Instance,
    change: (em: EntityManager, fresh: Instance) => Promise<Partial<Instance>>,
    reason: string,
    message: string,
  ): Promise<Instance> {
    const updated = await this.deps.db.transaction(async (em) => {
      await lockTenant(em, instance.tenantId);
      const repo = em.getRepository(InstanceEntity);
      const fresh = await repo.findOneByOrFail({ id: instance.id });
      const changes = { ...(await change(em, fresh)), generation: fresh.generation + 1, updatedAt: new Date() };
      await repo.update({ id: fresh.id }, changes);
      return { ...fresh, ...changes } as Instance;
    });
    await this.deps.history.record(instance.id, 'Normal', reason, message);
    this.deps.changed(instance.id);
    return updated;
  }
}

/** `tenant/project/name`, as history shows an instance's own changes. */
async function pathOf(em: EntityManager, instance: Instance): Promise<string> {
  const [tenant, project] = await Promise.all([
    em.getRepository(TenantEntity).findOneBy({ id: instance.tenantId }),
    em.getRepository(ProjectEntity).findOneBy({ id: instance.projectId }),
  ]);
  return `${tenant?.name ?? '?'}/${project?.name ?? '?'}/${instance.name}`;
}

function assertExists(instance: Instance): void {
  if (instance.desiredPhase === 'Destroyed') {
    throw new ClawError('CLAW_INSTANCE_STATE', { detail: { en: `${instance.name} is being destroyed.`, zh: `${instance.name} 正在被销毁。` } });
  }
}

/** Serialises quota decisions of one tenant across replicas (MySQL row lock); SQLite transactions are serial already. */
async function lockTenant(em: EntityManager, tenantId: string): Promise<void> {
  const type = em.connection.options.type;
  if (type === 'mysql' || type === 'mariadb') await em.query('SELECT id FROM tenants WHERE id = ? FOR UPDATE', [tenantId]);
}
