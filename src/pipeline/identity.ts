// Identity: who sent a command, from an API token (and, with the chat channels, from a chat user id).
import type { AccessEngine } from '../engines/access/access-engine.js';
import type { ChatIdentities } from '../engines/access/chat-identities.js';
import type { TenancyEngine } from '../engines/tenancy/tenancy-engine.js';
import type { ChatPlatform } from '../model/chat-platforms.js';
import type { Principal } from '../model/principal.js';

export class IdentityResolver {
  constructor(
    private readonly access: AccessEngine,
    private readonly chats: ChatIdentities,
    private readonly tenancy: TenancyEngine,
  ) {}

  /** The principal of a chat user, or null for someone nobody has added yet; `name` is what the platform calls them now. */
  async fromChat(platform: ChatPlatform, orgId: string, userId: string, name?: string): Promise<Principal | null> {
    const identity = await this.chats.find(platform, orgId, userId);
    const member = identity ? await this.tenancy.getMemberById(identity.memberId) : null;
    if (!identity || !member) return null;
    const platformName = name ?? identity.displayName ?? undefined;
    return this.access.principalOf(member, { kind: 'chat', platform, orgId, userId, identityId: identity.id, ...(platformName ? { platformName } : {}) });
  }

  /** The principal of a bearer token, or null for an unknown, revoked or expired token. */
  async fromToken(token: string): Promise<Principal | null> {
    const found = await this.access.authenticate(token);
    if (!found) return null;
    return this.access.principalOf(found.member, { kind: 'token', tokenId: found.token.id, tokenName: found.token.name });
  }
}
