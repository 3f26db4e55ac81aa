// claw tenant quota NAME: shows a tenant's quota and use; with flags, changes the quota (platform admins).
import { defineCommand } from '../src/pipeline/command-spec.js';
import { scopeTenant } from '../src/store/resolved-scope.js';
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
    reset: { kind: 'bool', permission: CHANGE, help: { en: 'Back to the defaults of configs/claw.yaml', zh: '恢复为 configs/claw.yaml 中的默认值' } },
  },
  examples: ['claw tenant quota acme', 'claw tenant quota acme --instances 50 --memory 64Gi'],
  permission: 'tenant:read',
  risk: 'write',
  scope: ({ args }) => ({ kind: 'tenant', tenant: args.name }),
  engines: ['tenancy', 'lifecycle'],
  async handle(ctx) {
    const f = ctx.flags;
    let tenant = scopeTenant(ctx.scope);
    const changing = f.instances !== undefined || f.cpu || f.memory || f.storage || f.reset;
    if (changing) {
      tenant = await ctx.engines.tenancy.setQuota(tenant, f.reset
        ? { quotaInstances: null, quotaCpu: null, quotaMemory: null, quotaStorage: null }
        : {
          ...(f.instances !== undefined ? { quotaInstances: f.instances } : {}),
          ...(f.cpu ? { quotaCpu: f.cpu.text } : {}),
          ...(f.memory ? { quotaMemory: f.memory.text } : {}),
          ...(f.storage ? { quotaStorage: f.storage.text } : {}),
        });
      await ctx.engines.lifecycle.touchTenant(tenant);
    }
    const quota = ctx.engines.lifecycle.quotaOf(tenant);
    const used = await ctx.engines.lifecycle.usageOf(tenant);
    const row = (resource: string, u: string, allowed: string) => ({ resource, used: u, allowed });
    const rows = [
      row(ctx.t({ en: 'instances', zh: '实例数' }), String(used.instances), String(quota.instances)),
      row('cpu', formatCpu(used.cpu), quota.cpu),
      row(ctx.t({ en: 'memory', zh: '内存' }), formatBytes(used.memory), quota.memory),
      row(ctx.t({ en: 'storage', zh: '存储' }), formatBytes(used.storage), quota.storage),
    ];
    return {
      data: { tenant: tenant.name, quota, used },
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
