// ApiToken: a bearer token of a member; only its SHA-256 is stored.
import { EntitySchema } from 'typeorm';
import { idColumn, refColumn, textColumn, timeColumn } from './columns.js';

export type TokenKind = 'person' | 'bootstrap' | 'instance';

export interface ApiToken {
  id: string;
  memberId: string;
  name: string;
  kind: TokenKind;
  tokenHash: string;
  /** The first characters of the token, shown in listings so people can tell tokens apart. */
  prefix: string;
  createdAt: Date;
  /** The creator's name, as listings show it. */
  createdBy: string | null;
  /** The member who created it (null: the system, or a token older than this record); a requester's token never approves. */
  createdByMemberId: string | null;
  /** The credential it was created with (`token:<id>`, `chat:<id>`), so a token minted with a borrowed one is traced. */
  createdVia: string | null;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export const ApiTokenEntity = new EntitySchema<ApiToken>({
  name: 'ApiToken',
  tableName: 'api_tokens',
  columns: {
    id: idColumn(),
    memberId: refColumn('member_id'),
    name: textColumn('name', 100),
    kind: textColumn('kind', 20),
    tokenHash: textColumn('token_hash', 64),
    prefix: textColumn('prefix', 16),
    createdAt: timeColumn('created_at'),
    createdBy: textColumn('created_by', 100, true),
    createdByMemberId: refColumn('created_by_member_id', true),
    createdVia: textColumn('created_via', 80, true),
    expiresAt: timeColumn('expires_at', true),
    lastUsedAt: timeColumn('last_used_at', true),
    revokedAt: timeColumn('revoked_at', true),
  },
  indices: [
    { name: 'uq_api_tokens_hash', columns: ['tokenHash'], unique: true },
    { name: 'ix_api_tokens_member', columns: ['memberId'] },
  ],
});
