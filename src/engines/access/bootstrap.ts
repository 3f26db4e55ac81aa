// First start: makes sure a platform admin exists and can sign in, with CLAW_ADMIN_TOKEN or a generated token.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IsNull, type DataSource } from 'typeorm';
import { ClawError } from '../../errors/claw-error.js';
import { ApiTokenEntity } from '../../store/entities/api-token.js';
import { RoleBindingEntity } from '../../store/entities/role-binding.js';
import { sha256Hex } from '../../util/ids.js';
import type { TenancyEngine } from '../tenancy/tenancy-engine.js';
import { DEFAULT_PROJECT, DEFAULT_TENANT } from '../../model/scope.js';
import type { AccessEngine } from './access-engine.js';

export const ADMIN_MEMBER = 'admin';
export const ADMIN_TOKEN_FILE = 'admin-token';

export interface BootstrapResult {
  /** Set only when a token was generated just now: print it once. */
  generatedToken?: string;
  tokenFile?: string;
}

export async function ensureBootstrapAdmin(input: {
  db: DataSource;
  tenancy: TenancyEngine;
  access: AccessEngine;
  adminToken: string | undefined;
  dataDir: string;
}): Promise<BootstrapResult> {
  const { db, tenancy, access } = input;
  const existing = await tenancy.findMember(null, ADMIN_MEMBER);

  if (!input.adminToken) {
    // Generate only at the very first start: a revoked bootstrap token stays revoked; CLAW_ADMIN_TOKEN recovers access.
    const anyAdmin = await db.getRepository(RoleBindingEntity).countBy({ roleName: 'platform-admin', scopeKey: 'platform' });
    if (existing || anyAdmin > 0) return {};
  }
  if (!existing) await ensureDefaultTenant(tenancy);
  const admin = existing ?? (await tenancy.addMember({ tenant: null, name: ADMIN_MEMBER, displayName: 'Platform admin', createdBy: null }));
  // The bootstrap token is by definition a platform-admin credential.
  await access.grant({ member: admin, role: 'platform-admin', scope: { kind: 'platform' }, createdBy: 'bootstrap' });

  const tokens = db.getRepository(ApiTokenEntity);
  if (input.adminToken) {
    const hash = sha256Hex(input.adminToken);
    const same = await tokens.findOneBy({ tokenHash: hash });
    if (same && same.memberId !== admin.id) {
      throw new ClawError('CLAW_CONFIG_INVALID', { setting: 'CLAW_ADMIN_TOKEN', reason: 'this value is already the token of another member; choose a new one' });
    }
    // The operator set this value on purpose: a previously revoked copy of it becomes valid again.
    if (same?.revokedAt) await tokens.update({ id: same.id }, { revokedAt: null });
    const active = await tokens.findBy({ memberId: admin.id, kind: 'bootstrap', revokedAt: IsNull() });
    if (same) {
      for (const t of active) if (t.id !== same.id) await access.revokeToken(t);
      return {};
    }
    // The configured token changed: the old bootstrap token stops working, the new one starts.
    for (const t of active) await access.revokeToken(t);
    await access.issueToken({ member: admin, name: 'bootstrap', kind: 'bootstrap', ttlMs: null, createdBy: 'bootstrap', token: input.adminToken });
    return {};
  }
  const { token } = await access.issueToken({ member: admin, name: 'bootstrap', kind: 'bootstrap', ttlMs: null, createdBy: 'bootstrap' });
  mkdirSync(input.dataDir, { recursive: true, mode: 0o700 });
  const tokenFile = join(input.dataDir, ADMIN_TOKEN_FILE);
  writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
  chmodSync(tokenFile, 0o600);
  return { generatedToken: token, tokenFile };
}

/** The first start also creates a `default` tenant and project, so `claw create demo` works right away. */
async function ensureDefaultTenant(tenancy: TenancyEngine): Promise<void> {
  const tenant = (await tenancy.findTenant(DEFAULT_TENANT)) ?? (await tenancy.createTenant({ name: DEFAULT_TENANT, displayName: 'Default tenant', createdBy: 'bootstrap' }));
  if (!(await tenancy.findProject(tenant, DEFAULT_PROJECT))) await tenancy.createProject({ tenant, name: DEFAULT_PROJECT, displayName: 'Default project', createdBy: 'bootstrap' });
}
