/**
 * Real stores for the store tests: a fresh SQLite file in a temp directory, or a fresh PostgreSQL schema
 * (`t_<random>`, dropped afterwards) so parallel jest workers and other engineers sharing the database never meet.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import postgres from 'postgres';
import { migrateToLatest } from '../../src/store/migrate.js';
import { openStore, type Store } from '../../src/store/open-store.js';

export type TestDialect = 'sqlite' | 'postgres';

export const PG_URL = process.env.DTHOSTMON_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const IS_CI = process.env.CI === 'true';

/** PG_URL for messages: a password set in DTHOSTMON_TEST_PG_URL must not reach the test output. */
function displayPgUrl(): string {
  const url = new URL(PG_URL);
  if (url.password) url.password = '***';
  return url.toString();
}

export interface TestStore extends Store {
  /** Closes the store and removes its file or schema. */
  cleanup(): Promise<void>;
}

let probed: Promise<boolean> | undefined;

async function isPostgresReachable(): Promise<boolean> {
  const client = postgres(PG_URL, { max: 1, connect_timeout: 3, onnotice: () => undefined });
  try {
    await client`select 1`;
    return true;
  } catch {
    return false;
  } finally {
    await client.end({ timeout: 1 }).catch(() => undefined);
  }
}

/**
 * The dialects to test. PostgreSQL is always included under CI=true (an unreachable server then fails the tests);
 * without CI it is left out, with a message, when nothing answers at PG_URL.
 */
export async function testDialects(): Promise<TestDialect[]> {
  if (IS_CI) return ['sqlite', 'postgres'];
  probed ??= isPostgresReachable();
  if (await probed) return ['sqlite', 'postgres'];
  console.warn(`PostgreSQL not reachable at ${displayPgUrl()}: store tests run on SQLite only (set CI=true to fail instead)`);
  return ['sqlite'];
}

/** A fresh, migrated (unless told otherwise) store of the given dialect. */
export async function openTestStore(dialect: TestDialect, options: { migrate?: boolean } = {}): Promise<TestStore> {
  const store = dialect === 'sqlite' ? await openSqliteTestStore() : await openPostgresTestStore();
  if (options.migrate ?? true) {
    try {
      await migrateToLatest(store.db);
    } catch (err) {
      await store.cleanup();
      throw err;
    }
  }
  return store;
}

async function openSqliteTestStore(): Promise<TestStore> {
  const dir = await mkdtemp(path.join(tmpdir(), 'dthostmon-store-'));
  const store = await openStore({ dialect: 'sqlite', path: path.join(dir, 'dthostmon.db') });
  return {
    ...store,
    cleanup: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function openPostgresTestStore(): Promise<TestStore> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  await adminQuery(`create schema "${schema}"`);
  const dropSchema = () => adminQuery(`drop schema if exists "${schema}" cascade`);
  const url = new URL(PG_URL);
  // postgres.js passes unknown URL parameters to the server as connection settings.
  url.searchParams.set('search_path', schema);
  let store: Store;
  try {
    store = await openStore({ dialect: 'postgres', url: url.toString(), display: `${displayPgUrl()} (${schema})` });
  } catch (err) {
    await dropSchema();
    throw err;
  }
  return {
    ...store,
    cleanup: async () => {
      await store.close();
      await dropSchema();
    },
  };
}

async function adminQuery(statement: string): Promise<void> {
  const admin = postgres(PG_URL, { max: 1, connect_timeout: 5, onnotice: () => undefined });
  try {
    await admin.unsafe(statement);
  } finally {
    await admin.end({ timeout: 1 });
  }
}

/**
 * The names of the store's own tables, sorted. On PostgreSQL Kysely's introspection lists every schema of the
 * database, and other stores (parallel tests, benchmarks) live there too: only the store's schema counts.
 */
export async function storeTables(store: Store): Promise<string[]> {
  const schema = store.dialect === 'postgres' ? (await sql<{ s: string }>`select current_schema() as s`.execute(store.db)).rows[0]?.s : undefined;
  return (await store.db.introspection.getTables())
    .filter((table) => schema === undefined || table.schema === schema)
    .map((table) => table.name)
    .sort();
}
