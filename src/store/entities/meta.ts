// Meta: small facts about the database itself, such as the fingerprint of the key its secrets are encrypted with.
import { EntitySchema } from 'typeorm';

export interface Meta {
  key: string;
  value: string;
}

export const MetaEntity = new EntitySchema<Meta>({
  name: 'Meta',
  tableName: 'meta',
  columns: {
    key: { type: 'varchar', length: 100, primary: true },
    value: { type: 'text' },
  },
});
