// Tenants, projects and members: creation, listing and deletion with the rules that keep them consistent.
import { In, IsNull, Not, type DataSource, type EntityManager } from 'typeorm';
import { ClawError } from '../../errors/claw-error.js';
import { ApiTokenEntity } from '../../store/entities/api-token.js';
import { ChatBindingEntity, type ChatBinding } from '../../store/entities/chat-binding.js';
import type { ChatPlatform } from '../../model/chat-platforms.js';
import { ChatIdentityEntity } from '../../store/entities/chat-identity.js';
import { InstanceEntity } from '../../store/entities/instance.js';
import type { MemberKind } from '../../model/principal.js';
import { MemberEntity, memberNameKey, type Member } from '../../store/entities/member.js';
import { ProjectEntity, type Project } from '../../store/entities/project.js';
import { RoleBindingEntity } from '../../store/entities/role-binding.js';
import { TenantEntity, type ApprovalPolicyOverrides, type Tenant } from '../../store/entities/tenant.js';
import { isUniqueViolation } from '../../store/unique-violation.js';
import { newId } from '../../util/ids.js';
import { DEFAULT_PROJECT } from '../../model/scope.js';

const KIND_TENANT = { en: 'Tenant', zh: '租户' };
const KIND_PROJECT = { en: 'Project', zh: '项目' };
const KIND_MEMBER = { en: 'Member', zh: '成员' };

export interface TenantDeletion {
  tenant: Tenant;
  membersRemoved: number;
}

export class TenancyEngine {
  constructor(private readonly db: DataSource) {}

  async createTenant(input: { name: string; displayName?: string; createdBy: string }): Promise<Tenant> {
    const tenant: Tenant = {
      id: newId(), name: input.name, displayName: input.displayName ?? input.name,
      quotaInstances: null, quotaCpu: null, quotaMemory: null, quotaStorage: null, tokenBudget: null, tokenBudgetHardStop: false, tokenBudgetStopped: null, approvalPolicy: null,
      createdAt: new Date(), createdBy: input.createdBy,
    };
    try {
      await this.db.getRepository(TenantEntity).insert(tenant);
    } catch (error) {
      if (isUniqueViolation(error)) throw new ClawError('CLAW_CONFLICT_EXISTS', { kind: KIND_TENANT, name: input.name });
      throw error;
    }
    return tenant;
  }

  async findTenant(name: string): Promise<Tenant | null> {
    return this.db.getRepository(TenantEntity).findOneBy({ name });
  }

  async getTenantById(id: string): Promise<Tenant | null> {
    return this.db.getRepository(TenantEntity).findOneBy({ id });
  }

  async getProjectById(id: string): Promise<Project> {
    return this.db.getRepository(ProjectEntity).findOneByOrFail({ id });
  }

  async getTenant(name: string): Promise<Tenant> {
    const tenant = await this.findTenant(name);
    if (!tenant) throw new ClawError('CLAW_NOT_FOUND', { kind: KIND_TENANT, name });
    return tenant;
  }

  async setQuota(tenant: Tenant, quota: Partial<Pick<Tenant, 'quotaInstances' | 'quotaCpu' | 'quotaMemory' | 'quotaStorage' | 'tokenBudget' | 'tokenBudgetHardStop'>>): Promise<Tenant> {
    await this.db.getRepository(TenantEntity).update({ id: tenant.id }, quota);
    return { ...tenant, ...quota };
  }

  /** Sets or clears (null) a project's monthly token budget. */
  async setProjectBudget(project: Project, tokenBudget: number | null): Promise<Project> {
    await this.db.getRepository(ProjectEntity).update({ id: project.id }, { tokenBudget });
    return { ...project, tokenBudget };
  }

  /** Replaces the tenant's changes to the default approval policy (null: the defaults of configs/approvals.yaml). */
  async setApprovalPolicy(tenant: Tenant, policy: ApprovalPolicyOverrides | null): Promise<Tenant> {
    await this.db.getRepository(TenantEntity).update({ id: tenant.id }, { approvalPolicy: policy });
    return { ...tenant, approvalPolicy: policy };
  }

