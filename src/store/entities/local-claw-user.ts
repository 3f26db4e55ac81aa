// LocalClawUser: the uid (and gid, the same number) a local claw runs as when the control plane runs as root. Keyed by
// the instance's directory (<tenant>/<project>/<name>), which that uid owns, so a restart or a `destroy --keep-data`
// followed by a new instance of the same name finds the same owner.
import { EntitySchema } from 'typeorm';
import { timeColumn } from './columns.js';

export interface LocalClawUser {
  location: string;
  uid: number;
  createdAt: Date;
}

export const LocalClawUserEntity = new EntitySchema<LocalClawUser>({
  name: 'LocalClawUser',
  tableName: 'local_claw_users',
  columns: {
    location: { type: 'varchar', length: 200, primary: true },
    uid: { type: 'int' },
    createdAt: timeColumn('created_at'),
  },
  indices: [{ name: 'uq_local_claw_users_uid', columns: ['uid'], unique: true }],
});
