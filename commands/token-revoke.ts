// claw token revoke TOKEN: revokes one of your tokens (or another member's with token:manage) by name or id; chat
// accounts linked with codes that the token asked for (`claw link`) are unlinked with it.
import { ClawError } from '../src/errors/claw-error.js';
import { defineCommand } from '../src/pipeline/command-spec.js';
import { platformFlag, tenantFlag } from '../src/pipeline/common-flags.js';
import { resolveTokenOwner } from '../src/engines/access/token-owner.js';

export default defineCommand({
  words: ['token', 'revoke'],
  summary: { en: 'Revoke an API token', zh: '吊销 API 令牌' },
  args: [{ name: 'token', kind: 'string', required: true, maxLength: 100, help: { en: 'Token name or id (as `claw token list` shows)', zh: '令牌名称或 ID（见 `claw token list`）' } }],
  flags: {
    member: { kind: 'member', help: { en: "Another member's token (needs token:manage)", zh: '其他成员的令牌（需 token:manage）' } },
    tenant: tenantFlag,
    platform: platformFlag,
  },
  examples: ['claw token revoke laptop', 'claw token revoke 3f2a9c1b --member bob --tenant acme'],
  permission: 'token:self',
  risk: 'write',
  scope: ({ flags }) => (flags.platform ? { kind: 'platform' } : { kind: 'tenant', tenant: flags.tenant, orPlatform: true }),
  engines: ['tenancy', 'access', 'identities'],
  async handle(ctx) {
    const owner = await resolveTokenOwner(ctx, ctx.flags.member);
    const token = await ctx.engines.access.findToken(owner, ctx.args.token);
    if (!token) throw new ClawError('CLAW_NOT_FOUND', { kind: { en: 'Token', zh: '令牌' }, name: ctx.args.token }, { hint: { en: 'See `claw token list`.', zh: '参见 `claw token list`。' } });
    await ctx.engines.access.revokeToken(token);
    // A leaked token must not leave behind the chat accounts someone linked with it.
    const unlinked = (await ctx.engines.identities.unlinkMadeWith(`token:${token.id}`)).map((i) => `${i.platform}:${i.userId}`);
    const revoked = ctx.t({ en: 'Token {name} of {member} revoked.', zh: '已吊销 {member} 的令牌 {name}。' }, { name: token.name, member: owner.name });
    return {
      data: { revoked: token.id, name: token.name, member: owner.name, unlinked },
      view: {
        kind: 'message', tone: 'success',
        text: unlinked.length ? `${revoked} ${ctx.t({ en: 'Chat accounts linked with it were unlinked: {accounts}.', zh: '用它关联的聊天账号已解除关联：{accounts}。' }, { accounts: unlinked.join(', ') })}` : revoked,
      },
    };
  },
});
