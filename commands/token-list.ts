// claw token list: your active tokens, or another member's (or everyone's in the scope) with token:manage.
import { defineCommand } from '../src/pipeline/command-spec.js';
import { platformFlag, tenantFlag } from '../src/pipeline/common-flags.js';
import { resolveTokenOwner } from '../src/engines/access/token-owner.js';
import { formatTime } from '../src/render/format.js';

export default defineCommand({
  words: ['token', 'list'],
  summary: { en: 'List active API tokens', zh: '列出有效的 API 令牌' },
  args: [],
  flags: {
    member: { kind: 'member', help: { en: "Another member's tokens (needs token:manage)", zh: '查看其他成员的令牌（需 token:manage）' } },
    all: { kind: 'bool', permission: 'token:manage', help: { en: 'Tokens of every member in the scope', zh: '范围内所有成员的令牌' } },
    tenant: tenantFlag,
    platform: platformFlag,
  },
  examples: ['claw token list', 'claw token list --member bob --tenant acme', 'claw token list --all'],
  permission: 'token:self',
  risk: 'read',
  scope: ({ flags }) => (flags.platform ? { kind: 'platform' } : { kind: 'tenant', tenant: flags.tenant, orPlatform: true }),
  engines: ['tenancy', 'access'],
  async handle(ctx) {
    const { tenancy, access } = ctx.engines;
    let members;
    if (ctx.flags.all) {
      members = await tenancy.listMembers(ctx.scope.kind === 'tenant' ? ctx.scope.tenant : null);
    } else {
      members = [await resolveTokenOwner(ctx, ctx.flags.member)];
    }
    const names = new Map(members.map((m) => [m.id, m.name]));
    const tokens = await access.listTokens(members.map((m) => m.id));
    const rows = tokens.map((t) => ({
      id: t.id.slice(0, 8), member: names.get(t.memberId) ?? '?', name: t.name, prefix: `${t.prefix}…`, kind: t.kind,
      created: formatTime(t.createdAt, ctx.locale), expires: formatTime(t.expiresAt, ctx.locale), lastUsed: formatTime(t.lastUsedAt, ctx.locale),
    }));
    return {
      data: {
        tokens: tokens.map((t) => ({
          id: t.id, member: names.get(t.memberId), name: t.name, prefix: t.prefix, kind: t.kind, createdAt: t.createdAt.toISOString(),
          expiresAt: t.expiresAt?.toISOString() ?? null, lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
        })),
      },
      view: {
        kind: 'table',
        columns: [
          { key: 'id', label: 'ID' },
          { key: 'member', label: ctx.t({ en: 'Member', zh: '成员' }) },
          { key: 'name', label: ctx.t({ en: 'Name', zh: '名称' }) },
          { key: 'prefix', label: ctx.t({ en: 'Starts with', zh: '前缀' }) },
          { key: 'expires', label: ctx.t({ en: 'Expires', zh: '过期' }) },
          { key: 'lastUsed', label: ctx.t({ en: 'Last used', zh: '最近使用' }) },
        ],
        rows,
        empty: ctx.t({ en: 'No active tokens.', zh: '没有有效的令牌。' }),
      },
    };
  },
});
