// One step of a rollout, as the leader's driver takes them: reads the rollout, its claws and their instances from the
// database every time, judges the moved claws, then moves the next ones, promotes, completes or rolls back. Every
// write is a compare-and-swap on the state it read, so a step cut off anywhere (a crash, a new leader) is finished by
// the next one without moving any claw twice; a pause or abort from any replica wins over a step in flight.
import { In, type DataSource } from 'typeorm';
import { ClawError } from '../../errors/claw-error.js';
import type { Text } from '../../i18n/locale.js';
import { InstanceEntity, type Instance } from '../../store/entities/instance.js';
import { RolloutTargetEntity, type RolloutTarget, type RolloutTargetState } from '../../store/entities/rollout-target.js';
import { ACTIVE_ROLLOUT_STATES, RolloutEntity, type Rollout, type RolloutState } from '../../store/entities/rollout.js';
import type { Logger } from '../../util/logger.js';
import type { LifecycleEngine } from '../lifecycle/lifecycle-engine.js';
import { judge, sickness } from './rollout-health.js';

export interface StepResult {
  /** Something changed that the card shows. */
  changed: boolean;
  /** The rollout is still being driven after this step. */
  active: boolean;
  state: RolloutState | null;
}

export interface RolloutStepsOptions {
  db: DataSource;
  lifecycle: Pick<LifecycleEngine, 'get' | 'applyConfig'>;
  logger: Logger;
  now: () => Date;
}

const MOVED: readonly RolloutTargetState[] = ['applying', 'healthy', 'failed'];
/** Claws named in a failure's detail; the rest are counted. */
const NAMED_FAILURES = 3;

export class RolloutSteps {
  constructor(private readonly o: RolloutStepsOptions) {}

  async step(id: number): Promise<StepResult> {
    const rollout = await this.o.db.getRepository(RolloutEntity).findOneBy({ id });
    if (!rollout || !ACTIVE_ROLLOUT_STATES.includes(rollout.state)) return { changed: false, active: false, state: rollout?.state ?? null };
    const targets = await this.o.db.getRepository(RolloutTargetEntity).find({ where: { rolloutId: id }, order: { wave: 'ASC', id: 'ASC' } });
    const instances = await this.instancesOf(targets);
    if (rollout.state === 'RollingBack') return this.rollBack(rollout, targets);

    let changed = false;
    const now = this.o.now();
    // The gate: every moved claw still waiting for its verdict; a healthy canary stays watched while it bakes or waits.
    for (const t of targets) {
      const instance = instances.get(t.instanceId) ?? null;
      if (t.state === 'applying' && t.generation === null) {
        // Claimed by a step that was cut off before it recorded the move: finish that move (at most once).
        changed = (await this.move(rollout, t, false)) || changed;
      } else if (t.state === 'applying') {
        const verdict = judge(t, instance, now, rollout.strategy.healthTimeoutMs);
        if (!verdict) continue;
        const change: Partial<RolloutTarget> = verdict.state === 'healthy'
          ? { state: 'healthy', effect: verdict.effect, message: verdict.message, finishedAt: now }
          : { state: verdict.state, message: verdict.message, finishedAt: now };
        if (await this.setTarget(t, ['applying'], change)) changed = true;
      } else if (t.state === 'healthy' && t.wave === 0 && instance && (rollout.state === 'AwaitingPromotion' || rollout.wave === 0)) {
        const sick = sickness(t, instance);
        if (sick && (await this.setTarget(t, ['healthy'], { state: 'failed', message: `after passing the gate: ${sick}` }))) changed = true;
      }
    }

    const failed = targets.filter((t) => t.state === 'failed');
    if (failed.length) return this.failed(rollout, targets, failed);
    if (rollout.state !== 'Progressing') return { changed, active: true, state: rollout.state };

    // The current wave: move what is still pending, then wait for every claw of it to pass the gate.
    const wave = targets.filter((t) => t.wave === rollout.wave);
    for (const t of wave) {
      if (t.state !== 'pending') continue;
      if (!(await this.move(rollout, t, true))) return { changed, active: true, state: rollout.state };
      changed = true;
    }
    if (wave.some((t) => t.state !== 'healthy' && t.state !== 'skipped')) return { changed, active: true, state: rollout.state };

    let detail: Text | null = null;
    if (rollout.wave === 0) {
      const { autoPromoteMs } = rollout.strategy;
      if (autoPromoteMs === null) {
        const waiting = await this.setRollout(rollout, ['Progressing'], {
          state: 'AwaitingPromotion',
          detail: { en: 'the canary is healthy: `claw rollout resume` promotes it', zh: '金丝雀实例健康：`claw rollout resume` 继续推进' },
        });
        return { changed: changed || waiting, active: true, state: waiting ? 'AwaitingPromotion' : rollout.state };
      }
      const healthySince = Math.max(...wave.map((t) => t.finishedAt?.getTime() ?? now.getTime()));
      if (now.getTime() - healthySince < autoPromoteMs) return { changed, active: true, state: rollout.state };
      detail = { en: `the canary stayed healthy for ${Math.round(autoPromoteMs / 1000)}s: promoted`, zh: `金丝雀实例持续健康 ${Math.round(autoPromoteMs / 1000)} 秒：已自动推进` };
    }
    const next = nextWaveOf(targets, rollout.wave);
    if (next === null) {
      const done = await this.finish(rollout, ['Progressing'], 'Completed', completedText(targets));
      return { changed: changed || done, active: !done, state: done ? 'Completed' : rollout.state };
    }
    const advanced = await this.setRollout(rollout, ['Progressing'], { wave: next, ...(detail ? { detail } : {}) }, { wave: rollout.wave });
    return { changed: changed || advanced, active: true, state: rollout.state };
  }

