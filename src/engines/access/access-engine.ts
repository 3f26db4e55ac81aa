// Role bindings and API tokens: granting and revoking roles, issuing and checking tokens, loading a member's principal.
import { In, IsNull, Not, type DataSource } from 'typeorm';
import { ClawError } from '../../errors/claw-error.js';
import type { Principal, PrincipalBinding, PrincipalIdentity } from '../../model/principal.js';
import type { ScopeTarget } from '../../model/scope.js';
import type { ResolvedScope } from '../../store/resolved-scope.js';
import { ApiTokenEntity, type ApiToken, type TokenKind } from '../../store/entities/api-token.js';
import { InstanceEntity } from '../../store/entities/instance.js';
import { MemberEntity, type Member } from '../../store/entities/member.js';
import { ProjectEntity } from '../../store/entities/project.js';
import { RoleBindingEntity, type RoleBinding } from '../../store/entities/role-binding.js';
import { TenantEntity } from '../../store/entities/tenant.js';
import { isUniqueViolation } from '../../store/unique-violation.js';
import { newId, randomToken, sha256Hex } from '../../util/ids.js';
import type { RoleCatalog } from './role-catalog.js';

export const TOKEN_PREFIX = 'claw_';
/** 40 base62 characters: about 238 bits, far beyond guessing; the prefix makes leaked tokens easy to scan for. */
const TOKEN_LENGTH = 40;
/** Writing last-use on every request would turn reads into writes; once a minute is precise enough. */
const LAST_USED_RESOLUTION_MS = 60_000;

export interface BindingView {
  binding: RoleBinding;
  target: ScopeTarget;
}

/** Who made a grant or a token and with which credential (`token:<id>`, `chat:<id>`); absent for the system. */
export interface MadeBy {
  memberId: string;
  via: string | null;
}

export interface IssuedToken {
  token: string;
  row: ApiToken;
}

function scopeColumns(scope: ResolvedScope): Pick<RoleBinding, 'scopeKind' | 'tenantId' | 'projectId' | 'instanceId' | 'scopeKey'> {
  switch (scope.kind) {
    case 'platform': return { scopeKind: 'platform', tenantId: null, projectId: null, instanceId: null, scopeKey: 'platform' };
    case 'tenant': return { scopeKind: 'tenant', tenantId: scope.tenant.id, projectId: null, instanceId: null, scopeKey: `t:${scope.tenant.id}` };
    case 'project':
      return { scopeKind: 'project', tenantId: scope.tenant.id, projectId: scope.project.id, instanceId: null, scopeKey: `p:${scope.project.id}` };
    case 'instance':
      return { scopeKind: 'instance', tenantId: scope.tenant.id, projectId: scope.project.id, instanceId: scope.instance.id, scopeKey: `i:${scope.instance.id}` };
    case 'none': throw new Error('a role cannot be bound to no scope');
  }
}

export class AccessEngine {
  constructor(
    private readonly db: DataSource,
    readonly roles: RoleCatalog,
  ) {}

  /** Bindings of members with their scopes by name, for principals and listings. */
  async bindingsOf(memberIds: string[]): Promise<Map<string, BindingView[]>> {
    const out = new Map<string, BindingView[]>();
    if (memberIds.length === 0) return out;
    const bindings = await this.db.getRepository(RoleBindingEntity).find({ where: { memberId: In(memberIds) }, order: { createdAt: 'ASC' } });
    const tenantIds = [...new Set(bindings.flatMap((b) => (b.tenantId ? [b.tenantId] : [])))];
    const projectIds = [...new Set(bindings.flatMap((b) => (b.projectId ? [b.projectId] : [])))];
    const instanceIds = [...new Set(bindings.flatMap((b) => (b.instanceId ? [b.instanceId] : [])))];
    const [tenants, projects, instances] = await Promise.all([
      tenantIds.length ? this.db.getRepository(TenantEntity).findBy({ id: In(tenantIds) }) : [],
      projectIds.length ? this.db.getRepository(ProjectEntity).findBy({ id: In(projectIds) }) : [],
      instanceIds.length ? this.db.getRepository(InstanceEntity).findBy({ id: In(instanceIds), nameKey: Not(IsNull()) }) : [],
    ]);
    const tenantName = new Map(tenants.map((t) => [t.id, t.name]));
    const projectName = new Map(projects.map((p) => [p.id, p.name]));
    const instanceName = new Map(instances.map((i) => [i.id, i.name]));
    for (const binding of bindings) {
      const tenant = binding.tenantId ? tenantName.get(binding.tenantId) : undefined;
      const project = binding.projectId ? projectName.get(binding.projectId) : undefined;
      const instance = binding.instanceId ? instanceName.get(binding.instanceId) : undefined;
      let target: ScopeTarget;
      if (binding.scopeKind === 'platform') target = { kind: 'platform' };
      else if (binding.scopeKind === 'tenant' && tenant) target = { kind: 'tenant', tenant };
      else if (binding.scopeKind === 'project' && tenant && project) target = { kind: 'project', tenant, project };
      else if (binding.scopeKind === 'instance' && tenant && project && instance) target = { kind: 'instance', tenant, project, instance };
      // A binding whose scope is gone grants nothing (deny by default), whatever its kind.
      else continue;
      const list = out.get(binding.memberId) ?? [];
      list.push({ binding, target });
      out.set(binding.memberId, list);
    }
    return out;
  }

