// Hard stops of token budgets: when a tenant that asked for one uses up its monthly budget, the control plane asks for
// `claw stop --all` in that tenant as its budget-guard member, so the normal approval rules decide (a fleet larger than
// the batch threshold waits for a person) and the request is audited like anyone's.
import type { DataSource } from 'typeorm';
import type { AccessEngine } from '../engines/access/access-engine.js';
import type { BudgetUse, TokenBudgets } from '../engines/budgets/token-budgets.js';
import type { TenancyEngine } from '../engines/tenancy/tenancy-engine.js';
import type { Locale } from '../i18n/locale.js';
import type { Member } from '../store/entities/member.js';
import { TenantEntity } from '../store/entities/tenant.js';
import type { Logger } from '../util/logger.js';
import { sleep } from '../util/sleep.js';
import type { Dispatcher } from './dispatcher.js';

/** A name people cannot give a member (`:` is not allowed), so nobody can become the guard. */
export const BUDGET_GUARD_MEMBER = 'system:budget-guard';

export interface BudgetGuardOptions {
  db: DataSource;
  budgets: TokenBudgets;
  tenancy: TenancyEngine;
  access: AccessEngine;
  dispatcher: Dispatcher;
  logger: Logger;
  /** How often budgets are compared with use; the collector refreshes use about as often. */
  intervalMs: number;
  locale: Locale;
}

export class BudgetGuard {
  constructor(private readonly o: BudgetGuardOptions) {}

  /** Leader only: checks until the signal aborts. */
  start(signal: AbortSignal): void {
    void (async () => {
      while (!signal.aborted) {
        try {
          await this.check();
        } catch (error) {
          this.o.logger.error({ err: error }, 'budget guard check failed');
        }
        await sleep(this.o.intervalMs, signal);
      }
    })();
  }

  /** Requests a stop for each tenant whose hard-stop budget ran out this month and was not asked for yet; returns how many. */
  async check(at = new Date()): Promise<number> {
    const spent = (await this.o.budgets.current(at)).filter((u) => !u.project && u.hardStop && u.share >= 1);
    let requested = 0;
    for (const use of spent) {
      if (!(await this.claim(use))) continue;
      requested++;
      await this.requestStop(use);
    }
    return requested;
  }

  /** Once per tenant and month, whichever replica gets there first; the claim is written before anything is asked. */
  private async claim(use: BudgetUse): Promise<boolean> {
    const result = await this.o.db.getRepository(TenantEntity).createQueryBuilder().update()
      .set({ tokenBudgetStopped: use.month })
      .where('id = :id', { id: use.tenant.id })
      .andWhere('(token_budget_stopped IS NULL OR token_budget_stopped <> :month)', { month: use.month })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  private async requestStop(use: BudgetUse): Promise<void> {
    const member = await this.guard();
    const principal = await this.o.access.principalOf(member, { kind: 'system', job: 'budget-guard' });
    const reason = this.o.locale === 'zh'
      ? `本月 token 预算已用尽（${use.used} / ${use.limit}），按租户设置停止全部实例`
      : `the monthly token budget is spent (${use.used} of ${use.limit}); the tenant asked for a hard stop`;
    const outcome = await this.o.dispatcher.dispatch({
      requestId: `budget-${use.tenant.id}-${use.month}`, channel: 'system', principal, locale: this.o.locale, normalize: false,
      text: `claw stop --all --tenant ${use.tenant.name} --reason ${JSON.stringify(reason)}`,
    });
    if (!outcome.ok) this.o.logger.warn({ tenant: use.tenant.name, code: outcome.error.code }, 'budget hard stop was refused');
  }

  /** The platform member the guard acts as, with a role that may only stop claws; made at first use. */
  private async guard(): Promise<Member> {
    const existing = await this.o.tenancy.findMember(null, BUDGET_GUARD_MEMBER);
    if (existing) return existing;
    try {
      const member = await this.o.tenancy.addMember({ tenant: null, name: BUDGET_GUARD_MEMBER, displayName: 'Token budget guard', kind: 'system', createdBy: null });
      await this.o.access.grant({ member, role: 'budget-guard', scope: { kind: 'platform' }, createdBy: 'system' });
      return member;
    } catch (error) {
      // Another replica made it first (CLAW_CONFLICT_EXISTS): use theirs.
      const made = await this.o.tenancy.findMember(null, BUDGET_GUARD_MEMBER);
      if (made) return made;
      throw error;
    }
  }
}