  /** The wave after a canary waiting for promotion, or null when it was the only one. */
  async nextWave(rollout: Rollout): Promise<number | null> {
    const targets = await this.o.db.getRepository(RolloutTargetEntity).find({ select: { wave: true }, where: { rolloutId: rollout.id } });
    return nextWaveOf(targets, rollout.wave);
  }

  /**
   * Moves one claw to its new versions. A pending claw is first claimed (only while the rollout progresses, so a pause
   * or abort that lands first wins); a claimed claw that already runs its new versions was moved by a step cut off
   * before it could say so, and is taken as it is. False when nothing was done.
   */
  private async move(rollout: Rollout, t: RolloutTarget, claim: boolean): Promise<boolean> {
    const instance = await this.o.lifecycle.get(t.instanceId);
    const now = this.o.now();
    if (!instance || instance.desiredPhase === 'Destroyed') {
      return this.setTarget(t, ['pending', 'applying'], { state: 'skipped', message: 'destroyed meanwhile', finishedAt: now });
    }
    if (claim) {
      const before = {
        fromConfig: instance.configVersion, fromValues: instance.valuesVersion, restartsBefore: instance.restarts, startedBefore: instance.startedAt, appliedAt: now,
      };
      const claimed = await this.o.db.getRepository(RolloutTargetEntity).createQueryBuilder().update()
        .set({ state: 'applying', ...before })
        .where('id = :id AND state = :pending', { id: t.id, pending: 'pending' })
        .andWhere('EXISTS (SELECT 1 FROM rollouts r WHERE r.id = :rollout AND r.state = :progressing)', { rollout: rollout.id, progressing: 'Progressing' })
        .execute();
      if (!claimed.affected) return false;
      Object.assign(t, { state: 'applying' }, before);
    }
    let moved: Instance = instance;
    if (instance.configVersion !== t.toConfig || instance.valuesVersion !== t.toValues) {
      try {
        moved = await this.o.lifecycle.applyConfig(instance, { config: t.toConfig, values: t.toValues }, `rollout ${rollout.id} (${rollout.createdBy})`);
      } catch (error) {
        if (!(error instanceof ClawError)) throw error;
        // Being destroyed meanwhile: nothing to move.
        return this.setTarget(t, ['applying'], { state: 'skipped', message: error.messageIn('en'), finishedAt: now });
      }
    }
    await this.o.db.getRepository(RolloutTargetEntity).update({ id: t.id }, { generation: moved.generation, appliedAt: t.appliedAt ?? now });
    t.generation = moved.generation;
    return true;
  }

  /** A claw failed the gate: a publish rolls back what it moved, a rollback stops (undoing it would restore the trouble). */
  private async failed(rollout: Rollout, targets: RolloutTarget[], failed: RolloutTarget[]): Promise<StepResult> {
    const wave = Math.min(...failed.map((t) => t.wave));
    const names = failed.slice(0, NAMED_FAILURES).map((t) => `${t.instanceName} (${t.message ?? 'failed'})`).join('; ') + (failed.length > NAMED_FAILURES ? ` (+${failed.length - NAMED_FAILURES})` : '');
    const what = wave === 0 ? { en: 'canary failed', zh: '金丝雀失败' } : { en: `wave ${wave} failed`, zh: `第 ${wave} 批失败` };
    if (rollout.kind === 'rollback') {
      const done = await this.finish(rollout, ['Progressing', 'Paused', 'AwaitingPromotion'], 'Failed', {
        en: `${what.en}: ${names}; stopped, claws moved so far stay where they are`, zh: `${what.zh}：${names}；已停止，已变更的实例保持现状`,
      });
      return { changed: done, active: !done, state: done ? 'Failed' : rollout.state };
    }
    const detail = { en: `${what.en}: ${names}`, zh: `${what.zh}：${names}` };
    if (!(await this.setRollout(rollout, ['Progressing', 'Paused', 'AwaitingPromotion'], { state: 'RollingBack', detail }))) return { changed: false, active: true, state: rollout.state };
    return this.rollBack({ ...rollout, state: 'RollingBack', detail }, targets);
  }

