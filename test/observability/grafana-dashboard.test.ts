// The Grafana dashboard in configs/grafana/ is built on what /metrics serves: every metric a panel queries exists, with
// the labels its legend uses, so the dashboard cannot drift from the code.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configPath } from '../../src/util/package-root.js';
import { UsageStore } from '../../src/engines/usage/usage-store.js';
import { TenantEntity } from '../../src/store/entities/tenant.js';
import { startTestControlPlane } from '../support/test-control-plane.js';

interface Panel { title: string; targets: Array<{ expr: string; legendFormat: string }> }

describe('Grafana dashboard', () => {
  it('queries only metrics /metrics serves, with the labels its legends name; this month\'s tokens appear per tenant', async () => {
    const dashboard = JSON.parse(readFileSync(configPath('grafana/open-cluster-claw.json'), 'utf8')) as { panels: Panel[]; uid: string };
    expect(dashboard.uid).toBe('open-cluster-claw');
    const t = await startTestControlPlane();
    try {
      // Tokens used today in the default tenant, recorded through the collector's store as a claw's report would be.
      const db = t.plane.store.dataSource;
      const tenant = await db.getRepository(TenantEntity).findOneByOrFail({ name: 'default' });
      const now = new Date();
      await new UsageStore(db).recordTokens({ id: 'i-grafana', tenantId: tenant.id, projectId: 'p-grafana' }, {
        complete: true, days: [{ date: now.toISOString().slice(0, 10), model: 'm', inputTokens: 700, outputTokens: 300, cacheReadTokens: 0, cacheWriteTokens: 0, totalTokens: 1000, cost: 0 }],
      }, now);
      const text = await (await fetch(`${t.url}/metrics`)).text();
      const served = new Set([...text.matchAll(/^# TYPE (\S+) (\S+)/gm)].map((m) => m[1]!));
      const labels = (metric: string) => new Set([...text.matchAll(new RegExp(`^${metric}\\{([^}]*)\\}`, 'gm'))].flatMap((m) => [...m[1]!.matchAll(/(\w+)="/g)].map((l) => l[1]!)));
      expect(dashboard.panels.length).toBeGreaterThanOrEqual(8);
      for (const panel of dashboard.panels) {
        for (const target of panel.targets) {
          const metrics = [...target.expr.matchAll(/\bclaw_[a-z_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, ''));
          expect(metrics.length, panel.title).toBeGreaterThan(0);
          for (const metric of metrics) expect(served, `${panel.title}: ${metric}`).toContain(metric);
          // A legend's {{label}} must be a label of the metric (checked where the metric has samples now).
          for (const [, label] of target.legendFormat.matchAll(/\{\{(\w+)\}\}/g)) {
            const seen = new Set(metrics.flatMap((m) => [...labels(m)]));
            if (seen.size > 0) expect(seen, `${panel.title}: {{${label}}}`).toContain(label);
          }
        }
      }
      expect(text).toMatch(/^claw_tokens_month\{tenant="default"\} 1000$/m);
    } finally {
      await t.close();
    }
  });
});