  /** All tenants, or only those named in `visible`. */
  async listTenants(visible: 'all' | Set<string>): Promise<Array<Tenant & { projects: number; members: number }>> {
    const repo = this.db.getRepository(TenantEntity);
    const tenants = visible === 'all' ? await repo.find({ order: { name: 'ASC' } }) : visible.size === 0 ? [] : await repo.find({ where: { name: In([...visible]) }, order: { name: 'ASC' } });
    if (tenants.length === 0) return [];
    const ids = tenants.map((t) => t.id);
    const count = async (entity: typeof ProjectEntity | typeof MemberEntity) => {
      const rows = (await this.db.getRepository(entity).createQueryBuilder('x')
        .select('x.tenantId', 'tenantId').addSelect('COUNT(*)', 'n')
        .where('x.tenantId IN (:...ids)', { ids }).groupBy('x.tenantId').getRawMany()) as Array<{ tenantId: string; n: number | string }>;
      return new Map(rows.map((r) => [r.tenantId, Number(r.n)]));
    };
    const [projects, members] = await Promise.all([count(ProjectEntity), count(MemberEntity)]);
    return tenants.map((t) => ({ ...t, projects: projects.get(t.id) ?? 0, members: members.get(t.id) ?? 0 }));
  }

  /**
   * Deletes an empty tenant. A tenant that still has projects is refused (naming them), never cascaded; its members,
   * their identities, tokens and role bindings, and its chat bindings go with it, and the caller reports how many.
   */
  async deleteTenant(tenant: Tenant): Promise<TenantDeletion> {
    return this.db.transaction(async (em) => {
      const projects = await em.getRepository(ProjectEntity).find({ where: { tenantId: tenant.id }, order: { name: 'ASC' } });
      if (projects.length > 0) {
        const names = projects.slice(0, 5).map((p) => p.name).join(', ') + (projects.length > 5 ? ', ...' : '');
        throw new ClawError('CLAW_CONFLICT_IN_USE', {
          detail: {
            en: `Tenant ${tenant.name} still has ${projects.length} project(s): ${names}. Delete them first with \`claw project delete NAME --tenant ${tenant.name}\`.`,
            zh: `租户 ${tenant.name} 还有 ${projects.length} 个项目：${names}。请先用 \`claw project delete NAME --tenant ${tenant.name}\` 删除。`,
          },
        });
      }
      const members = await em.getRepository(MemberEntity).findBy({ tenantId: tenant.id });
      await this.removeMembersIn(em, members.map((m) => m.id));
      await em.getRepository(RoleBindingEntity).delete({ tenantId: tenant.id });
      await em.getRepository(ChatBindingEntity).delete({ tenantId: tenant.id });
      await em.getRepository(TenantEntity).delete({ id: tenant.id });
      return { tenant, membersRemoved: members.length };
    });
  }

  async createProject(input: { tenant: Tenant; name: string; displayName?: string; createdBy: string }): Promise<Project> {
    const project: Project = {
      id: newId(), tenantId: input.tenant.id, name: input.name, displayName: input.displayName ?? input.name, tokenBudget: null,
      createdAt: new Date(), createdBy: input.createdBy,
    };
    try {
      await this.db.getRepository(ProjectEntity).insert(project);
    } catch (error) {
      if (isUniqueViolation(error)) throw new ClawError('CLAW_CONFLICT_EXISTS', { kind: KIND_PROJECT, name: `${input.tenant.name}/${input.name}` });
      throw error;
    }
    return project;
  }

  async findProject(tenant: Tenant, name: string): Promise<Project | null> {
    return this.db.getRepository(ProjectEntity).findOneBy({ tenantId: tenant.id, name });
  }

  async getProject(tenant: Tenant, name: string): Promise<Project> {
    const project = await this.findProject(tenant, name);
    if (!project) throw new ClawError('CLAW_NOT_FOUND', { kind: KIND_PROJECT, name: `${tenant.name}/${name}` });
    return project;
  }

