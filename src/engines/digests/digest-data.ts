// What a usage digest reports, as figures: the engine gathers them, renderers (src/render/digest-view.ts) draw them.
import type { TokenTotals } from '../usage/usage-engine.js';

export interface DigestWindow {
  since: Date;
  until: Date;
}

/** Alerts of a scope in a period, as the alerts engine counts them. */
export interface AlertSummary {
  /** Raised in the period. */
  raised: number;
  /** Firing (not resolved) now. */
  firing: number;
  bySeverity: Record<string, number>;
}

/** A row of tokens with the same row in the previous period: projects and claws. */
export interface TokenLine {
  key: string;
  label: string;
  tokens: number;
  previousTokens: number;
  cost: number;
  /** Part of the cost is estimated from configs/prices.yaml. */
  estimated: boolean;
}

export interface BudgetBurn {
  /** `acme` for the tenant's budget, `acme/sales` for a project's. */
  label: string;
  used: number;
  limit: number;
  /** used / limit. */
  share: number;
  /** `YYYY-MM` in the company's time zone. */
  month: string;
  /** The share the month ends at if use continues at this month's pace so far. */
  projectedShare: number;
}

export interface DigestData {
  tenant: string;
  /** Null: the whole tenant. */
  project: string | null;
  period: DigestWindow;
  /** As long as `period`, just before it: what "change" compares with. */
  previous: DigestWindow;
  /** Times are shown in this zone (the subscription's, or the company's for a preview). */
  timeZone: string;
  /** Set for a scheduled digest; `late` when it went out after its time (the control plane was down). */
  slot?: { at: Date; late: boolean };
  generatedAt: Date;
  instances: {
    total: number;
    byPhase: Record<string, number>;
    running: number;
    /** Running and passing their readiness checks now. */
    ready: number;
    /** Names of Failed instances (the first few). */
    failed: string[];
  };
  restarts: {
    total: number;
    /**
     * True: counted since the previous digest of this subscription. False: no earlier digest to compare with, so the
     * counters since each claw started.
     */
    inPeriod: boolean;
    top: Array<{ label: string; count: number }>;
  };
  /** Null when this control plane has no alert source. */
  alerts: AlertSummary | null;
  tokens: {
    current: TokenTotals;
    previous: TokenTotals;
    /** Tenant digests: by project; project digests: by claw. Largest first, with the previous period's figure. */
    breakdown: { by: 'project' | 'instance'; lines: TokenLine[] };
    /** The busiest claws of the period. */
    topClaws: TokenLine[];
    /** Claws whose tokens changed most against the previous period, either way. */
    movers: TokenLine[];
  };
  /** Budgets of the scope (the tenant's, and the project's own); empty when none is set or budgets are not wired. */
  budgets: BudgetBurn[];
  /** Some cost in this digest is estimated from the price table. */
  estimated: boolean;
  /** Each instance's restart counter now, for the next digest's baseline. */
  restartCounters: Record<string, number>;
}
