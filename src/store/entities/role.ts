// Role: a named set of permissions; built-in roles are loaded from configs/roles.yaml at start.
import { EntitySchema } from 'typeorm';
import { textColumn, timeColumn } from './columns.js';

export interface Role {
  name: string;
  builtin: boolean;
  descriptionZh: string;
  descriptionEn: string;
  /** Permission patterns such as `instance:stop`, `instance:*` or `*`. */
  permissions: string[];
  updatedAt: Date;
}

export const RoleEntity = new EntitySchema<Role>({
  name: 'Role',
  tableName: 'roles',
  columns: {
    name: { type: 'varchar', length: 64, primary: true },
    builtin: { type: 'boolean' },
    descriptionZh: textColumn('description_zh', 300),
    descriptionEn: textColumn('description_en', 300),
    permissions: { type: 'simple-json' },
    updatedAt: timeColumn('updated_at'),
  },
});