  /** The project a command means when it names none: `default`, or the tenant's only project. */
  async defaultProjectName(tenantName: string): Promise<string | undefined> {
    const tenant = await this.findTenant(tenantName);
    if (!tenant) return undefined;
    const projects = await this.listProjects(tenant);
    return (projects.find((p) => p.name === DEFAULT_PROJECT) ?? (projects.length === 1 ? projects[0] : undefined))?.name;
  }

  async listProjects(tenant: Tenant): Promise<Project[]> {
    return this.db.getRepository(ProjectEntity).find({ where: { tenantId: tenant.id }, order: { name: 'ASC' } });
  }

  async deleteProject(project: Project): Promise<void> {
    await this.db.transaction(async (em) => {
      const instances = await em.getRepository(InstanceEntity).find({ where: { projectId: project.id, nameKey: Not(IsNull()) }, order: { name: 'ASC' } });
      if (instances.length > 0) {
        const names = instances.slice(0, 5).map((i) => i.name).join(', ') + (instances.length > 5 ? ', ...' : '');
        throw new ClawError('CLAW_CONFLICT_IN_USE', {
          detail: {
            en: `Project ${project.name} still has ${instances.length} instance(s): ${names}. Destroy them first with \`claw destroy NAME --project ${project.name}\`.`,
            zh: `项目 ${project.name} 还有 ${instances.length} 个实例：${names}。请先用 \`claw destroy 名称 --project ${project.name}\` 销毁。`,
          },
        });
      }
      await em.getRepository(RoleBindingEntity).delete({ projectId: project.id });
      await em.getRepository(ChatBindingEntity).delete({ projectId: project.id });
      await em.getRepository(ProjectEntity).delete({ id: project.id });
    });
  }

  /** Binds a chat group to a tenant (and project): commands typed there default to that scope. */
  async bindChat(input: { platform: ChatPlatform; orgId: string; chatId: string; tenant: Tenant; project: Project | null; createdBy: string }): Promise<void> {
    const repo = this.db.getRepository(ChatBindingEntity);
    const existing = await repo.findOneBy({ platform: input.platform, orgId: input.orgId, chatId: input.chatId });
    const row: ChatBinding = {
      id: existing?.id ?? newId(), platform: input.platform, orgId: input.orgId, chatId: input.chatId, tenantId: input.tenant.id,
      projectId: input.project?.id ?? null, createdAt: new Date(), createdBy: input.createdBy,
    };
    await repo.save(row);
  }

  async unbindChat(platform: ChatPlatform, orgId: string, chatId: string): Promise<boolean> {
    return Boolean((await this.db.getRepository(ChatBindingEntity).delete({ platform, orgId, chatId })).affected);
  }

  /** The tenant and project a chat group is bound to, by name. */
  async chatBinding(platform: ChatPlatform, orgId: string, chatId: string): Promise<{ tenant: Tenant; project: Project | null } | null> {
    const binding = await this.db.getRepository(ChatBindingEntity).findOneBy({ platform, orgId, chatId });
    if (!binding) return null;
    const tenant = await this.getTenantById(binding.tenantId);
    if (!tenant) return null;
    const project = binding.projectId ? await this.db.getRepository(ProjectEntity).findOneBy({ id: binding.projectId }) : null;
    return { tenant, project };
  }

  /** The bound groups of a tenant (or all), oldest first, with the names of what each is bound to. */
  async chatBindings(tenant: Tenant | null): Promise<Array<ChatBinding & { tenantName: string; projectName: string | null }>> {
    const bindings = await this.db.getRepository(ChatBindingEntity).find({ where: tenant ? { tenantId: tenant.id } : {}, order: { createdAt: 'ASC' } });
    const ids = (values: Array<string | null>) => [...new Set(values.filter((v): v is string => v !== null))];
    const tenantIds = ids(bindings.map((b) => b.tenantId));
    const projectIds = ids(bindings.map((b) => b.projectId));
    const tenants = new Map((tenantIds.length ? await this.db.getRepository(TenantEntity).findBy({ id: In(tenantIds) }) : []).map((t) => [t.id, t.name]));
    const projects = new Map((projectIds.length ? await this.db.getRepository(ProjectEntity).findBy({ id: In(projectIds) }) : []).map((p) => [p.id, p.name]));
    return bindings.map((b) => ({ ...b, tenantName: tenants.get(b.tenantId) ?? '?', projectName: b.projectId ? (projects.get(b.projectId) ?? '?') : null }));
  }

