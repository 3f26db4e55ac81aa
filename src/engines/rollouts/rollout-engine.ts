// Rollouts as commands see them: plan (check every claw, assign waves), create, pause, resume (promotes a waiting
// canary), abort, read. The leader's driver moves them along (rollout-steps.ts); nothing here waits for a claw.
import { In, type DataSource, type EntityManager } from 'typeorm';
import { ClawError } from '../../errors/claw-error.js';
import type { Text } from '../../i18n/locale.js';
import type { ChatOrigin } from '../../model/chat-origin.js';
import type { Instance } from '../../store/entities/instance.js';
import type { Project } from '../../store/entities/project.js';
import { ProjectEntity } from '../../store/entities/project.js';
import { RolloutTargetEntity, type RolloutTarget } from '../../store/entities/rollout-target.js';
import { ACTIVE_ROLLOUT_STATES, RolloutEntity, type Rollout, type RolloutKind, type RolloutState, type RolloutStrategy } from '../../store/entities/rollout.js';
import { TenantEntity, type Tenant } from '../../store/entities/tenant.js';
import { isUniqueViolation } from '../../store/unique-violation.js';
import type { Logger } from '../../util/logger.js';
import { silentLogger } from '../../util/logger.js';
import type { ConfigProblem } from '../adapters/claw-adapter.js';
import type { ConfigAt, ConfigStore } from '../config/config-store.js';
import type { ConfigEffect } from '../lifecycle/config-preview.js';
import type { InstanceView, LifecycleEngine } from '../lifecycle/lifecycle-engine.js';
import { assignWaves, type CanarySpec, type CountSpec } from './rollout-plan.js';
import { RolloutSteps, type StepResult } from './rollout-steps.js';

export const ROLLOUT_STATE_TEXT: Record<RolloutState, Text> = {
  Progressing: { en: 'Progressing', zh: '进行中' },
  Paused: { en: 'Paused', zh: '已暂停' },
  AwaitingPromotion: { en: 'Awaiting promotion', zh: '等待推进' },
  RollingBack: { en: 'Rolling back', zh: '回滚中' },
  Completed: { en: 'Completed', zh: '已完成' },
  Aborted: { en: 'Aborted', zh: '已中止' },
  RolledBack: { en: 'Rolled back', zh: '已回滚' },
  Failed: { en: 'Failed', zh: '失败' },
};

/** A rollout with what its card and `claw rollout status` show: its claws and the names of its scope. */
export interface RolloutCardData {
  rollout: Rollout;
  targets: RolloutTarget[];
  tenant: string;
  /** The project every claw is in, when they share one. */
  project: string | null;
}

/** Tells chats about a rollout; supplied by the channels (src/channels/rollout-cards.ts). */
export interface RolloutNotifier {
  /** Posts the card to the chat the rollout was started from; false when there is none (API, CLI) or it cannot. */
  opened(card: RolloutCardData): Promise<boolean>;
  /** Updates the card in place. */
  changed(card: RolloutCardData): Promise<void>;
}

export interface PlannedTarget {
  view: InstanceView;
  /** The versions it runs now, and the ones it moves to. */
  from: ConfigAt;
  to: ConfigAt;
  wave: number;
  expected: ConfigEffect;
}

export interface RolloutPlan {
  targets: PlannedTarget[];
  /** Claws already at their destination: nothing to do. */
  unchanged: InstanceView[];
  /** The number of the last wave (0 with only a canary). */
  waves: number;
}

export interface PlanInput {
  views: readonly InstanceView[];
  /** Where each claw goes: one version for all, or per claw (undoing a rollout); null leaves it out. */
  to: ConfigAt | ((view: InstanceView) => ConfigAt | null);
  canary: CanarySpec | null;
  maxUnavailable: CountSpec;
  /** The version people asked for, for the error that lists problems. */
  version: number | string;
}

export interface CreateInput {
  tenant: Tenant;
  kind: RolloutKind;
  /** The versions every claw moves to (null when each goes back to its own). */
  to: ConfigAt | null;
  undoes?: number;
  selection: string;
  strategy: RolloutStrategy;
  plan: RolloutPlan;
  createdBy: string;
  message?: string;
  /** The chat the command came from: the card goes there. */
  chat?: ChatOrigin;
}

export interface RolloutsEngineOptions {
  db: DataSource;
  lifecycle: LifecycleEngine;
  configs: ConfigStore;
  logger?: Logger;
  now?: () => Date;
}

