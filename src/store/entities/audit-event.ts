// AuditEvent: one command attempt (or a count of identical refused ones), append-only and hash-chained (keyed) to the event before it.
import { EntitySchema } from 'typeorm';
import { textColumn, timeColumn } from './columns.js';

export type AuditDecision = 'allowed' | 'denied' | 'invalid' | 'unauthenticated';
/** `held`: the command waits for approval; it is audited again when it runs. */
export type AuditOutcome = 'success' | 'failure' | 'held';

export interface AuditEvent {
  /** Position in the chain, 1-based; unique, so two writers cannot both append after the same event. */
  seq: number;
  occurredAt: Date;
  requestId: string;
  channel: string;
  memberId: string | null;
  memberName: string | null;
  /** How the member was recognised: `token:<name>`, `feishu:<open_id>`, ... */
  identity: string | null;
  /** The tenant by id, so a tenant re-created under an old name does not see its predecessor's trail. */
  tenantId: string | null;
  /** The tenant's name when the event happened, for display only. */
  tenantName: string | null;
  /** Target scope as text: `platform`, `tenant/acme`, `tenant/acme/project/sales`. */
  scope: string | null;
  /** Canonical command words (`tenant delete`), null when the text did not parse. */
  command: string | null;
  /** The command text with secrets redacted. */
  text: string;
  decision: AuditDecision;
  outcome: AuditOutcome;
  errorCode: string | null;
  durationMs: number;
  /**
   * How many attempts the row stands for: 1, or the identical refusals (same channel, credential and text) gathered in
   * one window after the first, which has its own row; a flood costs a row a window, not a row a request.
   */
  attempts: number;
  /**
   * How `hash` was computed: 1 = plain SHA-256 (rows written before the upgrade, up to the point migration 6 recorded),
   * 2 = HMAC-SHA-256 with a key derived from the secret key, so write access to the database cannot forge a chain.
   */
  hashVersion: number;
  prevHash: string;
  hash: string;
}

export const AuditEventEntity = new EntitySchema<AuditEvent>({
  name: 'AuditEvent',
  tableName: 'audit_events',
  columns: {
    seq: { type: 'int', primary: true },
    occurredAt: timeColumn('occurred_at'),
    requestId: textColumn('request_id', 64),
    channel: textColumn('channel', 20),
    memberId: textColumn('member_id', 36, true),
    memberName: textColumn('member_name', 100, true),
    identity: textColumn('identity', 200, true),
    tenantId: textColumn('tenant_id', 36, true),
    tenantName: textColumn('tenant_name', 63, true),
    scope: textColumn('scope', 300, true),
    command: textColumn('command', 100, true),
    text: { type: 'text' },
    decision: textColumn('decision', 20),
    outcome: textColumn('outcome', 20),
    errorCode: textColumn('error_code', 50, true),
    durationMs: { name: 'duration_ms', type: 'int' },
    attempts: { name: 'attempts', type: 'int', default: 1 },
    hashVersion: { name: 'hash_version', type: 'int', default: 1 },
    prevHash: textColumn('prev_hash', 64),
    hash: textColumn('hash', 64),
  },
  indices: [
    { name: 'ix_audit_events_time', columns: ['occurredAt'] },
    { name: 'ix_audit_events_member', columns: ['memberName'] },
    { name: 'ix_audit_events_tenant', columns: ['tenantName'] },
    { name: 'ix_audit_events_tenant_id', columns: ['tenantId'] },
  ],
});