  async principalOf(member: Member, identity: PrincipalIdentity): Promise<Principal> {
    const [bindings, tenant] = await Promise.all([
      this.bindingsOf([member.id]),
      member.tenantId ? this.db.getRepository(TenantEntity).findOneBy({ id: member.tenantId }) : null,
    ]);
    const principalBindings: PrincipalBinding[] = (bindings.get(member.id) ?? []).map(({ binding, target }) => ({
      role: binding.roleName,
      scope: target,
      // Permissions come from the role catalog at decision time, so editing roles.yaml takes effect on restart.
      permissions: this.roles.get(binding.roleName)?.permissions ?? [],
    }));
    return {
      memberId: member.id, name: member.name, displayName: member.displayName, kind: member.kind,
      tenant: tenant ? { id: tenant.id, name: tenant.name } : null,
      identity, bindings: principalBindings,
    };
  }

  async grant(input: { member: Member; role: string; scope: ResolvedScope; createdBy: string; by?: MadeBy }): Promise<{ binding: RoleBinding; created: boolean }> {
    const role = this.roles.get(input.role);
    if (!role) {
      throw new ClawError('CLAW_NOT_FOUND', { kind: { en: 'Role', zh: '角色' }, name: input.role }, {
        hint: { en: `Roles: ${this.roles.names().join(', ')}`, zh: `可用角色：${this.roles.names().join('、')}` },
      });
    }
    const columns = scopeColumns(input.scope);
    if (input.member.tenantId !== null && columns.tenantId !== input.member.tenantId) {
      throw new ClawError('CLAW_ARG_INVALID', {
        what: { en: 'scope', zh: '范围' },
        reason: {
          en: `${input.member.name} is a member of another tenant; roles can only be granted within the member's own tenant`,
          zh: `${input.member.name} 属于其他租户；只能在成员所属租户内授予角色`,
        },
      });
    }
    const repo = this.db.getRepository(RoleBindingEntity);
    const existing = await repo.findOneBy({ memberId: input.member.id, roleName: role.name, scopeKey: columns.scopeKey });
    if (existing) return { binding: existing, created: false };
    const binding: RoleBinding = {
      id: newId(), memberId: input.member.id, roleName: role.name, ...columns, createdAt: new Date(), createdBy: input.createdBy,
      createdByMemberId: input.by?.memberId ?? null, createdVia: input.by?.via ?? null,
    };
    try {
      await repo.insert(binding);
    } catch (error) {
      // Two grants racing: the other one won, which is the same outcome.
      if (isUniqueViolation(error)) return { binding: (await repo.findOneByOrFail({ memberId: input.member.id, roleName: role.name, scopeKey: columns.scopeKey })), created: false };
      throw error;
    }
    return { binding, created: true };
  }

