// AlertSilence: alerts whose labels match stay quiet (no card, no reminder) until the silence ends or is expired.
import { EntitySchema } from 'typeorm';
import { refColumn, textColumn, timeColumn } from './columns.js';

export interface AlertSilence {
  id: number;
  /** The tenant whose alerts it may silence; null for platform-wide silences (platform admins). */
  tenantId: string | null;
  /** Label equality matchers, all of which must hold (`instance=demo`, `alertname=crash-loop`). */
  matchers: Record<string, string>;
  reason: string | null;
  createdBy: string;
  createdAt: Date;
  endsAt: Date;
  /** Ended early by `claw silence expire`. */
  expiredAt: Date | null;
  expiredBy: string | null;
}

export const AlertSilenceEntity = new EntitySchema<AlertSilence>({
  name: 'AlertSilence',
  tableName: 'alert_silences',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    tenantId: refColumn('tenant_id', true),
    matchers: { type: 'simple-json' },
    reason: { type: 'text', nullable: true },
    createdBy: textColumn('created_by', 100),
    createdAt: timeColumn('created_at'),
    endsAt: timeColumn('ends_at'),
    expiredAt: timeColumn('expired_at', true),
    expiredBy: textColumn('expired_by', 100, true),
  },
  indices: [{ name: 'ix_alert_silences_ends', columns: ['endsAt'] }],
});
