// claw project quota NAME: shows a project's monthly token budget and this month's use; with flags, changes it.
import { defineCommand } from '../src/pipeline/command-spec.js';
import { tenantFlag } from '../src/pipeline/common-flags.js';
import { formatTokenCount } from '../src/model/values/token-count.js';
import { scopeProject, scopeTenant } from '../src/store/resolved-scope.js';

/** Reading needs project:read; setting a budget is managing the project, which tenant admins do. */
const CHANGE = 'project:quota';

export default defineCommand({
  words: ['project', 'quota'],
  summary: { en: 'Show or change a project\'s monthly token budget', zh: '查看或修改项目的每月 token 预算' },
  description: {
    en: 'A project budget sits inside the tenant\'s: alerts fire at 80% and 100% of either. Months begin in the control plane\'s time zone (locale.timeZone).',
    zh: '项目预算在租户预算之内：任一预算用到 80% 和 100% 时告警。自然月按控制平面的时区（locale.timeZone）计算。',
  },
  args: [{ name: 'name', kind: 'name', required: true, help: { en: 'Project name', zh: '项目名' } }],
  flags: {
    tenant: tenantFlag,
    tokens: { kind: 'count', min: 1, permission: CHANGE, help: { en: 'Tokens per calendar month, e.g. 10M', zh: '每个自然月的 token 预算，如 10M' } },
    reset: { kind: 'bool', permission: CHANGE, help: { en: 'Remove the project\'s budget (the tenant\'s still applies)', zh: '取消项目预算（租户预算仍然有效）' } },
  },
  examples: ['claw project quota sales', 'claw project quota sales --tokens 10M', 'claw project quota sales --reset'],
  permission: 'project:read',
  risk: 'write',
  scope: ({ args, flags }) => ({ kind: 'project', tenant: flags.tenant, project: args.name }),
  engines: ['tenancy', 'budgets'],
  async handle(ctx) {
    const tenant = scopeTenant(ctx.scope);
    let project = scopeProject(ctx.scope);
    const changing = ctx.flags.tokens !== undefined || ctx.flags.reset;
    if (changing) project = await ctx.engines.tenancy.setProjectBudget(project, ctx.flags.reset ? null : ctx.flags.tokens ?? null);
    const used = await ctx.engines.budgets.usedThisMonth(tenant.id, project.id);
    const name = `${tenant.name}/${project.name}`;
    const budget = project.tokenBudget === null ? ctx.t({ en: 'no budget', zh: '未设预算' }) : formatTokenCount(project.tokenBudget);
    return {
      data: { project: name, tokens: { usedThisMonth: used, monthlyBudget: project.tokenBudget } },
      view: {
        kind: 'detail',
        title: changing ? ctx.t({ en: 'Token budget of {name} updated', zh: '已更新 {name} 的 token 预算' }, { name }) : ctx.t({ en: 'Token budget of {name}', zh: '{name} 的 token 预算' }, { name }),
        fields: [
          { label: ctx.t({ en: 'Tokens this month', zh: '本月 token' }), value: formatTokenCount(used) },
          { label: ctx.t({ en: 'Monthly budget', zh: '每月预算' }), value: budget },
          ...(project.tokenBudget ? [{ label: ctx.t({ en: 'Used', zh: '已用' }), value: `${Math.round((used / project.tokenBudget) * 100)}%` }] : []),
        ],
      },
    };
  },
});
