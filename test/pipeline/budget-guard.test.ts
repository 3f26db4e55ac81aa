// Token budgets with a hard stop: a tenant that used up its month's tokens has its claws stopped by a request from the
// control plane's budget-guard member, through the same approval rules as anyone's, once per month (local runtime,
// stand-in claws).
import { afterAll, describe, expect, it } from 'vitest';
import { BudgetGuard, BUDGET_GUARD_MEMBER } from '../../src/pipeline/budget-guard.js';
import { InstanceEntity } from '../../src/store/entities/instance.js';
import { UsageStore } from '../../src/engines/usage/usage-store.js';
import { stubOpenClawAdapter } from '../support/stub-openclaw-adapter.js';
import { useControlPlane } from '../commands/fixture.js';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

describe('budget guard', () => {
  const c = useControlPlane({ adapters: [stubOpenClawAdapter] });
  afterAll(async () => {
    // beta holds every batch for approval: let the clean-up through.
    await c.run('claw tenant policy beta --approvals 0');
    await c.run('claw destroy --all --tenant acme --wait');
    await c.run('claw destroy --all --tenant beta --wait');
  });

  const guard = () => {
    const p = c.t.plane;
    return new BudgetGuard({
      db: p.store.dataSource, budgets: p.engines.budgets, tenancy: p.engines.tenancy, access: p.engines.access, dispatcher: p.dispatcher,
      logger: quiet, intervalMs: 60_000, locale: 'en',
    });
  };

  /** Records `tokens` used today by the instance, through the collector's own store, as if the claw had reported them. */
  const used = async (instance: string, tokens: number) => {
    const db = c.t.plane.store.dataSource;
    const row = await db.getRepository(InstanceEntity).findOneByOrFail({ name: instance });
    const now = new Date();
    await new UsageStore(db).recordTokens({ id: row.id, tenantId: row.tenantId, projectId: row.projectId }, {
      complete: true,
      days: [{ date: now.toISOString().slice(0, 10), model: 'm', inputTokens: tokens, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, totalTokens: tokens, cost: 0 }],
    }, now);
  };

  it('stops a small tenant at once when its hard-stop budget is spent, and asks only once a month', async () => {
    await c.must('claw tenant create acme');
    await c.must('claw project create p --tenant acme');
    await c.must('claw tenant policy acme --approvals 0');
    await c.must('claw create one --tenant acme --project p --wait --timeout 60s');
    await c.must('claw tenant quota acme --tokens 1000 --hard-stop on');
    expect(await guard().check()).toBe(0);
    await used('one', 1500);
    expect((await c.must('claw tenant quota acme')).text).toMatch(/tokens this month\s+1\.5K\s+1K \(hard stop\)/);
    // The alert engine sees the same budget: the spent budget pages (100%), not also the 80% warning.
    await c.t.plane.engines.alerts.evaluate();
    const open = (await c.must('claw alerts --tenant acme')).result.alerts as Array<{ rule: string }>;
    expect(open.map((a) => a.rule).filter((r) => r.startsWith('token-budget'))).toEqual(['token-budget-100']);
    expect(await guard().check()).toBe(1);
    const status = await c.must('claw status one --tenant acme --project p');
    expect(status.result.instance.desiredPhase).toBe('Stopped');
    const trail = await c.must('claw audit --tenant acme');
    expect(trail.text).toContain(BUDGET_GUARD_MEMBER);
    expect(trail.text).toContain('claw stop --all --tenant acme');
    await c.must('claw start one --tenant acme --project p');
    expect(await guard().check()).toBe(0);
  }, 120_000);

  it('holds the stop for approval when the tenant\'s rules hold it, and nobody is asked without a hard stop', async () => {
    await c.must('claw tenant create beta');
    await c.must('claw project create p --tenant beta');
    await c.must('claw tenant policy beta --batch-threshold 0');
    await c.must('claw create two --tenant beta --project p --wait --timeout 60s');
    await c.must('claw tenant quota beta --tokens 1000');
    await used('two', 5000);
    expect(await guard().check()).toBe(0);
    await c.must('claw tenant quota beta --hard-stop on');
    expect(await guard().check()).toBe(1);
    const waiting = await c.must('claw approvals --tenant beta');
    expect(waiting.text).toContain(BUDGET_GUARD_MEMBER);
    expect((await c.must('claw status two --tenant beta --project p')).result.instance.desiredPhase).toBe('Running');
  }, 120_000);
});
