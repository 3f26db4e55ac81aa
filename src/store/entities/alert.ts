// Alert: one occurrence of a rule's condition (or an Alertmanager alert) for one set of labels, from firing to resolved.
import { EntitySchema } from 'typeorm';
import type { Text } from '../../i18n/locale.js';
import { refColumn, textColumn, timeColumn } from './columns.js';

export type AlertState = 'firing' | 'acknowledged' | 'silenced' | 'resolved';
export type AlertSeverity = 'info' | 'warning' | 'critical';
/** Raised by a built-in rule (configs/alerts.yaml) or received from Prometheus Alertmanager's webhook. */
export type AlertSource = 'rule' | 'alertmanager';

export interface Alert {
  id: number;
  /** sha256 of the rule name and the labels (Alertmanager's own fingerprint for its alerts): the alert's identity. */
  fingerprint: string;
  /** The fingerprint while the alert is open, null once resolved: at most one open alert per fingerprint (dedup). */
  activeKey: string | null;
  source: AlertSource;
  /** The rule's name (`crash-loop`), Alertmanager's `alertname`. */
  rule: string;
  severity: AlertSeverity;
  tenantId: string | null;
  projectId: string | null;
  instanceId: string | null;
  /** tenant, project, instance (names) and the rule's own labels; what silences match. */
  labels: Record<string, string>;
  /** The cause in words, both languages. */
  cause: Text;
  /** Alertmanager's annotations, or the figures behind a rule's cause. */
  details: Record<string, string> | null;
  state: AlertState;
  /** When the condition began, as far as the facts tell (shown as "since"). */
  startsAt: Date;
  /** When this control plane first saw it: the grouping window counts from here, and digests count alerts by it. */
  raisedAt: Date;
  /** The condition went away at this time; the alert resolves once it has stayed away for the resolve delay (flapping). */
  clearedAt: Date | null;
  resolvedAt: Date | null;
  ackedBy: string | null;
  ackedAt: Date | null;
  silenceId: number | null;
  /** Claimed when the card is first posted (compare-and-swap: one card per alert whichever replica posts it). */
  notifiedAt: Date | null;
  /** The last reminder (repeat interval) or first post. */
  remindedAt: Date | null;
  /** How often the card was brought up again because the alert kept firing. */
  repeats: number;
  /**
   * The alert whose card shows this one (the first alert of its group; itself for a card of its own), set when it goes
   * on a card. Null before that, and on alerts posted before grouping existed, which lead their own card.
   */
  groupLeaderId: number | null;
}

export const AlertEntity = new EntitySchema<Alert>({
  name: 'Alert',
  tableName: 'alerts',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    fingerprint: textColumn('fingerprint', 64),
    activeKey: textColumn('active_key', 64, true),
    source: textColumn('source', 20),
    rule: textColumn('rule', 100),
    severity: textColumn('severity', 20),
    tenantId: refColumn('tenant_id', true),
    projectId: refColumn('project_id', true),
    instanceId: refColumn('instance_id', true),
    labels: { type: 'simple-json' },
    cause: { type: 'simple-json' },
    details: { type: 'simple-json', nullable: true },
    state: textColumn('state', 20),
    startsAt: timeColumn('starts_at'),
    raisedAt: timeColumn('raised_at'),
    clearedAt: timeColumn('cleared_at', true),
    resolvedAt: timeColumn('resolved_at', true),
    ackedBy: textColumn('acked_by', 100, true),
    ackedAt: timeColumn('acked_at', true),
    silenceId: { name: 'silence_id', type: 'int', nullable: true },
    notifiedAt: timeColumn('notified_at', true),
    remindedAt: timeColumn('reminded_at', true),
    repeats: { type: 'int' },
    groupLeaderId: { name: 'group_leader_id', type: 'int', nullable: true },
  },
  indices: [
    { name: 'uq_alerts_active', columns: ['activeKey'], unique: true },
    { name: 'ix_alerts_tenant_state', columns: ['tenantId', 'state'] },
    { name: 'ix_alerts_raised', columns: ['raisedAt'] },
    { name: 'ix_alerts_group_leader', columns: ['groupLeaderId'] },
  ],
});
