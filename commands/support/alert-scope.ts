// Where an alert belongs for RBAC, and who may see which alerts and silences: shared by the alert and silence commands.
import { ClawError } from '../../src/errors/claw-error.js';
import type { AlertsEngine } from '../../src/engines/alerts/alerts-engine.js';
import type { TenancyEngine } from '../../src/engines/tenancy/tenancy-engine.js';
import type { Principal } from '../../src/model/principal.js';
import { isAllowed, tenantsAllowed } from '../../src/model/rbac.js';
import type { ScopeTarget } from '../../src/model/scope.js';
import type { Alert } from '../../src/store/entities/alert.js';

/** The claw, project or tenant an alert is about; alerts of no tenant belong to routing.platformTenant, whose chats get them. */
export function alertTarget(alert: Alert, platformTenant: string): ScopeTarget {
  const l = alert.labels;
  if (!alert.tenantId || !l.tenant) return { kind: 'tenant', tenant: platformTenant };
  if (alert.projectId && l.project && alert.instanceId && l.instance) return { kind: 'instance', tenant: l.tenant, project: l.project, instance: l.instance };
  if (alert.projectId && l.project) return { kind: 'project', tenant: l.tenant, project: l.project };
  return { kind: 'tenant', tenant: l.tenant };
}

/** The alert, if the actor may read it; one they may not read is not found, like a missing one (it names tenants). */
export async function visibleAlert(alerts: AlertsEngine, actor: Principal, id: number): Promise<{ alert: Alert; target: ScopeTarget }> {
  const alert = await alerts.get(id);
  const target = alertTarget(alert, alerts.rules.routing.platformTenant);
  if (!isAllowed(actor, 'alert:read', target)) throw new ClawError('CLAW_NOT_FOUND', { kind: { en: 'Alert', zh: '告警' }, name: `#${id}` });
  return { alert, target };
}

/**
 * The tenant ids whose alerts a listing shows: the one tenant of the scope, or every tenant the actor reads alerts in;
 * `null` (the platform's own alerts) when they read alerts in the platform tenant.
 */
export async function visibleTenantIds(
  tenancy: TenancyEngine, alerts: AlertsEngine, actor: Principal, scopeTenant: { id: string; name: string } | null,
): Promise<'all' | Array<string | null>> {
  const platformTenant = alerts.rules.routing.platformTenant;
  if (scopeTenant) return scopeTenant.name === platformTenant ? [scopeTenant.id, null] : [scopeTenant.id];
  const visible = tenantsAllowed(actor, 'alert:read');
  if (visible === 'all') return 'all';
  const tenants = await tenancy.listTenants(visible);
  return [...tenants.map((t) => t.id), ...(visible.has(platformTenant) ? [null] : [])];
}
