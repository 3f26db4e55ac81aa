// Monthly token budgets of tenants and projects, measured against what their claws used this calendar month.
import { IsNull, Not, type DataSource } from 'typeorm';
import { ProjectEntity } from '../../store/entities/project.js';
import { TenantEntity } from '../../store/entities/tenant.js';
import { monthIn } from '../../util/zoned-time.js';
import type { UsageEngine } from '../usage/usage-engine.js';

export interface BudgetUse {
  tenant: { id: string; name: string };
  /** Set for a project's own budget; absent for the tenant's. */
  project?: { id: string; name: string };
  /** Tokens used this month (input, output and cache). */
  used: number;
  limit: number;
  /** used / limit: 0.8 is the warning, 1 the end of the budget. */
  share: number;
  /** Reaching the tenant's budget asks to stop its claws (tenant budgets only). */
  hardStop: boolean;
  /** The budget's month, `YYYY-MM` in the budget time zone. */
  month: string;
}

export class TokenBudgets {
  constructor(
    private readonly db: DataSource,
    private readonly usage: Pick<UsageEngine, 'totals'>,
    /** Months begin at midnight here (the company's zone), not in UTC. */
    private readonly timeZone: string,
  ) {}

  /** Every budget that is set (or those of one tenant), with this month's use. */
  async current(at = new Date(), tenantId?: string): Promise<BudgetUse[]> {
    const month = monthIn(this.timeZone, at);
    const tenants = await this.db.getRepository(TenantEntity).find({ where: tenantId ? { id: tenantId } : {}, select: { id: true, name: true, tokenBudget: true, tokenBudgetHardStop: true } });
    const names = new Map(tenants.map((t) => [t.id, t.name]));
    const projects = await this.db.getRepository(ProjectEntity).find({
      where: { tokenBudget: Not(IsNull()), ...(tenantId ? { tenantId } : {}) }, select: { id: true, tenantId: true, name: true, tokenBudget: true },
    });
    const window = { since: month.start, until: at };
    const uses: BudgetUse[] = [];
    for (const t of tenants) {
      if (t.tokenBudget === null) continue;
      const used = (await this.usage.totals({ tenantId: t.id, ...window })).totalTokens;
      uses.push({ tenant: { id: t.id, name: t.name }, used, limit: t.tokenBudget, share: used / t.tokenBudget, hardStop: t.tokenBudgetHardStop, month: month.name });
    }
    for (const p of projects) {
      const tenantName = names.get(p.tenantId);
      if (tenantName === undefined || p.tokenBudget === null) continue;
      const used = (await this.usage.totals({ tenantId: p.tenantId, projectId: p.id, ...window })).totalTokens;
      uses.push({
        tenant: { id: p.tenantId, name: tenantName }, project: { id: p.id, name: p.name }, used, limit: p.tokenBudget, share: used / p.tokenBudget,
        hardStop: false, month: month.name,
      });
    }
    return uses;
  }

  /** This month's tokens of a tenant (or one of its projects), budget or not: what `claw tenant quota` shows. */
  async usedThisMonth(tenantId: string, projectId?: string, at = new Date()): Promise<number> {
    const month = monthIn(this.timeZone, at);
    return (await this.usage.totals({ tenantId, ...(projectId ? { projectId } : {}), since: month.start, until: at })).totalTokens;
  }
}
