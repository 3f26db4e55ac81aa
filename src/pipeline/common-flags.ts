// Flags many commands share, declared once so their help text and types stay identical everywhere.
import type { FlagSpec } from './command-spec.js';

export const tenantFlag = {
  kind: 'name',
  help: { en: "Tenant (default: the chat group's tenant, or your own)", zh: '租户（默认：群绑定的租户，或你所属的租户）' },
} as const satisfies FlagSpec;

export const projectFlag = {
  kind: 'name',
  help: { en: "Project (default: the chat group's project)", zh: '项目（默认：群绑定的项目）' },
} as const satisfies FlagSpec;

export const platformFlag = {
  kind: 'bool',
  help: { en: 'Act on platform members instead of a tenant', zh: '针对平台成员而非租户成员' },
} as const satisfies FlagSpec;

export const displayNameFlag = {
  kind: 'string',
  maxLength: 200,
  help: { en: 'Human-readable name, e.g. "Acme Sales"', zh: '显示名称，例如 "华东销售部"' },
} as const satisfies FlagSpec;
