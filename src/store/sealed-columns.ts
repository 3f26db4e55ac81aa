// Every column that holds values sealed with the SecretBox: key rotation re-seals them and `claw secret status` counts them.
import { SECRET_META } from './secret-box.js';

export interface SealedColumn {
  table: string;
  /** The primary key column, for keyset paging and compare-and-set updates. */
  id: string;
  column: string;
  /** Only these rows hold sealed values (meta holds one among plain facts): a fixed SQL condition, no parameters. */
  rows?: { column: string; equals: string };
}

/**
 * Raw column names, not entity properties: `instances.secret_overrides` left the Instance entity (its values moved to
 * config_variables at the first start after migration 14) but stays in the table, and a row an older replica wrote
 * there during an upgrade is still re-sealed. A column that does not exist (dropped later) is skipped.
 * A new sealed column belongs here too, or rotation leaves it under an old key.
 */
export const SEALED_COLUMNS: readonly SealedColumn[] = [
  { table: 'instances', id: 'id', column: 'gateway_token' },
  { table: 'instances', id: 'id', column: 'secret_overrides' },
  { table: 'config_variables', id: 'id', column: 'sealed' },
  { table: 'approvals', id: 'id', column: 'text_sealed' },
  { table: 'inbound_events', id: 'id', column: 'payload' },
  { table: 'outbox_messages', id: 'id', column: 'payload' },
  { table: 'outbox_messages', id: 'id', column: 'reply_to' },
  { table: 'meta', id: 'key', column: 'value', rows: { column: 'key', equals: SECRET_META.root } },
];
