// Member: a person (or, later, a claw) known to the control plane; platform members belong to no tenant.
import { EntitySchema } from 'typeorm';
import type { MemberKind } from '../../model/principal.js';
import { idColumn, nameColumn, refColumn, textColumn, timeColumn } from './columns.js';

export interface Member {
  id: string;
  /** Null for platform members (operators of the control plane itself). */
  tenantId: string | null;
  name: string;
  /** `<tenantId or *>/<name>`: unique, because SQL unique indexes ignore NULL tenant ids. */
  nameKey: string;
  displayName: string;
  kind: MemberKind;
  createdAt: Date;
  createdBy: string | null;
}

export const MemberEntity = new EntitySchema<Member>({
  name: 'Member',
  tableName: 'members',
  columns: {
    id: idColumn(),
    tenantId: refColumn('tenant_id', true),
    name: nameColumn(64),
    nameKey: textColumn('name_key', 110),
    displayName: textColumn('display_name', 200),
    kind: textColumn('kind', 20),
    createdAt: timeColumn('created_at'),
    createdBy: textColumn('created_by', 100, true),
  },
  indices: [
    { name: 'uq_members_name_key', columns: ['nameKey'], unique: true },
    { name: 'ix_members_tenant', columns: ['tenantId'] },
  ],
});

export function memberNameKey(tenantId: string | null, name: string): string {
  return `${tenantId ?? '*'}/${name}`;
}
