import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  Migrator,
  PostgresAdapter,
  sql,
  type Kysely,
  type Migration,
  type MigrationProvider,
  type MigrationResult,
} from 'kysely';
import { StoreError, errorMessage } from '../errors.js';

/** A migration failed. Still a StoreError (exit 3), but keeps Kysely's result set for diagnostics. */
export class MigrationError extends StoreError {
  readonly results: readonly MigrationResult[];
  constructor(message: string, results: readonly MigrationResult[], cause: unknown) {
    super(message, { cause });
    this.results = results;
  }
}

/** `migrations/` at the package root: `../../migrations` from both `src/store/` and `dist/store/`. */
export function defaultMigrationsDir(): string {
  return fileURLToPath(new URL('../../migrations/', import.meta.url));
}

/** Loads every `*.js` file of a folder as a migration named after the file (`0001_initial`). */
export class FolderMigrationProvider implements MigrationProvider {
  constructor(private readonly dir: string) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    const files = (await readdir(this.dir)).filter((file) => file.endsWith('.js')).sort();
    const migrations: Record<string, Migration> = {};
    for (const file of files) {
      const module = (await import(pathToFileURL(path.join(this.dir, file)).href)) as Partial<Migration>;
      if (typeof module.up !== 'function') throw new Error(`migration ${file} does not export up()`);
      migrations[file.slice(0, -'.js'.length)] = { up: module.up, down: module.down };
    }
    return migrations;
  }
}

/**
 * The schema Kysely keeps its migration tables in. On PostgreSQL this must be named: Kysely looks for an existing
 * `kysely_migration` table in every schema of the database, so a second dthostmon schema (or a test schema) next to
 * ours would make it skip creating its own.
 */
async function migrationTableSchema(db: Kysely<unknown>): Promise<string | undefined> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return undefined;
  const result = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  return result.rows[0]?.schema ?? undefined;
}

/** A Migrator over `db` and the migrations folder. @throws StoreError when the store cannot be asked its schema. */
async function createMigrator(db: Kysely<unknown>, migrationsDir: string | undefined): Promise<Migrator> {
  let schema: string | undefined;
  try {
    schema = await migrationTableSchema(db);
  } catch (err) {
    throw new StoreError(`cannot migrate the store: ${errorMessage(err)}`, { cause: err });
  }
  return new Migrator({
    db,
    provider: new FolderMigrationProvider(migrationsDir ?? defaultMigrationsDir()),
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  });
}

/**
 * Applies every pending migration (run at the start of every pass). Idempotent: a second call applies nothing.
 * @returns the names of the migrations applied now, in order.
 * @throws MigrationError naming the migration that failed; StoreError when the migrations cannot be listed.
 */
export async function migrateToLatest<DB>(
  db: Kysely<DB>,
  options: { migrationsDir?: string } = {},
): Promise<{ applied: string[] }> {
  const migrator = await createMigrator(db as Kysely<unknown>, options.migrationsDir);
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results.find((result) => result.status === 'Error');
    const what = failed ? `migration ${failed.migrationName} failed` : 'cannot migrate the store';
    throw new MigrationError(`${what}: ${errorMessage(error)}`, results, error);
  }
  return {
    applied: results
      .filter((result) => result.status === 'Success' && result.direction === 'Up')
      .map((result) => result.migrationName),
  };
}

/**
 * Which migrations the store has and which it lacks, without changing it (Kysely only reads its migration table, and
 * only when it exists): `dthostmon db status`, so setup.sh can ask before migrating.
 * @throws StoreError when the store or the migrations folder cannot be read.
 */
export async function migrationStatus<DB>(
  db: Kysely<DB>,
  options: { migrationsDir?: string } = {},
): Promise<{ applied: string[]; pending: string[] }> {
  const migrator = await createMigrator(db as Kysely<unknown>, options.migrationsDir);
  let migrations;
  try {
    migrations = await migrator.getMigrations();
  } catch (err) {
    throw new StoreError(`cannot read the migration state of the store: ${errorMessage(err)}`, { cause: err });
  }
  return {
    applied: migrations.filter((m) => m.executedAt !== undefined).map((m) => m.name),
    pending: migrations.filter((m) => m.executedAt === undefined).map((m) => m.name),
  };
}
