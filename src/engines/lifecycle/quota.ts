// Tenant quota: what a tenant's instances use, and whether a create or start fits, with a message that says why not.
import { Not, IsNull, type EntityManager } from 'typeorm';
import { ClawError } from '../../errors/claw-error.js';
import { parseQuantity } from '../../model/values/quantity.js';
import { InstanceEntity, type Instance } from '../../store/entities/instance.js';
import type { Tenant } from '../../store/entities/tenant.js';
import type { TenantQuota } from '../../runtime/runtime.js';
import { formatBytes, formatCpu } from '../../util/quantity-format.js';

export interface Usage {
  instances: number;
  cpu: number;
  memory: number;
  storage: number;
}

const cores = (q: string) => (parseQuantity(q, 'cpu') as { ok: true; value: { value: number } }).value.value;
const bytes = (q: string) => (parseQuantity(q, 'bytes') as { ok: true; value: { value: number } }).value.value;

export function effectiveQuota(tenant: Tenant, defaults: TenantQuota): TenantQuota {
  return {
    instances: tenant.quotaInstances ?? defaults.instances,
    cpu: tenant.quotaCpu ?? defaults.cpu,
    memory: tenant.quotaMemory ?? defaults.memory,
    storage: tenant.quotaStorage ?? defaults.storage,
  };
}

/** Instances count while they exist; cpu and memory while they should run; storage (two volumes each) while they exist. */
export function usageOf(instances: Array<Pick<Instance, 'storage' | 'desiredPhase' | 'cpu' | 'memory'>>): Usage {
  const usage: Usage = { instances: 0, cpu: 0, memory: 0, storage: 0 };
  for (const i of instances) {
    usage.instances++;
    usage.storage += 2 * bytes(i.storage);
    if (i.desiredPhase === 'Running') {
      usage.cpu += cores(i.cpu);
      usage.memory += bytes(i.memory);
    }
  }
  return usage;
}

export async function tenantUsage(em: EntityManager, tenantId: string, except?: string): Promise<Usage> {
  // Only the columns that count: a create in a tenant of thousands reads a few bytes per instance, not whole rows.
  const rows = await em.getRepository(InstanceEntity).find({
    select: { id: true, storage: true, desiredPhase: true, cpu: true, memory: true },
    where: { tenantId, nameKey: Not(IsNull()) },
  });
  return usageOf(except ? rows.filter((r) => r.id !== except) : rows);
}

/** Throws CLAW_QUOTA_EXCEEDED naming the first resource that does not fit. */
export function checkQuota(tenant: Tenant, quota: TenantQuota, used: Usage, asked: Partial<Usage>): void {
  const checks: Array<[keyof Usage, string, number, (n: number) => string]> = [
    ['instances', 'instances', quota.instances, String],
    ['cpu', 'cpu', cores(quota.cpu), formatCpu],
    ['memory', 'memory', bytes(quota.memory), formatBytes],
    ['storage', 'storage', bytes(quota.storage), formatBytes],
  ];
  for (const [key, resource, allowed, fmt] of checks) {
    const want = asked[key] ?? 0;
    if (want > 0 && used[key] + want > allowed + 1e-9) {
      throw new ClawError('CLAW_QUOTA_EXCEEDED', { tenant: tenant.name, resource, used: fmt(used[key]), asked: fmt(want), allowed: fmt(allowed) }, {
        hint: {
          en: `Stop or destroy instances, or ask a platform admin: claw tenant quota ${tenant.name} --${resource} ...`,
          zh: `请停止或销毁实例，或请平台管理员调整：claw tenant quota ${tenant.name} --${resource} ...`,
        },
      });
    }
  }
}

/** What one instance asks for when it is created (everything) or started (cpu and memory). */
export function askOf(instance: Pick<Instance, 'cpu' | 'memory' | 'storage'>, kind: 'create' | 'start'): Partial<Usage> {
  return kind === 'create'
    ? { instances: 1, cpu: cores(instance.cpu), memory: bytes(instance.memory), storage: 2 * bytes(instance.storage) }
    : { cpu: cores(instance.cpu), memory: bytes(instance.memory) };
}
