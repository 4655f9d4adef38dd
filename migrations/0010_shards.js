// @ts-check
/**
 * Sharded passes (issue #10): several `dthostmon run --worker` processes share one pass over PostgreSQL.
 * - `runs.pass_key`: the name the workers of one pass agree on (the Kubernetes Job's name, or the cron slot);
 *   unique, so a second worker joins the pass instead of starting another one. NULL for an ordinary `run`.
 * - `pass_leases`: one row per host of a sharded pass. A worker claims a `pending` row (or a `claimed` one whose lease
 *   expired: its worker died) with FOR UPDATE SKIP LOCKED, renews its leases while it works, and marks the row `done`
 *   in the same transaction that stores the host's result, so a host is stored exactly once per pass.
 *   `first_look`: the host had never been collected before this pass (its log events are history, not alerts).
 * The table exists on SQLite too (one schema for both dialects) but only PostgreSQL stores use it.
 * IF NOT EXISTS where the dialects allow it: SQLite runs DDL outside a transaction.
 */
import { PostgresAdapter, sql } from 'kysely';

/** @param {import('kysely').Kysely<any>} db */
export async function up(db) {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const hasPassKey = isPostgres
    ? (await sql`select 1 from information_schema.columns where table_name = 'runs' and column_name = 'pass_key' and table_schema = current_schema()`.execute(db)).rows.length > 0
    : (await sql`select 1 from pragma_table_info('runs') where name = 'pass_key'`.execute(db)).rows.length > 0;
  if (!hasPassKey) await db.schema.alterTable('runs').addColumn('pass_key', 'text').execute();
  await db.schema.createIndex('runs_pass_key').ifNotExists().unique().on('runs').column('pass_key').execute();

  await db.schema
    .createTable('pass_leases')
    .ifNotExists()
    .addColumn('run_id', 'integer', (col) => col.notNull().references('runs.id').onDelete('cascade'))
    .addColumn('host_id', 'integer', (col) => col.notNull().references('hosts.id').onDelete('cascade'))
    .addColumn('status', 'text', (col) => col.notNull().check(sql`status in ('pending', 'claimed', 'done')`))
    .addColumn('worker', 'text')
    .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('first_look', 'integer', (col) => col.notNull().defaultTo(0).check(sql`first_look in (0, 1)`))
    .addColumn('claimed_at', 'text')
    .addColumn('expires_at', 'text')
    .addColumn('finished_at', 'text')
    .addPrimaryKeyConstraint('pass_leases_pk', ['run_id', 'host_id'])
    .execute();
  await db.schema.createIndex('pass_leases_run_status').ifNotExists().on('pass_leases').columns(['run_id', 'status']).execute();
}

/** @param {import('kysely').Kysely<any>} db */
export async function down(db) {
  await db.schema.dropTable('pass_leases').ifExists().execute();
  await db.schema.dropIndex('runs_pass_key').ifExists().execute();
  await db.schema.alterTable('runs').dropColumn('pass_key').execute();
}