  /** Members holding tenant-admin on the tenant: whom an unknown person in a bound group should ask for access. */
  async tenantAdmins(tenant: Tenant): Promise<Member[]> {
    const bindings = await this.db.getRepository(RoleBindingEntity).findBy({ tenantId: tenant.id, roleName: 'tenant-admin', scopeKind: 'tenant' });
    return bindings.length ? this.db.getRepository(MemberEntity).find({ where: { id: In(bindings.map((b) => b.memberId)) }, order: { name: 'ASC' } }) : [];
  }

  async addMember(input: { tenant: Tenant | null; name: string; displayName?: string; kind?: MemberKind; createdBy: string | null }, em?: EntityManager): Promise<Member> {
    const tenantId = input.tenant?.id ?? null;
    const member: Member = {
      id: newId(), tenantId, name: input.name, nameKey: memberNameKey(tenantId, input.name), displayName: input.displayName ?? input.name,
      kind: input.kind ?? 'person', createdAt: new Date(), createdBy: input.createdBy,
    };
    try {
      await (em ?? this.db.manager).getRepository(MemberEntity).insert(member);
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ClawError('CLAW_CONFLICT_EXISTS', { kind: KIND_MEMBER, name: input.tenant ? `${input.tenant.name}/${input.name}` : input.name });
      }
      throw error;
    }
    return member;
  }

  /** A member of a tenant, or a platform member when `tenant` is null. */
  async findMember(tenant: Tenant | null, name: string): Promise<Member | null> {
    return this.db.getRepository(MemberEntity).findOneBy({ nameKey: memberNameKey(tenant?.id ?? null, name) });
  }

  async getMember(tenant: Tenant | null, name: string): Promise<Member> {
    const member = await this.findMember(tenant, name);
    if (!member) throw new ClawError('CLAW_NOT_FOUND', { kind: KIND_MEMBER, name: tenant ? `${tenant.name}/${name}` : name });
    return member;
  }

  /**
   * The member a role or token is meant for: a member of the tenant, else a platform member of that name
   * (platform operators may hold roles inside tenants too).
   */
  async getMemberFor(tenant: Tenant | null, name: string): Promise<Member> {
    const member = (tenant ? await this.findMember(tenant, name) : null) ?? (await this.findMember(null, name));
    if (!member) throw new ClawError('CLAW_NOT_FOUND', { kind: KIND_MEMBER, name: tenant ? `${tenant.name}/${name}` : name });
    return member;
  }

  async getMemberById(id: string): Promise<Member | null> {
    return this.db.getRepository(MemberEntity).findOneBy({ id });
  }

  async listMembers(tenant: Tenant | null): Promise<Member[]> {
    return this.db.getRepository(MemberEntity).find({ where: { tenantId: tenant ? tenant.id : IsNull() }, order: { name: 'ASC' } });
  }

  /** Removes a member with their identities, tokens and role bindings. */
  async removeMember(member: Member): Promise<void> {
    await this.db.transaction((em) => this.removeMembersIn(em, [member.id]));
  }

  private async removeMembersIn(em: EntityManager, memberIds: string[]): Promise<void> {
    if (memberIds.length === 0) return;
    const ids = In(memberIds);
    await em.getRepository(ChatIdentityEntity).delete({ memberId: ids });
    await em.getRepository(ApiTokenEntity).delete({ memberId: ids });
    await em.getRepository(RoleBindingEntity).delete({ memberId: ids });
    await em.getRepository(MemberEntity).delete({ id: ids });
  }
}
