// @ts-check
/**
 * Metrics sources (issue #8, docs/metrics.md): `metric_sources` holds one row per host, pass and configured source
 * (prometheus, influxdb, glances), failed ones included: its status and one-line error, what was asked, and `data`,
 * the redacted summary the reports and the API read (latest/min/max/mean per series, custom query values, the
 * containers Glances saw, the source's trends and their projections). The latest value of each series also goes to
 * `metrics` (name `<source>:<metric>`, label = mount or interface) so history queries see the sources beside SSH.
 * IF NOT EXISTS everywhere: SQLite runs DDL outside a transaction.
 */
import { PostgresAdapter } from 'kysely';

/** @param {import('kysely').Kysely<any>} db */
export async function up(db) {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const table = db.schema.createTable('metric_sources').ifNotExists();
  await (isPostgres ? table.addColumn('id', 'serial', (col) => col.primaryKey()) : table.addColumn('id', 'integer', (col) => col.primaryKey().autoIncrement()))
    .addColumn('host_id', 'integer', (col) => col.notNull().references('hosts.id').onDelete('cascade'))
    .addColumn('host_run_id', 'integer', (col) => col.notNull().references('host_runs.id').onDelete('cascade'))
    .addColumn('collected_at', 'text', (col) => col.notNull())
    .addColumn('source', 'text', (col) => col.notNull())
    .addColumn('url', 'text', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('error', 'text')
    .addColumn('detail', 'text', (col) => col.notNull().defaultTo(''))
    .addColumn('duration_ms', 'integer', (col) => col.notNull())
    .addColumn('window_seconds', 'integer', (col) => col.notNull())
    .addColumn('data', 'text', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('metric_sources_host_collected').ifNotExists().on('metric_sources').columns(['host_id', 'collected_at']).execute();
  await db.schema.createIndex('metric_sources_host_run').ifNotExists().on('metric_sources').columns(['host_run_id']).execute();
}

/** @param {import('kysely').Kysely<any>} db */
export async function down(db) {
  await db.schema.dropTable('metric_sources').ifExists().execute();
}
