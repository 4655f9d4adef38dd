// @ts-check
/**
 * Positions of the incremental sources that are not files: the systemd journal (its `__CURSOR`) and each docker
 * container (the timestamp of its last log line read). One row per host and source (`journal`,
 * `docker:<container name>`); the position is JSON, so a new kind of source needs no migration. Written in the
 * host's transaction, like the file cursors. IF NOT EXISTS everywhere: SQLite runs DDL outside a transaction.
 */
import { PostgresAdapter } from 'kysely';

/** @param {import('kysely').Kysely<any>} db */
export async function up(db) {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const table = db.schema.createTable('source_cursors').ifNotExists();
  await (isPostgres
    ? table.addColumn('id', 'serial', (col) => col.primaryKey())
    : table.addColumn('id', 'integer', (col) => col.primaryKey().autoIncrement())
  )
    .addColumn('host_id', 'integer', (col) => col.notNull().references('hosts.id').onDelete('cascade'))
    .addColumn('source', 'text', (col) => col.notNull())
    .addColumn('state', 'text', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    // Nullable: the position outlives the host run that wrote it (retention).
    .addColumn('host_run_id', 'integer', (col) => col.references('host_runs.id').onDelete('set null'))
    .addUniqueConstraint('source_cursors_host_source_unique', ['host_id', 'source'])
    .execute();
}

/** @param {import('kysely').Kysely<any>} db */
export async function down(db) {
  await db.schema.dropTable('source_cursors').ifExists().execute();
}
