// Opens the database (SQLite file or MySQL/MariaDB), runs pending migrations, and hands out the DataSource.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';
import type { DatabaseSettings } from '../config/settings.js';
import { ENTITIES } from './entities/index.js';
import { MIGRATIONS } from './migrations/index.js';

export interface Store {
  readonly dataSource: DataSource;
  readonly kind: DatabaseSettings['kind'];
  /** True when the database answers a trivial query; /readyz uses it. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * MariaDB and MySQL speak the same protocol but report column defaults differently; TypeORM needs to know
 * which one it talks to, so ask the server rather than trusting the URL scheme.
 */
async function isMariaDb(db: Extract<DatabaseSettings, { kind: 'mysql' }>): Promise<boolean> {
  const { createConnection } = await import('mysql2/promise');
  const connection = await createConnection({ host: db.host, port: db.port, user: db.user, password: db.password, connectTimeout: 10_000 });
  try {
    const [rows] = await connection.query('SELECT VERSION() AS version');
    return /mariadb/i.test(String((rows as Array<{ version: string }>)[0]?.version));
  } finally {
    await connection.end();
  }
}

/** The DataSource options for a database: exported so a test can open a database at an earlier migration. */
export async function dataSourceOptions(db: DatabaseSettings): Promise<DataSourceOptions> {
  const common = { entities: ENTITIES, migrations: MIGRATIONS, synchronize: false, logging: false } as const;
  if (db.kind === 'sqlite') {
    createPrivateDatabaseFile(db.path);
    return {
      ...common,
      type: 'better-sqlite3',
      database: db.path,
      // WAL lets readers (status, audit queries) proceed while a writer holds the lock.
      enableWAL: true,
      // Wait instead of failing with SQLITE_BUSY when another process (a second replica, the CLI) writes.
      timeout: 10_000,
    };
  }
  return {
    ...common,
    type: (await isMariaDb(db)) ? 'mariadb' : 'mysql',
    host: db.host,
    port: db.port,
    username: db.user,
    password: db.password,
    database: db.database,
    charset: 'utf8mb4_unicode_ci',
    // Store and read DATETIME as UTC so every replica agrees whatever its TZ.
    timezone: 'Z',
    extra: {
      connectionLimit: 10,
      // mysql2 otherwise captures a stack trace for every query (about a tenth of the CPU a command costs) to decorate
      // the errors of the few that fail; TypeORM's QueryFailedError already carries the caller's (async) stack.
      trace: false,
    },
  };
}

/**
 * The SQLite file holds sealed secrets, token hashes and the audit trail: created 0600 in a 0700 directory before
 * SQLite opens it, since SQLite would create it by the umask (usually world-readable). Its -wal and -shm files take
 * the database file's mode. A file from an earlier version is tightened too.
 */
function createPrivateDatabaseFile(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
  for (const file of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(file)) chmodSync(file, 0o600);
}

/**
 * Serialises start-up work (migrations, role sync, bootstrap) across replicas starting at once against one MySQL
 * database. SQLite needs none: it is one file on one machine, and its writes are already serialised.
 */
export async function withStartupLock<T>(ds: DataSource, work: () => Promise<T>): Promise<T> {
  if (ds.options.type !== 'mysql' && ds.options.type !== 'mariadb') return work();
  const runner = ds.createQueryRunner();
  await runner.connect();
  try {
    const rows = (await runner.query("SELECT GET_LOCK('claw_startup', 120) AS got")) as Array<{ got: number }>;
    if (Number(rows[0]?.got) !== 1) throw new Error('timed out waiting for another replica to finish starting up');
    try {
      return await work();
    } finally {
      await runner.query("SELECT RELEASE_LOCK('claw_startup')");
    }
  } finally {
    await runner.release();
  }
}

export async function openStore(db: DatabaseSettings): Promise<Store> {
  const dataSource = new DataSource(await dataSourceOptions(db));
  await dataSource.initialize();
  try {
    await withStartupLock(dataSource, () => dataSource.runMigrations({ transaction: 'each' }));
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return {
    dataSource,
    kind: db.kind,
    async ping() {
      try {
        await dataSource.query('SELECT 1');
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      if (dataSource.isInitialized) await dataSource.destroy();
    },
  };
}

export function describeDatabase(db: DatabaseSettings): string {
  return db.kind === 'sqlite' ? `sqlite ${db.path}` : `mysql ${db.user}@${db.host}:${db.port}/${db.database}`;
}