/** Claws checked at once before a publish: each check builds its config twice, which is CPU, not waiting. */
const PREVIEW_CONCURRENCY = 8;
/** The most problems an error lists; the rest are counted. */
const MAX_PROBLEMS = 10;

export class RolloutsEngine {
  /** Set by the channels; without chat nothing is posted. */
  notifier: RolloutNotifier = { opened: async () => false, changed: async () => undefined };
  /** Told about every new or changed rollout, so this replica's driver (when it leads) acts at once. */
  onChange: (id: number) => void = () => undefined;
  private readonly steps: RolloutSteps;
  private readonly now: () => Date;

  constructor(private readonly o: RolloutsEngineOptions) {
    this.now = o.now ?? (() => new Date());
    this.steps = new RolloutSteps({ db: o.db, lifecycle: o.lifecycle, logger: o.logger ?? silentLogger, now: this.now });
  }

  /** The newest config version: what a publish moves claws to. */
  head(): Promise<number> {
    return this.o.configs.head();
  }

  /**
   * Checks every claw at its destination (nothing is written): the adapter's problems refuse the whole rollout; each
   * claw's effect is recorded; claws already there are left out; the rest get their waves. Refuses claws another
   * rollout holds.
   */
  async plan(input: PlanInput): Promise<RolloutPlan> {
    const moving: Array<{ view: InstanceView; from: ConfigAt; to: ConfigAt }> = [];
    const unchanged: InstanceView[] = [];
    for (const view of input.views) {
      if (view.instance.desiredPhase === 'Destroyed') continue;
      const to = typeof input.to === 'function' ? input.to(view) : input.to;
      if (!to) continue;
      const from = { config: view.instance.configVersion, values: view.instance.valuesVersion };
      if (from.config === to.config && from.values === to.values) unchanged.push(view);
      else moving.push({ view, from, to });
    }
    await this.assertFree(moving.map((m) => m.view.instance));
    const previews = await mapLimit(moving, PREVIEW_CONCURRENCY, (m) => this.o.lifecycle.previewConfig(m.view, m.to));
    const problems: Array<{ view: InstanceView; problems: ConfigProblem[] }> = [];
    previews.forEach((p, i) => {
      if (p.problems.length) problems.push({ view: moving[i]!.view, problems: p.problems });
    });
    if (problems.length) {
      const lines = problems.flatMap(({ view, problems: ps }) => ps.map((p) => `${view.project}/${view.instance.name}: ${p.path}: ${p.message}`));
      const shown = lines.slice(0, MAX_PROBLEMS).join('; ') + (lines.length > MAX_PROBLEMS ? ` (+${lines.length - MAX_PROBLEMS})` : '');
      throw new ClawError('CLAW_ROLLOUT_CONFIG', { version: String(input.version).replace(/^v/, ''), count: problems.length, problems: shown });
    }
    const waves = assignWaves(
      moving.map((m) => ({
        key: m.view.instance.id, name: m.view.instance.name, path: `${m.view.project}/${m.view.instance.name}`,
        healthy: m.view.instance.phase === 'Running' && m.view.instance.ready && m.view.instance.desiredPhase === 'Running',
      })),
      input.canary, input.maxUnavailable,
    );
    const targets = moving.map((m, i) => ({ ...m, wave: waves.get(m.view.instance.id)!, expected: previews[i]!.effect }));
    targets.sort((a, b) => a.wave - b.wave);
    return { targets, unchanged, waves: Math.max(0, ...targets.map((t) => t.wave)) };
  }

  /** Refuses claws an active rollout holds, naming it. */
  private async assertFree(instances: readonly Pick<Instance, 'id' | 'name'>[], em: EntityManager = this.o.db.manager): Promise<void> {
    if (!instances.length) return;
    const held: RolloutTarget[] = [];
    const ids = instances.map((i) => i.id);
    for (let i = 0; i < ids.length; i += 500) {
      held.push(...(await em.getRepository(RolloutTargetEntity).findBy({ activeKey: In(ids.slice(i, i + 500)) })));
    }
    if (!held.length) return;
    const rollout = await em.getRepository(RolloutEntity).findOneByOrFail({ id: held[0]!.rolloutId });
    const names = held.filter((t) => t.rolloutId === rollout.id).map((t) => t.instanceName);
    throw new ClawError('CLAW_ROLLOUT_BUSY', {
      id: rollout.id, state: ROLLOUT_STATE_TEXT[rollout.state],
      names: names.slice(0, 5).join(', ') + (names.length > 5 ? ` (+${names.length - 5})` : ''),
    });
  }

