// Reading instances for commands: lookups and listings from the database, logs and events from the runtime.
import { In, IsNull, Not, type DataSource } from 'typeorm';
import { ClawError } from '../../errors/claw-error.js';
import { matchesSelector, type Selector } from '../../model/values/selector.js';
import type { ResourceUsage, Runtime, RuntimeEvent, RuntimeIsolation } from '../../runtime/runtime.js';
import type { Text } from '../../i18n/locale.js';
import { RuntimeError } from '../../runtime/runtime.js';
import type { InstanceRef } from '../../runtime/workload.js';
import { InstanceEntity, instanceNameKey, type Instance, type InstancePhase } from '../../store/entities/instance.js';
import { ProjectEntity, type Project } from '../../store/entities/project.js';
import type { Tenant } from '../../store/entities/tenant.js';
import type { InstanceEvents } from './instance-events.js';
import { tenantUsage } from './quota.js';

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

export class InstanceQueries {
  constructor(
    private readonly db: DataSource,
    private readonly runtime: Runtime,
    private readonly history: InstanceEvents,
  ) {}

  async usageOf(tenant: Tenant) {
    return tenantUsage(this.db.manager, tenant.id);
  }

  /** How the runtime isolates claws; `claw status` shows it when it is weaker than it could be. */
  isolation(): RuntimeIsolation {
    return this.runtime.isolation();
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

  /** CPU and memory the running instances among `views` use now; a missing entry is a claw without a sample yet. */
  async resourceUse(views: readonly InstanceView[]): Promise<{ available: true; byInstance: Map<string, ResourceUsage> } | { available: false; reason: Text }> {
    const running = views.filter((v) => v.instance.phase === 'Running');
    if (running.length === 0) return { available: true, byInstance: new Map() };
    try {
      return await this.runtime.usage(running.map((v) => this.refOf(v)));
    } catch (error) {
      throw runtimeUnavailable(error);
    }
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
}

function runtimeUnavailable(error: unknown): ClawError {
  const detail = error instanceof RuntimeError ? error.message : 'the runtime did not answer';
  return new ClawError('CLAW_RUNTIME_UNAVAILABLE', { detail });
}
