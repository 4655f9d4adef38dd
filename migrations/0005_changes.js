// @ts-check
/**
 * Change detection (issue #4): `changes`, one row per difference between a host's stored baseline and the host at a
 * pass (users, groups, sudoers, keys, packages, services, listeners, crontabs, watched files, containers, disks,
 * reboots), expected or not, with the reason; and `finding_state`, one row per host and finding key while the
 * condition lasts (first seen, last seen, passes), so a persisting condition is one open item and a report can tell
 * a new finding from an ongoing one. IF NOT EXISTS everywhere: SQLite runs DDL outside a transaction.
 */
import { PostgresAdapter } from 'kysely';

/** @param {import('kysely').Kysely<any>} db */
export async function up(db) {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter;
  /** @param {string} name */
  const create = (name) => {
    const table = db.schema.createTable(name).ifNotExists();
    return isPostgres
      ? table.addColumn('id', 'serial', (col) => col.primaryKey())
      : table.addColumn('id', 'integer', (col) => col.primaryKey().autoIncrement());
  };
  await create('changes')
    .addColumn('host_id', 'integer', (col) => col.notNull().references('hosts.id').onDelete('cascade'))
    .addColumn('host_run_id', 'integer', (col) => col.notNull().references('host_runs.id').onDelete('cascade'))
    .addColumn('run_id', 'integer', (col) => col.notNull().references('runs.id').onDelete('cascade'))
    .addColumn('kind', 'text', (col) => col.notNull())
    .addColumn('action', 'text', (col) => col.notNull())
    .addColumn('subject', 'text', (col) => col.notNull())
    .addColumn('category', 'text', (col) => col.notNull())
    .addColumn('detail', 'text', (col) => col.notNull())
    .addColumn('before', 'text')
    .addColumn('after', 'text')
    .addColumn('expected', 'integer', (col) => col.notNull())
    .addColumn('reason', 'text')
    .addColumn('changed_at', 'text')
    .addColumn('detected_at', 'text', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('changes_host_detected').ifNotExists().on('changes').columns(['host_id', 'detected_at']).execute();

  await create('finding_state')
    .addColumn('host_id', 'integer', (col) => col.notNull().references('hosts.id').onDelete('cascade'))
    .addColumn('key', 'text', (col) => col.notNull())
    .addColumn('category', 'text', (col) => col.notNull())
    .addColumn('severity', 'text', (col) => col.notNull())
    .addColumn('title', 'text', (col) => col.notNull())
    .addColumn('first_seen', 'text', (col) => col.notNull())
    .addColumn('last_seen', 'text', (col) => col.notNull())
    .addColumn('passes', 'integer', (col) => col.notNull())
    .addColumn('resolved_at', 'text')
    .addUniqueConstraint('finding_state_host_key_unique', ['host_id', 'key'])
    .execute();
}

/** @param {import('kysely').Kysely<any>} db */
export async function down(db) {
  await db.schema.dropTable('finding_state').ifExists().execute();
  await db.schema.dropTable('changes').ifExists().execute();
}