  /** Writes the rollout and its claws (holding them), posts its card, and wakes the driver. */
  async create(input: CreateInput): Promise<{ rollout: Rollout; posted: boolean }> {
    const { plan } = input;
    if (!plan.targets.length) throw new Error('a rollout needs at least one claw to move');
    const projects = new Set(plan.targets.map((t) => t.view.instance.projectId));
    const now = this.now();
    let rollout: Rollout;
    try {
      rollout = await this.o.db.transaction(async (em) => {
        await this.assertFree(plan.targets.map((t) => t.view.instance), em);
        const row: Omit<Rollout, 'id'> = {
          tenantId: input.tenant.id, projectId: projects.size === 1 ? [...projects][0]! : null, kind: input.kind,
          configVersion: input.to?.config ?? null, valuesVersion: input.to?.values ?? null, undoes: input.undoes ?? null,
          selection: input.selection.slice(0, 500), strategy: input.strategy, state: 'Progressing', wave: plan.targets[0]!.wave, waves: plan.waves,
          message: input.message ?? null, detail: null, createdBy: input.createdBy, chat: input.chat ? JSON.stringify(input.chat) : null,
          createdAt: now, updatedAt: now, finishedAt: null,
        };
        const inserted = await em.getRepository(RolloutEntity).insert(row);
        const id = Number(inserted.identifiers[0]!.id);
        await em.getRepository(RolloutTargetEntity).insert(plan.targets.map((t) => ({
          rolloutId: id, instanceId: t.view.instance.id, activeKey: t.view.instance.id, instanceName: t.view.instance.name, projectName: t.view.project,
          wave: t.wave, fromConfig: t.from.config, fromValues: t.from.values, toConfig: t.to.config, toValues: t.to.values, expected: t.expected,
          effect: null, state: 'pending' as const, generation: null, restartsBefore: null, startedBefore: null, appliedAt: null, finishedAt: null, message: null,
        })));
        return { ...row, id };
      });
    } catch (error) {
      // Another replica's rollout took one of the claws between the check and the insert: name it.
      if (isUniqueViolation(error)) await this.assertFree(plan.targets.map((t) => t.view.instance));
      throw error;
    }
    let posted = false;
    try {
      posted = await this.notifier.opened(await this.card(rollout.id));
    } catch (error) {
      this.o.logger?.warn({ err: error, rollout: rollout.id }, 'rollout card could not be posted');
    }
    this.onChange(rollout.id);
    return { rollout, posted };
  }

  async get(id: number): Promise<Rollout> {
    const rollout = await this.o.db.getRepository(RolloutEntity).findOneBy({ id });
    if (!rollout) throw notFound(id);
    return rollout;
  }

  /** A rollout with its claws (wave, then name) and scope names. */
  async card(id: number): Promise<RolloutCardData> {
    const rollout = await this.get(id);
    const targets = await this.o.db.getRepository(RolloutTargetEntity).find({ where: { rolloutId: id }, order: { wave: 'ASC', projectName: 'ASC', instanceName: 'ASC' } });
    const tenant = await this.o.db.getRepository(TenantEntity).findOneBy({ id: rollout.tenantId });
    const project = rollout.projectId ? await this.o.db.getRepository(ProjectEntity).findOneBy({ id: rollout.projectId }) : null;
    return { rollout, targets, tenant: tenant?.name ?? '?', project: project?.name ?? null };
  }

