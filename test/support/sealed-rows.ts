// Rows holding sealed values, written with raw SQL so key-rotation tests do not depend on entities that change.
import type { DataSource } from 'typeorm';
import type { SecretBox } from '../../src/store/secret-box.js';

/** A DATETIME both SQLite (as TypeORM writes it) and MariaDB accept. */
const WHEN = '2025-01-01 00:00:00.000';

/** Inserts a row, filling every NOT NULL column without a default that `values` leaves out with a placeholder. */
export async function insertRow(db: DataSource, table: string, values: Record<string, string | number | null>): Promise<void> {
  const runner = db.createQueryRunner();
  const found = await runner.getTable(table).finally(() => runner.release());
  if (!found) throw new Error(`no table ${table}`);
  const row: Record<string, string | number | null> = {};
  for (const c of found.columns) {
    if (c.name in values || c.isNullable || c.isGenerated || (c.default !== undefined && c.default !== null)) continue;
    row[c.name] = /int|bool|decimal|float|double/i.test(c.type) ? 0 : /date|time/i.test(c.type) ? WHEN : 'x';
  }
  Object.assign(row, values);
  const names = Object.keys(row);
  const e = (name: string) => db.driver.escape(name);
  await db.query(`INSERT INTO ${e(table)} (${names.map(e).join(', ')}) VALUES (${names.map(() => '?').join(', ')})`, names.map((n) => row[n]));
}

/** What seedSealed wrote: per `table.column`, the plain text of each row id. */
export type Seeded = Map<string, Map<string, string>>;

/**
 * Writes `perColumn` sealed values into every sealed column of the product (SEALED_COLUMNS but meta's root, which the
 * box writes itself): instances' gateway token and legacy secret_overrides, config variables, approvals, inbound and
 * outbox payloads and reply_to.
 */
export async function seedSealed(db: DataSource, box: SecretBox, perColumn: number, tag = ''): Promise<Seeded> {
  const seeded: Seeded = new Map();
  const note = (where: string, id: string | number, plain: string) => {
    const m = seeded.get(where) ?? new Map<string, string>();
    m.set(String(id), plain);
    seeded.set(where, m);
  };
  for (let i = 0; i < perColumn; i++) {
    const n = `${tag}${i}`;
    const id = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
    const token = `gw-token-${n}`;
    const overrides = JSON.stringify({ 'model.apiKey': `sk-override-${n}` });
    await insertRow(db, 'instances', { id, name: `c${n}`, gateway_token: box.seal(token), secret_overrides: box.seal(overrides) });
    note('instances.gateway_token', id, token);
    note('instances.secret_overrides', id, overrides);
    await insertRow(db, 'inbound_events', { id, event_id: `ev-${n}`, payload: box.seal(`{"text":"claw create --set apiKey=sk-inbound-${n}"}`) });
    note('inbound_events.payload', id, `{"text":"claw create --set apiKey=sk-inbound-${n}"}`);
  }
  // Tables with generated ids: read the ids back by the sealed value written.
  const generated: Array<[string, string, (n: string) => Record<string, string>]> = [
    ['config_variables', 'sealed', (n) => ({ name: `apiKey${n}`, scope: 'global', scope_id: '' })],
    ['approvals', 'text_sealed', () => ({})],
    ['outbox_messages', 'payload', () => ({})],
  ];
  for (const [table, column, extra] of generated) {
    for (let i = 0; i < perColumn; i++) {
      const n = `${tag}${i}`;
      const plain = `${table}-secret-${n}`;
      const sealed = box.seal(plain);
      const values: Record<string, string> = { ...extra(n), [column]: sealed };
      if (table === 'outbox_messages') values.reply_to = box.seal(`{"messageId":"om-${n}"}`);
      await insertRow(db, table, values);
      const [row] = await db.query(`SELECT id FROM ${table} WHERE ${column} = ?`, [sealed]) as Array<{ id: number }>;
      note(`${table}.${column}`, row!.id, plain);
      if (table === 'outbox_messages') note('outbox_messages.reply_to', row!.id, `{"messageId":"om-${n}"}`);
    }
  }
  return seeded;
}

/** Every sealed value of the seeded columns, by `table.column` and row id. */
export async function readSealed(db: DataSource, seeded: Seeded): Promise<Map<string, Map<string, string>>> {
  const out = new Map<string, Map<string, string>>();
  for (const where of seeded.keys()) {
    const [table, column] = where.split('.') as [string, string];
    const rows = await db.query(`SELECT id, ${column} AS v FROM ${table} WHERE ${column} IS NOT NULL`) as Array<{ id: string | number; v: string }>;
    out.set(where, new Map(rows.map((r) => [String(r.id), r.v])));
  }
  return out;
}
