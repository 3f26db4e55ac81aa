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

export const selectorFlag = {
  kind: 'selector',
  help: { en: 'Act on the instances whose labels match, e.g. team=sales,env!=prod', zh: '作用于标签匹配的实例，如 team=sales,env!=prod' },
} as const satisfies FlagSpec;

export const allFlag = {
  kind: 'bool',
  help: { en: 'Act on every instance in the tenant (or --project)', zh: '作用于租户（或 --project 指定项目）内的全部实例' },
} as const satisfies FlagSpec;

export const waitFlag = {
  kind: 'bool',
  short: 'w',
  help: { en: 'Wait until done (chat replies always show progress)', zh: '等待完成（聊天中总会显示进度）' },
} as const satisfies FlagSpec;

export const timeoutFlag = {
  kind: 'duration',
  help: { en: 'How long --wait waits (default 10m)', zh: '--wait 的最长等待时间（默认 10m）' },
} as const satisfies FlagSpec;
