import { mkdirSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import type postgres from 'postgres';
import type { StoreSettings } from '../config/types.js';
import { StoreError } from '../errors.js';
import { connectErrorReason, urlSecrets } from './connect-error-reason.js';
import type { Database } from './schema.js';

/** An open store. Repositories take `store.db`; whoever opened it closes it (in `finally`). */
export interface Store {
  db: Kysely<Database>;
  dialect: 'sqlite' | 'postgres';
  /** `SQLite /path/to/dthostmon.db` or `postgres://user@host:port/name`. Never contains a secret. */
  describe: string;
  close(): Promise<void>;
}

/** Another writer (`serve`, a second pass) may hold the SQLite write lock briefly; wait rather than fail. */
const SQLITE_BUSY_TIMEOUT_MS = 5000;
const PG_POOL_MAX = 10;
const PG_CONNECT_TIMEOUT_SECONDS = 10;
/** PostgreSQL `int8`: counts, bigint columns and count(*). Parsed to number; our values stay far below 2^53. */
const PG_INT8_OID = 20;

/**
 * Opens the store named by the config (no migration: see migrateToLatest).
 * @throws StoreError with one line naming the store (without any password) and the reason.
 */
export async function openStore(settings: StoreSettings): Promise<Store> {
  return settings.dialect === 'sqlite' ? openSqlite(settings.path) : openPostgres(settings.url, settings.display);
}

function openSqlite(filePath: string): Store {
  const describe = `SQLite ${filePath}`;
  let sqlite: BetterSqlite3.Database | undefined;
  try {
    if (filePath !== ':memory:') createParentDirectory(filePath);
    sqlite = new BetterSqlite3(filePath);
    // WAL lets `serve` read while `run` writes; these pragmas also surface "not a database" errors now.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    sqlite.pragma('foreign_keys = ON');
  } catch (err) {
    sqlite?.close();
    throw new StoreError(`cannot open ${describe}: ${connectErrorReason(err, [])}`, { cause: err });
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  return { db, dialect: 'sqlite', describe, close: () => db.destroy() };
}

function createParentDirectory(filePath: string): void {
  try {
    mkdirSync(path.dirname(filePath), { recursive: true });
  } catch (err) {
    // mkdir -p reports a regular file in the way as EEXIST or ENOTDIR, depending on where it sits.
    const code = typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined;
    if (code === 'EEXIST') throw Object.assign(new Error('a parent of the path is not a directory'), { code: 'ENOTDIR' });
    throw err;
  }
}

async function openPostgres(url: string, display: string): Promise<Store> {
  const secrets = urlSecrets(url);
  const fail = (err: unknown): StoreError =>
    // No `cause`: driver errors are not guaranteed to be free of connection details, and --verbose prints causes.
    new StoreError(`cannot open PostgreSQL ${display}: ${connectErrorReason(err, secrets)}`);
  // Loaded only for a PostgreSQL store: the default SQLite pass does not pay for the driver.
  const [{ default: connect }, { PostgresJSDialect }] = await Promise.all([import('postgres'), import('kysely-postgres-js')]);
  let client: postgres.Sql;
  try {
    client = connect(url, {
      max: PG_POOL_MAX,
      connect_timeout: PG_CONNECT_TIMEOUT_SECONDS,
      // postgres.js logs notices (e.g. "relation already exists, skipping") to the console; cron would mail them.
      onnotice: () => undefined,
      types: {
        int8: { to: PG_INT8_OID, from: [PG_INT8_OID], serialize: (value: number) => String(value), parse: Number },
      },
    });
  } catch (err) {
    throw fail(err);
  }
  const db = new Kysely<Database>({ dialect: new PostgresJSDialect({ postgres: client }) });
  try {
    await sql`select 1`.execute(db);
  } catch (err) {
    await db.destroy().catch(() => undefined);
    throw fail(err);
  }
  return { db, dialect: 'postgres', describe: display, close: () => db.destroy() };
}