  /** Active rollouts first, then the most recent; of the tenants given (or all), optionally of one project. */
  async list(filter: { tenants: 'all' | ReadonlySet<string>; project?: Project; limit: number }): Promise<Array<Rollout & { targets: number; tenant: string }>> {
    const qb = this.o.db.getRepository(RolloutEntity).createQueryBuilder('r');
    if (filter.tenants !== 'all') {
      if (!filter.tenants.size) return [];
      qb.where('r.tenantId IN (:...tenants)', { tenants: [...filter.tenants] });
    }
    if (filter.project) qb.andWhere('r.projectId = :project', { project: filter.project.id });
    const active = await qb.clone().andWhere('r.state IN (:...active)', { active: [...ACTIVE_ROLLOUT_STATES] }).orderBy('r.id', 'DESC').take(filter.limit).getMany();
    const recent = await qb.clone().andWhere('r.state NOT IN (:...active)', { active: [...ACTIVE_ROLLOUT_STATES] }).orderBy('r.id', 'DESC').take(Math.max(0, filter.limit - active.length)).getMany();
    const rows = [...active, ...recent];
    if (!rows.length) return [];
    const counts = await this.o.db.getRepository(RolloutTargetEntity).createQueryBuilder('t').select('t.rolloutId', 'id').addSelect('COUNT(*)', 'n')
      .where('t.rolloutId IN (:...ids)', { ids: rows.map((r) => r.id) }).groupBy('t.rolloutId').getRawMany<{ id: number | string; n: number | string }>();
    const byId = new Map(counts.map((c) => [Number(c.id), Number(c.n)]));
    const tenants = new Map((await this.o.db.getRepository(TenantEntity).findBy({ id: In([...new Set(rows.map((r) => r.tenantId))]) })).map((t) => [t.id, t.name]));
    return rows.map((r) => ({ ...r, targets: byId.get(r.id) ?? 0, tenant: tenants.get(r.tenantId) ?? '?' }));
  }

  /** Stops moving claws after the ones moving now; `claw rollout resume` goes on. */
  async pause(id: number, by: string): Promise<{ rollout: Rollout; changed: boolean }> {
    const rollout = await this.get(id);
    if (rollout.state === 'Paused') return { rollout, changed: false };
    if (rollout.state !== 'Progressing') {
      throw stateError(rollout, rollout.state === 'AwaitingPromotion'
        ? { en: 'it already waits for promotion: `claw rollout resume` promotes it, `claw rollout abort` stops it', zh: '它已在等待推进：`claw rollout resume` 推进，`claw rollout abort` 中止' }
        : { en: 'only a progressing rollout can be paused', zh: '只有进行中的发布可以暂停' });
    }
    return this.transition(rollout, ['Progressing'], { state: 'Paused', detail: { en: `paused by ${by}`, zh: `由 ${by} 暂停` } });
  }

  /** Goes on after a pause; promotes a canary that waits for it (the next wave starts). */
  async resume(id: number, by: string): Promise<{ rollout: Rollout; changed: boolean }> {
    const rollout = await this.get(id);
    if (rollout.state === 'Progressing') return { rollout, changed: false };
    if (rollout.state === 'Paused') return this.transition(rollout, ['Paused'], { state: 'Progressing', detail: { en: `resumed by ${by}`, zh: `由 ${by} 恢复` } });
    if (rollout.state === 'AwaitingPromotion') {
      const next = await this.steps.nextWave(rollout);
      const detail = { en: `canary promoted by ${by}`, zh: `由 ${by} 推进金丝雀` };
      if (next === null) return this.finish(rollout, ['AwaitingPromotion'], 'Completed', detail);
      return this.transition(rollout, ['AwaitingPromotion'], { state: 'Progressing', wave: next, detail });
    }
    throw stateError(rollout, { en: 'it has ended; start a new publish or rollback', zh: '它已结束；请重新发布或回滚' });
  }

  /** Stops where it is: claws moved so far keep their new config, the rest are never moved. */
  async abort(id: number, by: string): Promise<{ rollout: Rollout; changed: boolean; moved: number; untouched: number }> {
    const rollout = await this.get(id);
    if (rollout.state === 'RollingBack') throw stateError(rollout, { en: 'it is rolling back already and will end by itself', zh: '它已在回滚，会自行结束' });
    if (!ACTIVE_ROLLOUT_STATES.includes(rollout.state)) throw stateError(rollout, { en: 'it has ended already', zh: '它已经结束' });
    const targets = await this.o.db.getRepository(RolloutTargetEntity).findBy({ rolloutId: id });
    const moved = targets.filter((t) => t.state !== 'pending' && t.state !== 'skipped').length;
    const untouched = targets.filter((t) => t.state === 'pending').length;
    const version = rollout.configVersion !== null ? `v${rollout.configVersion}` : { en: 'their new config', zh: '新配置' };
    const v = (l: 'en' | 'zh') => (typeof version === 'string' ? version : version[l]);
    const result = await this.finish(rollout, ['Progressing', 'Paused', 'AwaitingPromotion'], 'Aborted', {
      en: `aborted by ${by}: ${moved} claw(s) moved keep ${v('en')}, ${untouched} never moved`,
      zh: `由 ${by} 中止：已变更的 ${moved} 个实例保持 ${v('zh')}，${untouched} 个未变更`,
    });
    return { ...result, moved, untouched };
  }

