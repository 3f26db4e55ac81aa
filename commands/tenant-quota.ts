// claw tenant quota NAME: shows a tenant's quota and use; with flags, changes the quota (platform admins).
import { defineCommand } from '../src/pipeline/command-spec.js';
import { scopeTenant } from '../src/store/resolved-scope.js';
import { formatTokenCount } from '../src/model/values/token-count.js';
import { formatBytes, formatCpu } from '../src/util/quantity-format.js';

/** Reading a quota needs tenant:read; each flag changes it, which only platform admins may (the dispatcher checks). */
const CHANGE = 'tenant:quota';

export default defineCommand({
  words: ['tenant', 'quota'],
  summary: { en: 'Show or change a tenant\'s quota', zh: '查看或修改租户配额' },
  args: [{ name: 'name', kind: 'name', help: { en: 'Tenant (default: yours)', zh: '租户（默认：你所属的租户）' } }],
  flags: {
    instances: { kind: 'int', min: 0, max: 100_000, permission: CHANGE, help: { en: 'Most instances', zh: '实例数上限' } },
    cpu: { kind: 'cpu', permission: CHANGE, help: { en: 'CPU of running instances', zh: '运行实例的 CPU 总量' } },
    memory: { kind: 'bytes', permission: CHANGE, help: { en: 'Memory of running instances', zh: '运行实例的内存总量' } },
    storage: { kind: 'bytes', permission: CHANGE, help: { en: 'Storage of all instances (two volumes each)', zh: '全部实例的存储总量（每个实例两个卷）' } },
    tokens: { kind: 'count', min: 1, permission: CHANGE, help: { en: 'Tokens per calendar month, e.g. 50M (alerts at 80% and 100%)', zh: '每个自然月的 token 预算，如 50M（用到 80% 和 100% 时告警）' } },
    'hard-stop': { kind: 'enum', values: ['on', 'off'], permission: CHANGE, help: { en: 'At 100% of the token budget, ask to stop every claw of the tenant (through the approval rules)', zh: 'token 预算用尽时申请停止租户的全部实例（按审批规则）' } },
    reset: { kind: 'bool', permission: CHANGE, help: { en: 'Back to the defaults of configs/claw.yaml', zh: '恢复为 configs/claw.yaml 中的默认值' } },
  },
  examples: ['claw tenant quota acme', 'claw tenant quota acme --instances 50 --memory 64Gi', 'claw tenant quota acme --tokens 50M --hard-stop on'],
  permission: 'tenant:read',
  risk: 'write',
  scope: ({ args }) => ({ kind: 'tenant', tenant: args.name }),
  engines: ['tenancy', 'lifecycle', 'budgets'],
  async handle(ctx) {
    const f = ctx.flags;
    let tenant = scopeTenant(ctx.scope);
    const changing = f.instances !== undefined || f.cpu || f.memory || f.storage || f.tokens !== undefined || f['hard-stop'] !== undefined || f.reset;
    if (changing) {
      tenant = await ctx.engines.tenancy.setQuota(tenant, f.reset
        ? { quotaInstances: null, quotaCpu: null, quotaMemory: null, quotaStorage: null, tokenBudget: null, tokenBudgetHardStop: false }
        : {
          ...(f.instances !== undefined ? { quotaInstances: f.instances } : {}),
          ...(f.cpu ? { quotaCpu: f.cpu.text } : {}),
          ...(f.memory ? { quotaMemory: f.memory.text } : {}),
          ...(f.storage ? { quotaStorage: f.storage.text } : {}),
          ...(f.tokens !== undefined ? { tokenBudget: f.tokens } : {}),
          ...(f['hard-stop'] !== undefined ? { tokenBudgetHardStop: f['hard-stop'] === 'on' } : {}),
        });
      await ctx.engines.lifecycle.touchTenant(tenant);
    }
    const quota = ctx.engines.lifecycle.quotaOf(tenant);
    const used = await ctx.engines.lifecycle.usageOf(tenant);
    const tokensUsed = await ctx.engines.budgets.usedThisMonth(tenant.id);
    const tokenBudget = tenant.tokenBudget === null
      ? ctx.t({ en: 'no budget', zh: '未设预算' })
      : `${formatTokenCount(tenant.tokenBudget)}${tenant.tokenBudgetHardStop ? ctx.t({ en: ' (hard stop)', zh: '（用尽即停）' }) : ''}`;
    const row = (resource: string, u: string, allowed: string) => ({ resource, used: u, allowed });
    const rows = [
      row(ctx.t({ en: 'instances', zh: '实例数' }), String(used.instances), String(quota.instances)),
      row('cpu', formatCpu(used.cpu), quota.cpu),
      row(ctx.t({ en: 'memory', zh: '内存' }), formatBytes(used.memory), quota.memory),
      row(ctx.t({ en: 'storage', zh: '存储' }), formatBytes(used.storage), quota.storage),
      row(ctx.t({ en: 'tokens this month', zh: '本月 token' }), formatTokenCount(tokensUsed), tokenBudget),
    ];
    return {
      data: {
        tenant: tenant.name, quota, used,
        tokens: { usedThisMonth: tokensUsed, monthlyBudget: tenant.tokenBudget, hardStop: tenant.tokenBudgetHardStop },
      },
      view: {
        kind: 'table',
        title: changing ? ctx.t({ en: 'Quota of {tenant} updated', zh: '已更新 {tenant} 的配额' }, { tenant: tenant.name }) : ctx.t({ en: 'Quota of {tenant}', zh: '{tenant} 的配额' }, { tenant: tenant.name }),
        columns: [
          { key: 'resource', label: ctx.t({ en: 'Resource', zh: '资源' }) },
          { key: 'used', label: ctx.t({ en: 'Used', zh: '已用' }), align: 'right' },
          { key: 'allowed', label: ctx.t({ en: 'Allowed', zh: '上限' }), align: 'right' },
        ],
        rows,
        empty: '-',
      },
    };
  },
});
