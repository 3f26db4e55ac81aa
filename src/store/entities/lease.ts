// Lease: a named lock with a holder and an expiry in the database, used to elect one active reconciler per database.
import { EntitySchema } from 'typeorm';
import { textColumn, timeColumn } from './columns.js';

export interface Lease {
  name: string;
  holder: string;
  acquiredAt: Date;
  renewedAt: Date;
  expiresAt: Date;
  /** How often the lease changed hands, like coordination.k8s.io's leaseTransitions. */
  transitions: number;
}

export const LeaseEntity = new EntitySchema<Lease>({
  name: 'Lease',
  tableName: 'leases',
  columns: {
    name: { type: 'varchar', length: 100, primary: true },
    holder: textColumn('holder', 200),
    acquiredAt: timeColumn('acquired_at'),
    renewedAt: timeColumn('renewed_at'),
    expiresAt: timeColumn('expires_at'),
    transitions: { type: 'int' },
  },
});