  /** Ids of the rollouts the driver works on. */
  async activeIds(): Promise<number[]> {
    const rows = await this.o.db.getRepository(RolloutEntity).find({ select: { id: true }, where: { state: In([...ACTIVE_ROLLOUT_STATES]) }, order: { id: 'ASC' } });
    return rows.map((r) => r.id);
  }

  /** One idempotent step of one rollout (the driver's tick); reads everything from the database. */
  step(id: number): Promise<StepResult> {
    return this.steps.step(id);
  }

  /**
   * What undoing rollout N means: each claw it moved that still runs what N gave it goes back to what it ran before
   * (a claw moved since by something else is left alone).
   */
  async undoPlanOf(id: number): Promise<{ rollout: Rollout; views: InstanceView[]; to: (view: InstanceView) => ConfigAt | null }> {
    const { rollout, targets, tenant } = await this.card(id);
    const moved = targets.filter((t) => t.state === 'applying' || t.state === 'healthy' || t.state === 'failed');
    const views: InstanceView[] = [];
    for (const t of moved) {
      const instance = await this.o.lifecycle.get(t.instanceId);
      if (instance && instance.desiredPhase !== 'Destroyed') views.push({ instance, tenant, project: t.projectName });
    }
    const byId = new Map(moved.map((t) => [t.instanceId, t]));
    return {
      rollout, views,
      to: (view) => {
        const t = byId.get(view.instance.id);
        if (!t || view.instance.configVersion !== t.toConfig || view.instance.valuesVersion !== t.toValues) return null;
        return { config: t.fromConfig, values: t.fromValues };
      },
    };
  }

  private async transition(rollout: Rollout, from: RolloutState[], change: Partial<Rollout>): Promise<{ rollout: Rollout; changed: boolean }> {
    const now = this.now();
    const result = await this.o.db.getRepository(RolloutEntity).update({ id: rollout.id, state: In(from) }, { ...change, updatedAt: now });
    if (!result.affected) {
      const fresh = await this.get(rollout.id);
      throw stateError(fresh, { en: 'it changed meanwhile; look again', zh: '它刚刚发生了变化，请重新查看' });
    }
    await this.changed(rollout.id);
    return { rollout: { ...rollout, ...change, updatedAt: now }, changed: true };
  }

  private async finish(rollout: Rollout, from: RolloutState[], state: RolloutState, detail: Text): Promise<{ rollout: Rollout; changed: boolean }> {
    const now = this.now();
    const ok = await this.o.db.transaction(async (em) => {
      const result = await em.getRepository(RolloutEntity).update({ id: rollout.id, state: In(from) }, { state, detail, updatedAt: now, finishedAt: now });
      if (!result.affected) return false;
      await em.getRepository(RolloutTargetEntity).update({ rolloutId: rollout.id }, { activeKey: null });
      return true;
    });
    if (!ok) throw stateError(await this.get(rollout.id), { en: 'it changed meanwhile; look again', zh: '它刚刚发生了变化，请重新查看' });
    await this.changed(rollout.id);
    return { rollout: { ...rollout, state, detail, updatedAt: now, finishedAt: now }, changed: true };
  }

  /** Updates the card now (this replica served the command) and wakes the driver. */
  private async changed(id: number): Promise<void> {
    try {
      await this.notifier.changed(await this.card(id));
    } catch (error) {
      this.o.logger?.warn({ err: error, rollout: id }, 'rollout card could not be updated');
    }
    this.onChange(id);
  }
}

function notFound(id: number): ClawError {
  return new ClawError('CLAW_NOT_FOUND', { kind: { en: 'Rollout', zh: '发布' }, name: String(id) }, { hint: { en: 'See `claw rollout status`.', zh: '参见 `claw rollout status`。' } });
}

function stateError(rollout: Rollout, detail: Text): ClawError {
  return new ClawError('CLAW_ROLLOUT_STATE', { id: rollout.id, state: ROLLOUT_STATE_TEXT[rollout.state], detail });
}

/** Runs `fn` over `items` with at most `limit` at once, results in order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
