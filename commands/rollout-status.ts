// claw rollout status [ID]: one rollout with its waves and a line per claw (state, effect, message), or the active and
// recent rollouts in your scope.
import { defineCommand } from '../src/pipeline/command-spec.js';
import { projectFlag, tenantFlag } from '../src/pipeline/common-flags.js';
import { tenantsAllowed } from '../src/model/rbac.js';
import { rolloutData, rolloutListView, rolloutStatusView } from '../src/render/rollout-views.js';
import { rolloutIdScope, visibleRollout } from './support/rollouts.js';

export default defineCommand({
  words: ['rollout', 'status'],
  summary: { en: 'Show a rollout, or the active and recent ones', zh: '查看一次发布，或进行中及最近的发布' },
  description: {
    en: 'A rollout moves claws to a config version wave by wave (`claw config publish`, `claw config rollback`). With an ID: its state, canary verdict, waves, failures, and each claw\'s wave, state, whether it was restarted or reloaded, and the version it came from. Without: active rollouts first, then the latest.',
    zh: '一次发布会分批把实例变更到某个配置版本（`claw config publish`、`claw config rollback`）。带编号时显示：状态、金丝雀结论、批次、失败，以及每个实例的批次、状态、是重启还是热加载、原版本。不带编号时先列进行中的发布，再列最近的。',
  },
  args: [{ name: 'id', kind: 'int', min: 1, help: { en: 'Rollout number', zh: '发布编号' } }],
  flags: {
    tenant: tenantFlag, project: projectFlag,
    limit: { kind: 'int', min: 1, max: 200, clamp: true, help: { en: 'How many rollouts to list (default 20)', zh: '最多列出多少条（默认 20）' } },
  },
  examples: ['claw rollout status', 'claw rollout status 7'],
  permission: 'config:read',
  risk: 'read',
  scope: rolloutIdScope,
  engines: ['rollouts'],
  async handle(ctx) {
    const { rollouts } = ctx.engines;
    if (ctx.args.id !== undefined) {
      const card = await visibleRollout(rollouts, ctx.actor, ctx.args.id);
      return { data: { rollout: rolloutData(card) }, view: rolloutStatusView(card, ctx.locale) };
    }
    const scope = ctx.scope;
    const tenants = scope.kind === 'tenant' || scope.kind === 'project' ? new Set([scope.tenant.id]) : tenantsAllowed(ctx.actor, 'config:read') === 'all' ? 'all' : new Set<string>();
    const rows = await rollouts.list({ tenants, ...(scope.kind === 'project' ? { project: scope.project } : {}), limit: ctx.flags.limit ?? 20 });
    return {
      data: { rollouts: rows.map((r) => ({ id: r.id, tenant: r.tenant, kind: r.kind, configVersion: r.configVersion, undoes: r.undoes, state: r.state, wave: r.wave, waves: r.waves, targets: r.targets, createdBy: r.createdBy, createdAt: r.createdAt.toISOString() })) },
      view: rolloutListView(rows, ctx.locale),
    };
  },
});
