// LinkCode: a one-time code that joins a person's second chat identity (or a token user's chat identity) to their member.
import { EntitySchema } from 'typeorm';
import { refColumn, textColumn, timeColumn } from './columns.js';

export interface LinkCode {
  /** sha256 of the code: the code itself is shown once to its owner and never stored. */
  codeHash: string;
  memberId: string;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
  /** The credential that asked for the code (`token:<id>`, `chat:<id>`): the account it links is traced to it. */
  createdVia: string | null;
}

export const LinkCodeEntity = new EntitySchema<LinkCode>({
  name: 'LinkCode',
  tableName: 'link_codes',
  columns: {
    codeHash: { name: 'code_hash', type: 'varchar', length: 64, primary: true },
    memberId: refColumn('member_id'),
    createdAt: timeColumn('created_at'),
    expiresAt: timeColumn('expires_at'),
    usedAt: timeColumn('used_at', true),
    createdVia: textColumn('created_via', 80, true),
  },
});
