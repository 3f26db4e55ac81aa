// Built-in roles from configs/roles.yaml: validated at start-up, kept in memory, mirrored into the roles table.
import type { DataSource } from 'typeorm';
import { readYamlFile } from '../../config/yaml-file.js';
import { ClawError } from '../../errors/claw-error.js';
import type { Text } from '../../i18n/locale.js';
import { RoleEntity, type Role } from '../../store/entities/role.js';
import { configPath } from '../../util/package-root.js';

export interface RoleDefinition {
  name: string;
  description: Text;
  permissions: string[];
}

const PERMISSION = /^(?:\*|[a-z][a-z-]*:(?:\*|[a-z][a-z-]*))$/;
const ROLE_NAME = /^[a-z][a-z0-9-]{0,62}$/;

function fail(file: string, reason: string): never {
  throw new ClawError('CLAW_CONFIG_INVALID', { setting: file, reason });
}

export function parseRoles(doc: unknown, file: string): RoleDefinition[] {
  if (typeof doc !== 'object' || doc === null || !('roles' in doc)) fail(file, 'expected a top-level `roles:` mapping');
  const roles = (doc as { roles: unknown }).roles;
  if (typeof roles !== 'object' || roles === null || Array.isArray(roles)) fail(file, '`roles` must map role names to definitions');
  const out: RoleDefinition[] = [];
  for (const [name, raw] of Object.entries(roles)) {
    if (!ROLE_NAME.test(name)) fail(file, `role name "${name}" must be lowercase letters, digits and "-"`);
    const def = raw as { description?: { en?: unknown; zh?: unknown }; permissions?: unknown };
    const extra = Object.keys(def ?? {}).filter((k) => k !== 'description' && k !== 'permissions');
    if (extra.length) fail(file, `role ${name}: unknown key ${extra.join(', ')}`);
    if (typeof def?.description?.en !== 'string' || typeof def.description.zh !== 'string') {
      fail(file, `role ${name}: description needs en and zh texts`);
    }
    if (!Array.isArray(def.permissions) || def.permissions.length === 0) fail(file, `role ${name}: permissions must be a non-empty list`);
    for (const p of def.permissions) {
      if (typeof p !== 'string' || !PERMISSION.test(p)) fail(file, `role ${name}: "${String(p)}" is not a permission like instance:stop, instance:* or *`);
    }
    out.push({ name, description: { en: def.description.en, zh: def.description.zh }, permissions: def.permissions as string[] });
  }
  return out;
}

export class RoleCatalog {
  private readonly byName: Map<string, RoleDefinition>;

  constructor(readonly roles: readonly RoleDefinition[]) {
    this.byName = new Map(roles.map((r) => [r.name, r]));
  }

  static fromFile(file = configPath('roles.yaml')): RoleCatalog {
    return new RoleCatalog(parseRoles(readYamlFile(file), file));
  }

  get(name: string): RoleDefinition | undefined {
    return this.byName.get(name);
  }

  names(): string[] {
    return this.roles.map((r) => r.name);
  }

  /** Mirrors the built-in roles into the database, so bindings name rows that exist and SQL reports can join them. */
  async sync(dataSource: DataSource): Promise<void> {
    const repo = dataSource.getRepository(RoleEntity);
    const now = new Date();
    for (const r of this.roles) {
      const row: Role = {
        name: r.name, builtin: true, descriptionEn: r.description.en, descriptionZh: r.description.zh,
        permissions: r.permissions, updatedAt: now,
      };
      await repo.save(row);
    }
  }
}
