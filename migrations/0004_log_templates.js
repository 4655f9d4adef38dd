// @ts-check
/**
 * The log templates each host has produced (see src/analyze/log-template.ts): one row per host and template, keyed
 * by a 16-hex-digit hash of the template text (the text is kept for reports and the API). first_seen/last_seen and
 * the number of lines seen let `log.new_pattern` tell a never-seen message from a known one after the host's
 * learning period. IF NOT EXISTS everywhere: SQLite runs DDL outside a transaction.
 */
import { PostgresAdapter } from 'kysely';

/** @param {import('kysely').Kysely<any>} db */
export async function up(db) {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const table = db.schema.createTable('log_templates').ifNotExists();
  await (isPostgres
    ? table.addColumn('id', 'serial', (col) => col.primaryKey())
    : table.addColumn('id', 'integer', (col) => col.primaryKey().autoIncrement())
  )
    .addColumn('host_id', 'integer', (col) => col.notNull().references('hosts.id').onDelete('cascade'))
    .addColumn('hash', 'text', (col) => col.notNull())
    .addColumn('template', 'text', (col) => col.notNull())
    .addColumn('is_error', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('first_seen', 'text', (col) => col.notNull())
    .addColumn('last_seen', 'text', (col) => col.notNull())
    // bigint: a chatty template on a long-lived host passes 2^31 lines.
    .addColumn('line_count', 'bigint', (col) => col.notNull().defaultTo(0))
    .addColumn('first_host_run_id', 'integer', (col) => col.references('host_runs.id').onDelete('set null'))
    .addUniqueConstraint('log_templates_host_hash_unique', ['host_id', 'hash'])
    .execute();
}

/** @param {import('kysely').Kysely<any>} db */
export async function down(db) {
  await db.schema.dropTable('log_templates').ifExists().execute();
}
