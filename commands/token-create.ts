// claw token create: issues an API token (shown once) for yourself or, with token:manage, for another member.
import { ClawError } from '../src/errors/claw-error.js';
import { defineCommand } from '../src/pipeline/command-spec.js';
import { platformFlag, tenantFlag } from '../src/pipeline/common-flags.js';
import { formatDuration } from '../src/model/values/duration.js';
import { formatTime } from '../src/render/format.js';
import { resolveTokenOwner } from '../src/engines/access/token-owner.js';
import { madeBy } from '../src/model/principal.js';

/** Tokens expire by default, so forgotten ones stop working; 90 days matches common corporate rotation rules. */
const DEFAULT_TTL_MS = 90 * 86_400_000;

export default defineCommand({
  words: ['token', 'create'],
  summary: { en: 'Create an API token (shown once)', zh: '创建 API 令牌（仅显示一次）' },
  description: {
    en: 'Use the token as CLAW_TOKEN for the claw CLI or as a Bearer token for the HTTP API. Only its hash is stored. A token you create for someone else never approves your own requests: you held it.',
    zh: '令牌可作为 claw 命令行的 CLAW_TOKEN，或 HTTP API 的 Bearer 令牌。服务端只保存其哈希。你为他人创建的令牌不能批准你自己发起的请求：你曾持有它。',
  },
  args: [],
  flags: {
    member: { kind: 'member', help: { en: 'Whose token (default: yours; others need token:manage)', zh: '令牌所属成员（默认自己；为他人创建需 token:manage）' } },
    tenant: tenantFlag,
    platform: platformFlag,
    name: { kind: 'name', help: { en: 'A name to tell tokens apart, e.g. laptop', zh: '用于区分令牌的名称，如 laptop' } },
    ttl: { kind: 'duration', help: { en: 'Lifetime (default 90d)', zh: '有效期（默认 90d）' } },
    'no-expiry': { kind: 'bool', help: { en: 'Never expires (prefer --ttl)', zh: '永不过期（建议使用 --ttl）' } },
  },
  examples: ['claw token create --name laptop', 'claw token create --member bob --tenant acme --ttl 30d'],
  permission: 'token:self',
  risk: 'write',
  scope: ({ flags }) => (flags.platform ? { kind: 'platform' } : { kind: 'tenant', tenant: flags.tenant, orPlatform: true }),
  engines: ['tenancy', 'access'],
  async handle(ctx) {
    if (ctx.flags.ttl !== undefined && ctx.flags['no-expiry']) {
      throw new ClawError('CLAW_ARG_INVALID', { what: '--ttl', reason: { en: 'cannot be combined with --no-expiry', zh: '不能与 --no-expiry 同时使用' } });
    }
    const owner = await resolveTokenOwner(ctx, ctx.flags.member);
    const ttlMs = ctx.flags['no-expiry'] ? null : (ctx.flags.ttl ?? DEFAULT_TTL_MS);
    const { token, row } = await ctx.engines.access.issueToken({ member: owner, name: ctx.flags.name, ttlMs, createdBy: ctx.actor.name, by: madeBy(ctx.actor) });
    return {
      data: { token, id: row.id, name: row.name, member: owner.name, expiresAt: row.expiresAt?.toISOString() ?? null },
      view: {
        kind: 'secret',
        title: ctx.t({ en: 'Token {name} created for {member}', zh: '已为 {member} 创建令牌 {name}' }, { name: row.name, member: owner.name }),
        label: ctx.t({ en: 'Token', zh: '令牌' }),
        secret: token,
        warning: ctx.t({ en: 'Copy it now: it will not be shown again. Use it as CLAW_TOKEN or as "Authorization: Bearer <token>".', zh: '请立即复制：令牌不会再次显示。可用作 CLAW_TOKEN 或 "Authorization: Bearer <令牌>"。' }),
        fields: [
          { label: ctx.t({ en: 'Member', zh: '成员' }), value: owner.name },
          { label: ctx.t({ en: 'Expires', zh: '过期时间' }), value: row.expiresAt ? `${formatTime(row.expiresAt, ctx.locale)} (${formatDuration(ttlMs!)})` : ctx.t({ en: 'never', zh: '永不' }) },
        ],
      },
    };
  },
});
