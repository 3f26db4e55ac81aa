// Column definitions shared by every entity, so both SQLite and MariaDB get the same explicit types.
import type { EntitySchemaColumnOptions } from 'typeorm';

export const idColumn = (): EntitySchemaColumnOptions => ({ type: 'varchar', length: 36, primary: true });
export const refColumn = (name: string, nullable = false): EntitySchemaColumnOptions => ({ name, type: 'varchar', length: 36, nullable });
export const nameColumn = (length = 63): EntitySchemaColumnOptions => ({ type: 'varchar', length });
/** Millisecond precision: audit hashes cover timestamps, so they must survive a round trip exactly. */
export const timeColumn = (name: string, nullable = false): EntitySchemaColumnOptions => ({ name, type: 'datetime', precision: 3, nullable });
export const textColumn = (name: string, length: number, nullable = false): EntitySchemaColumnOptions => ({ name, type: 'varchar', length, nullable });
/** Whole numbers beyond 2^31 (token counts); both drivers may hand bigint back as a string, so it is read as a number. */
export const bigintColumn = (name: string, nullable = false): EntitySchemaColumnOptions => ({
  name, type: 'bigint', nullable,
  transformer: { to: (v: number | null) => v, from: (v: string | number | null) => (v === null ? null : Number(v)) },
});
