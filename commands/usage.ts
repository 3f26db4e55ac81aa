// claw usage [NAME]: tokens and model cost over a period, by instance, project, tenant (platform-wide) or model.
import { ClawError } from '../src/errors/claw-error.js';
import type { UsageFilter, UsageGrouping, UsageRow, TokenTotals } from '../src/engines/usage/usage-engine.js';
import { defineCommand } from '../src/pipeline/command-spec.js';
import { projectFlag, tenantFlag } from '../src/pipeline/common-flags.js';
import { formatTime } from '../src/render/format.js';
import type { TableColumn } from '../src/render/view.js';
import { parseSince } from './support/usage-period.js';

const GROUPINGS = ['instance', 'project', 'tenant', 'model'] as const;
const DEFAULT_SINCE = '7d';
/** A chat card holds about this many rows; the totals line covers the rest. */
const DEFAULT_LIMIT = 50;

const GROUP_LABEL = {
  instance: { en: 'Instance', zh: '实例' },
  project: { en: 'Project', zh: '项目' },
  tenant: { en: 'Tenant', zh: '租户' },
  model: { en: 'Model', zh: '模型' },
} as const;

const tokens = (n: number) => Math.round(n).toLocaleString('en-US');

/** `≈0.0042 CNY` for an estimate, `12.30 CNY` for a cost the claws reported; small sums keep their significant digits. */
export function formatCost(t: Pick<TokenTotals, 'cost' | 'currency' | 'estimated'>): string {
  const amount = t.cost === 0 ? '0' : t.cost >= 1 ? t.cost.toFixed(2) : Number(t.cost.toPrecision(2)).toString();
  return `${t.estimated ? '≈' : ''}${amount} ${t.currency}`;
}

function rowData(r: UsageRow) {
  return {
    key: r.key, label: r.label, ...(r.project ? { project: r.project } : {}), ...(r.tenant ? { tenant: r.tenant } : {}),
    inputTokens: r.inputTokens, outputTokens: r.outputTokens, cacheReadTokens: r.cacheReadTokens, cacheWriteTokens: r.cacheWriteTokens,
    totalTokens: r.totalTokens, cost: r.cost, currency: r.currency, estimated: r.estimated,
  };
}

