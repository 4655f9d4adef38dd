// @ts-check
/**
 * Host keys pinned on first use (accept-new): one row per host and key type, written in the host's transaction
 * when verification accepted the key. `key` is the base64 public key blob; messages only ever show `fingerprint`.
 * IF NOT EXISTS everywhere: SQLite runs this DDL without a transaction (see 0001_initial.js).
 */
import { PostgresAdapter } from 'kysely';

/** @param {import('kysely').Kysely<any>} db */
export async function up(db) {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const table = db.schema.createTable('host_keys').ifNotExists();
  await (isPostgres
    ? table.addColumn('id', 'serial', (col) => col.primaryKey())
    : table.addColumn('id', 'integer', (col) => col.primaryKey().autoIncrement())
  )
    .addColumn('host_id', 'integer', (col) => col.notNull().references('hosts.id').onDelete('cascade'))
    .addColumn('algorithm', 'text', (col) => col.notNull())
    .addColumn('key', 'text', (col) => col.notNull())
    .addColumn('fingerprint', 'text', (col) => col.notNull())
    .addColumn('first_seen', 'text', (col) => col.notNull())
    .addColumn('last_seen', 'text', (col) => col.notNull())
    .addUniqueConstraint('host_keys_host_algorithm_unique', ['host_id', 'algorithm'])
    .execute();
}

/** @param {import('kysely').Kysely<any>} db */
export async function down(db) {
  await db.schema.dropTable('host_keys').ifExists().execute();
}