  async revoke(input: { member: Member; role: string; scope: ResolvedScope }): Promise<boolean> {
    const columns = scopeColumns(input.scope);
    return this.db.transaction(async (em) => {
      const repo = em.getRepository(RoleBindingEntity);
      const binding = await repo.findOneBy({ memberId: input.member.id, roleName: input.role, scopeKey: columns.scopeKey });
      if (!binding) return false;
      if (binding.roleName === 'platform-admin' && binding.scopeKind === 'platform') {
        const admins = await repo.countBy({ roleName: 'platform-admin', scopeKey: 'platform' });
        if (admins <= 1) throw lastAdminError();
      }
      await repo.delete({ id: binding.id });
      return true;
    });
  }

  /** Whether removing this member would leave the platform without a platform admin. */
  async isLastPlatformAdmin(member: Member): Promise<boolean> {
    const repo = this.db.getRepository(RoleBindingEntity);
    const own = await repo.countBy({ memberId: member.id, roleName: 'platform-admin', scopeKey: 'platform' });
    if (own === 0) return false;
    return (await repo.countBy({ roleName: 'platform-admin', scopeKey: 'platform' })) <= 1;
  }

  async issueToken(input: { member: Member; name?: string; ttlMs: number | null; kind?: TokenKind; createdBy: string | null; by?: MadeBy; token?: string }): Promise<IssuedToken> {
    const repo = this.db.getRepository(ApiTokenEntity);
    const token = input.token ?? `${TOKEN_PREFIX}${randomToken(TOKEN_LENGTH)}`;
    let name = input.name;
    if (name) {
      if (await repo.findOneBy({ memberId: input.member.id, name, revokedAt: IsNull() })) {
        throw new ClawError('CLAW_CONFLICT_EXISTS', { kind: { en: 'Token', zh: '令牌' }, name });
      }
    } else {
      name = `token-${randomToken(6).toLowerCase()}`;
    }
    const now = new Date();
    const row: ApiToken = {
      id: newId(), memberId: input.member.id, name, kind: input.kind ?? 'person', tokenHash: sha256Hex(token),
      prefix: token.slice(0, 12), createdAt: now, createdBy: input.createdBy, createdByMemberId: input.by?.memberId ?? null, createdVia: input.by?.via ?? null,
      expiresAt: input.ttlMs === null ? null : new Date(now.getTime() + input.ttlMs), lastUsedAt: null, revokedAt: null,
    };
    await repo.insert(row);
    return { token, row };
  }

  /** The token's row and member if the token is known, not revoked and not expired; null otherwise. */
  async authenticate(token: string): Promise<{ token: ApiToken; member: Member } | null> {
    if (token.length < 16 || token.length > 512) return null;
    const row = await this.db.getRepository(ApiTokenEntity).findOneBy({ tokenHash: sha256Hex(token) });
    const now = Date.now();
    if (!row || row.revokedAt || (row.expiresAt && row.expiresAt.getTime() <= now)) return null;
    const member = await this.db.getRepository(MemberEntity).findOneBy({ id: row.memberId });
    if (!member) return null;
    if (!row.lastUsedAt || now - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
      row.lastUsedAt = new Date(now);
      await this.db.getRepository(ApiTokenEntity).update({ id: row.id }, { lastUsedAt: row.lastUsedAt });
    }
    return { token: row, member };
  }

  async listTokens(memberIds: string[]): Promise<ApiToken[]> {
    if (memberIds.length === 0) return [];
    return this.db.getRepository(ApiTokenEntity).find({ where: { memberId: In(memberIds), revokedAt: IsNull() }, order: { createdAt: 'ASC' } });
  }

  /** Finds an active token of the member by name, id, or id prefix (as listings show it). */
  async findToken(member: Member, ref: string): Promise<ApiToken | null> {
    const tokens = await this.listTokens([member.id]);
    return tokens.find((t) => t.name === ref || t.id === ref) ?? (ref.length >= 6 ? tokens.find((t) => t.id.startsWith(ref)) : undefined) ?? null;
  }

  async revokeToken(token: ApiToken): Promise<void> {
    await this.db.getRepository(ApiTokenEntity).update({ id: token.id }, { revokedAt: new Date() });
  }
}

export function lastAdminError(): ClawError {
  return new ClawError('CLAW_CONFLICT_IN_USE', {
    detail: {
      en: 'This is the last platform-admin; grant platform-admin to someone else first.',
      zh: '这是最后一个平台管理员；请先把 platform-admin 授予其他人。',
    },
  });
}