export default defineCommand({
  words: ['usage'],
  summary: { en: 'Show tokens and model cost over a period', zh: '查看一段时间内的 token 用量和模型费用' },
  description: {
    en: 'Tokens each claw reported (OpenClaw: usage.cost, about a minute behind), counted once, summed per instance, project, tenant or model. '
      + 'A cost marked ≈ is estimated from configs/prices.yaml because the claw reported none. --by tenant needs the whole platform (no --tenant).',
    zh: '各实例上报的 token 用量（OpenClaw 的 usage.cost，约有一分钟延迟），不重复计数，可按实例、项目、租户或模型汇总。'
      + '带 ≈ 的费用是按 configs/prices.yaml 估算的（实例未上报费用）。--by tenant 只用于整个平台（不带 --tenant）。',
  },
  args: [{ name: 'name', kind: 'name', help: { en: 'One instance (default: every instance in scope)', zh: '单个实例（默认：范围内所有实例）' } }],
  flags: {
    since: {
      kind: 'string', maxLength: 40, valueName: 'WHEN',
      help: { en: `Start of the period: 1h, 24h, 7d, 30d or an ISO date (default ${DEFAULT_SINCE})`, zh: `起始时间：1h、24h、7d、30d 或 ISO 日期（默认 ${DEFAULT_SINCE}）` },
    },
    by: { kind: 'enum', values: GROUPINGS, help: { en: 'Group rows by instance, project, tenant or model', zh: '按实例、项目、租户或模型分组' } },
    project: projectFlag,
    tenant: tenantFlag,
    limit: { kind: 'int', min: 1, max: 1000, help: { en: `Rows (default ${DEFAULT_LIMIT})`, zh: `行数（默认 ${DEFAULT_LIMIT}）` } },
  },
  examples: ['claw usage', 'claw usage demo --since 24h', 'claw usage --since 30d --by model', 'claw usage --since 2026-01-01 --by project', 'claw usage --by tenant'],
  permission: 'usage:read',
  risk: 'read',
  scope: ({ args, flags }) =>
    args.name
      ? { kind: 'instance', instance: args.name, tenant: flags.tenant, project: flags.project }
      : flags.project ? { kind: 'project', tenant: flags.tenant, project: flags.project } : { kind: 'tenant', tenant: flags.tenant, orPlatform: true },
  engines: ['usage'],
  async handle(ctx) {
    const now = new Date();
    const since = parseSince(ctx.flags.since ?? DEFAULT_SINCE, now);
    const scope = ctx.scope;
    const platform = scope.kind === 'platform';
    const by: UsageGrouping = (ctx.flags.by as UsageGrouping | undefined) ?? (scope.kind === 'instance' ? 'model' : platform ? 'tenant' : 'instance');
    if (by === 'tenant' && !platform) {
      throw new ClawError('CLAW_ARG_INVALID', {
        what: '--by tenant',
        reason: {
          en: 'tenants are compared platform-wide only: leave out --tenant, --project and NAME (platform admins)',
          zh: '只能在整个平台范围按租户汇总：去掉 --tenant、--project 和实例名（平台管理员）',
        },
      });
    }
    const filter: UsageFilter = {
      since, until: now,
      ...(scope.kind === 'tenant' || scope.kind === 'project' || scope.kind === 'instance' ? { tenantId: scope.tenant.id } : {}),
      ...(scope.kind === 'project' || scope.kind === 'instance' ? { projectId: scope.project.id } : {}),
      ...(scope.kind === 'instance' ? { instanceId: scope.instance.id } : {}),
    };
    const { usage } = ctx.engines;
    const [rows, totals] = await Promise.all([usage.tokens(filter, by), usage.totals(filter)]);
    const limit = ctx.flags.limit ?? DEFAULT_LIMIT;
    const shown = rows.slice(0, limit);
    const where = scope.kind === 'instance' ? `${scope.project.name}/${scope.instance.name}`
      : scope.kind === 'project' ? `${scope.tenant.name}/${scope.project.name}` : scope.kind === 'tenant' ? scope.tenant.name : ctx.t({ en: 'the platform', zh: '整个平台' });
    const columns: TableColumn[] = [{ key: 'label', label: ctx.t(GROUP_LABEL[by]) }];
    if (by === 'instance') columns.push({ key: 'project', label: ctx.t({ en: 'Project', zh: '项目' }) });
    if (platform && (by === 'instance' || by === 'project')) columns.push({ key: 'tenant', label: ctx.t({ en: 'Tenant', zh: '租户' }) });
    columns.push(
      { key: 'input', label: ctx.t({ en: 'Input', zh: '输入' }), align: 'right' },
      { key: 'output', label: ctx.t({ en: 'Output', zh: '输出' }), align: 'right' },
      { key: 'cache', label: ctx.t({ en: 'Cache read/write', zh: '缓存读/写' }), align: 'right' },
      { key: 'total', label: ctx.t({ en: 'Total', zh: '合计' }), align: 'right' },
      { key: 'cost', label: ctx.t({ en: 'Cost', zh: '费用' }), align: 'right' },
    );
    const footer = [
      ctx.t({ en: '{where} since {since}: {total} tokens, {cost}', zh: '{where} 自 {since} 起：{total} token，{cost}' }, {
        where, since: formatTime(since, ctx.locale), total: tokens(totals.totalTokens), cost: formatCost(totals),
      }),
    ];
    if (rows.length > shown.length) footer.push(ctx.t({ en: 'showing {n} of {all} rows (--limit)', zh: '显示 {n}/{all} 行（--limit）' }, { n: shown.length, all: rows.length }));
    if (totals.estimated) footer.push(ctx.t({ en: '≈ estimated from configs/prices.yaml', zh: '≈ 为按 configs/prices.yaml 估算' }));
    return {
      data: {
        scope: where, since: since.toISOString(), until: now.toISOString(), by, currency: totals.currency,
        totals: { ...totals }, rows: shown.map(rowData),
      },
      view: {
        kind: 'table',
        columns,
        rows: shown.map((r) => ({
          label: r.label, project: r.project ?? '', tenant: r.tenant ?? '',
          input: tokens(r.inputTokens), output: tokens(r.outputTokens), cache: `${tokens(r.cacheReadTokens)}/${tokens(r.cacheWriteTokens)}`,
          total: tokens(r.totalTokens), cost: formatCost(r),
        })),
        empty: ctx.t({ en: 'No tokens used in {where} since {since}.', zh: '{where} 自 {since} 起没有 token 用量。' }, { where, since: formatTime(since, ctx.locale) }),
        footer: footer.join(' · '),
      },
    };
  },
});
