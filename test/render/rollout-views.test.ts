// A rollout's card stays small whatever its size: runs of waves in the same condition fold into one line, big waves
// are counted rather than named; its buttons follow its state and carry its scope.
import { describe, expect, it } from 'vitest';
import type { RolloutCardData } from '../../src/engines/rollouts/rollout-engine.js';
import { rolloutActions, rolloutCardView } from '../../src/render/rollout-views.js';
import { renderText } from '../../src/render/text.js';
import type { RolloutTarget } from '../../src/store/entities/rollout-target.js';
import type { Rollout } from '../../src/store/entities/rollout.js';

const at = new Date('2026-01-01T00:00:00Z');

function card(state: Rollout['state'], count: number, currentWave: number): RolloutCardData {
  const targets: RolloutTarget[] = Array.from({ length: count }, (_, i) => ({
    id: i + 1, rolloutId: 7, instanceId: `i${i}`, activeKey: null, instanceName: `claw-${i}`, projectName: 'web', wave: i < 10 ? 0 : i - 9,
    fromConfig: 3, fromValues: 3, toConfig: 4, toValues: 4, expected: 'restart', effect: i - 9 < currentWave ? 'restarted' : null,
    state: i - 9 < currentWave ? 'healthy' : i - 9 === currentWave ? 'applying' : 'pending', generation: null, restartsBefore: null, startedBefore: null,
    appliedAt: null, finishedAt: null, message: null,
  }));
  return {
    tenant: 'acme', project: 'web', targets,
    rollout: {
      id: 7, tenantId: 't', projectId: 'p', kind: 'publish', configVersion: 4, valuesVersion: 4, undoes: null, selection: '--all',
      strategy: { canary: '1%', maxUnavailable: '1', autoPromoteMs: null, healthTimeoutMs: 300_000 }, state, wave: currentWave, waves: count - 10,
      message: null, detail: null, createdBy: 'ann', chat: null, createdAt: at, updatedAt: at, finishedAt: null,
    },
  };
}

describe('rollout card', () => {
  it('folds a thousand claws in waves of one into a few lines', () => {
    const text = renderText(rolloutCardView(card('Progressing', 1000, 40), 'en'));
    expect(text).toContain('canary (10): claw-0, claw-1, claw-2, claw-3, claw-4 (+5) — 10 healthy');
    expect(text).toContain('waves 1–39 (39): 39 healthy');
    expect(text).toContain('wave 40 (1): claw-49 — 1 moving');
    expect(text).toContain('waves 41–990 (950): 950 pending');
    expect(text.split('\n').length).toBeLessThan(20);
  });

  it('offers the buttons its state allows, scoped to its tenant and project', () => {
    const labels = (state: Rollout['state']) => rolloutActions(card(state, 12, 1), 'en').map((a) => a.label);
    expect(labels('Progressing')).toEqual(['Pause', 'Abort', 'Rollback']);
    expect(labels('Paused')).toEqual(['Resume', 'Abort', 'Rollback']);
    expect(labels('AwaitingPromotion')).toEqual(['Resume (promote)', 'Abort', 'Rollback']);
    expect(labels('RollingBack')).toEqual([]);
    expect(labels('Completed')).toEqual(['Rollback']);
    expect(labels('RolledBack')).toEqual([]);
    expect(rolloutActions(card('Progressing', 12, 1), 'zh')[0]).toEqual({
      label: '暂停', style: 'default', value: { command: 'claw rollout pause 7 --tenant acme --project web' }, command: 'claw rollout pause 7 --tenant acme --project web',
    });
  });
});