  /**
   * Moves every claw this rollout moved back to what it ran before, unless something else moved it since; each is
   * marked once moved back, so a step cut off here resumes with the rest. Then the rollout is RolledBack.
   */
  private async rollBack(rollout: Rollout, targets: RolloutTarget[]): Promise<StepResult> {
    for (const t of targets) {
      if (!MOVED.includes(t.state)) continue;
      const instance = await this.o.lifecycle.get(t.instanceId);
      if (instance && instance.desiredPhase !== 'Destroyed' && instance.configVersion === t.toConfig && instance.valuesVersion === t.toValues) {
        try {
          await this.o.lifecycle.applyConfig(instance, { config: t.fromConfig, values: t.fromValues }, `rollout ${rollout.id} rolling back`);
        } catch (error) {
          if (!(error instanceof ClawError)) throw error;
        }
      }
      // A claw that failed stays `failed` (it is why this rolled back); the others say they were moved back.
      if (t.state !== 'failed') await this.setTarget(t, [t.state], { state: 'rolled-back', finishedAt: t.finishedAt ?? this.o.now() });
    }
    const back = targets.filter((t) => t.state === 'rolled-back' || t.state === 'failed').length;
    const detail = rollout.detail ?? { en: 'failed', zh: '失败' };
    const done = await this.finish(rollout, ['RollingBack'], 'RolledBack', {
      en: `${detail.en}; ${back} claw(s) moved back to their previous config`, zh: `${detail.zh}；${back} 个实例已恢复原配置`,
    });
    return { changed: true, active: !done, state: done ? 'RolledBack' : rollout.state };
  }

  private async instancesOf(targets: RolloutTarget[]): Promise<Map<string, Instance>> {
    const out = new Map<string, Instance>();
    // The claws being judged, and a canary that stays watched until promoted; claws done with are not read again.
    const ids = targets.filter((t) => t.state === 'applying' || (t.state === 'healthy' && t.wave === 0)).map((t) => t.instanceId);
    for (let i = 0; i < ids.length; i += 500) {
      for (const row of await this.o.db.getRepository(InstanceEntity).findBy({ id: In(ids.slice(i, i + 500)) })) out.set(row.id, row);
    }
    return out;
  }

  /** Compare-and-swap on a claw's state; the in-memory row follows when it took. */
  private async setTarget(t: RolloutTarget, from: RolloutTargetState[], change: Partial<RolloutTarget>): Promise<boolean> {
    const result = await this.o.db.getRepository(RolloutTargetEntity).update({ id: t.id, state: In(from) }, change);
    if (result.affected) Object.assign(t, change);
    return Boolean(result.affected);
  }

  /** Compare-and-swap on the rollout's state (and, for a new wave, its wave). */
  private async setRollout(rollout: Rollout, from: RolloutState[], change: Partial<Rollout>, also: Partial<Pick<Rollout, 'wave'>> = {}): Promise<boolean> {
    const result = await this.o.db.getRepository(RolloutEntity).update({ id: rollout.id, state: In(from), ...also }, { ...change, updatedAt: this.o.now() });
    return Boolean(result.affected);
  }

  /** Ends the rollout and lets go of its claws. */
  private async finish(rollout: Rollout, from: RolloutState[], state: RolloutState, detail: Text): Promise<boolean> {
    const now = this.o.now();
    return this.o.db.transaction(async (em) => {
      const result = await em.getRepository(RolloutEntity).update({ id: rollout.id, state: In(from) }, { state, detail, updatedAt: now, finishedAt: now });
      if (!result.affected) return false;
      await em.getRepository(RolloutTargetEntity).update({ rolloutId: rollout.id }, { activeKey: null });
      return true;
    });
  }
}

function nextWaveOf(targets: ReadonlyArray<Pick<RolloutTarget, 'wave'>>, current: number): number | null {
  const later = targets.map((t) => t.wave).filter((w) => w > current);
  return later.length ? Math.min(...later) : null;
}

function completedText(targets: RolloutTarget[]): Text {
  const skipped = targets.filter((t) => t.state === 'skipped').length;
  const running = targets.length - skipped;
  return {
    en: `${running} claw(s) run the new config${skipped ? `; ${skipped} skipped (destroyed meanwhile)` : ''}`,
    zh: `${running} 个实例已使用新配置${skipped ? `；${skipped} 个已跳过（期间被销毁）` : ''}`,
  };
}
