// Test databases: a fresh SQLite file, and a fresh MariaDB/MySQL database that is required unless explicitly turned off.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import type { DatabaseSettings } from '../../src/config/settings.js';
import { parseDatabaseUrl } from '../../src/config/settings.js';
import { randomToken } from '../../src/util/ids.js';

export type TestDatabaseKind = 'sqlite' | 'mysql';

export interface TestDatabase {
  kind: TestDatabaseKind;
  settings: DatabaseSettings;
  drop(): Promise<void>;
}

/** Server for MySQL suites; CI runs MariaDB on the default port. */
const MYSQL_URL = process.env.CLAW_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

/**
 * MySQL suites run unless CLAW_TEST_MYSQL=off; an unreachable server then FAILS them with instructions, so a
 * missing backend can never pass silently.
 */
export function databaseKinds(): TestDatabaseKind[] {
  return process.env.CLAW_TEST_MYSQL === 'off' ? ['sqlite'] : ['sqlite', 'mysql'];
}

export async function createTestDatabase(kind: TestDatabaseKind): Promise<TestDatabase> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'claw-db-'));
    return { kind, settings: { kind: 'sqlite', path: join(dir, 'claw.db') }, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const server = parseDatabaseUrl(MYSQL_URL, tmpdir());
  if (server.kind !== 'mysql') throw new Error(`CLAW_TEST_MYSQL_URL must be a mysql:// URL, got ${MYSQL_URL}`);
  const database = `claw_t_${randomToken(10).toLowerCase()}`;
  const connect = () => createConnection({ host: server.host, port: server.port, user: server.user, password: server.password, connectTimeout: 5000 });
  let admin;
  try {
    admin = await connect();
  } catch (error) {
    throw new Error(
      `MariaDB/MySQL is not reachable at ${server.host}:${server.port} (${(error as Error).message}). ` +
        'Start it (start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd), point CLAW_TEST_MYSQL_URL at a server, ' +
        'or set CLAW_TEST_MYSQL=off to run only the SQLite suites.',
    );
  }
  await admin.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.end();
  return {
    kind,
    settings: { ...server, database },
    drop: async () => {
      const c = await connect();
      await c.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await c.end();
    },
  };
}
