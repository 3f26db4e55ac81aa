// Identity: who sent a command, from an API token (and, with the chat channels, from a chat user id).
import type { AccessEngine } from '../engines/access/access-engine.js';
import type { Principal } from './principal.js';

export class IdentityResolver {
  constructor(private readonly access: AccessEngine) {}

  /** The principal of a bearer token, or null for an unknown, revoked or expired token. */
  async fromToken(token: string): Promise<Principal | null> {
    const found = await this.access.authenticate(token);
    if (!found) return null;
    return this.access.principalOf(found.member, { kind: 'token', tokenId: found.token.id, tokenName: found.token.name });
  }
}
