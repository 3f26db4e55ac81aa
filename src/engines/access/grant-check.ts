// Checks a grant before it is written: the role exists and the granter holds every permission it carries.
import { ClawError } from '../../errors/claw-error.js';
import type { Principal } from '../../model/principal.js';
import { firstMissing } from '../../model/rbac.js';
import { scopeText, type ScopeTarget } from '../../model/scope.js';
import type { RoleCatalog, RoleDefinition } from './role-catalog.js';

export function checkGrantable(roles: RoleCatalog, granter: Principal, roleName: string, target: ScopeTarget): RoleDefinition {
  const role = roles.get(roleName);
  if (!role) {
    throw new ClawError('CLAW_NOT_FOUND', { kind: { en: 'Role', zh: '角色' }, name: roleName }, {
      hint: { en: `Roles: ${roles.names().join(', ')}`, zh: `可用角色：${roles.names().join('、')}` },
    });
  }
  const missing = firstMissing(granter, role.permissions, target);
  if (missing) throw new ClawError('CLAW_AUTH_ESCALATION', { role: roleName, scope: scopeText(target), permission: missing });
  return role;
}
