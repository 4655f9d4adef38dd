// @ts-check
/**
 * Benchmark trend (issue #10, TR-PERF-001): `benchmarks` holds one row per measured value of every `npm run bench*`
 * script and of the CI gate (`npm run bench:ci`, run by scripts/test.sh): which run (`run_id`, `run_at`, `suite` =
 * the script), on which code (`git_commit`) and machine (`machine`, `cpus`, `node_version`), what (`benchmark`,
 * `variant`, `metric` such as wall_s, cpu_s, rss_mib) and the value; `ratio` is the value over the in-run
 * `baseline_variant`'s (null when the row has no baseline). `npm run bench:trend` reads it by series.
 * The benchmarks go to a store of their own (DTHOSTMON_BENCH_DB, default .bench/benchmarks.db), but the table is in
 * every store so that one schema serves both.
 * IF NOT EXISTS everywhere: SQLite runs DDL outside a transaction.
 */
import { PostgresAdapter } from 'kysely';

/** @param {import('kysely').Kysely<any>} db */
export async function up(db) {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const table = db.schema.createTable('benchmarks').ifNotExists();
  await (isPostgres
    ? table.addColumn('id', 'serial', (col) => col.primaryKey())
    : table.addColumn('id', 'integer', (col) => col.primaryKey().autoIncrement()))
    .addColumn('run_id', 'text', (col) => col.notNull())
    .addColumn('run_at', 'text', (col) => col.notNull())
    .addColumn('suite', 'text', (col) => col.notNull())
    .addColumn('git_commit', 'text', (col) => col.notNull())
    .addColumn('machine', 'text', (col) => col.notNull())
    .addColumn('cpus', 'integer', (col) => col.notNull())
    .addColumn('node_version', 'text', (col) => col.notNull())
    .addColumn('benchmark', 'text', (col) => col.notNull())
    .addColumn('variant', 'text', (col) => col.notNull())
    .addColumn('metric', 'text', (col) => col.notNull())
    .addColumn('value', isPostgres ? 'double precision' : 'real', (col) => col.notNull())
    .addColumn('baseline_variant', 'text')
    .addColumn('ratio', isPostgres ? 'double precision' : 'real')
    .execute();
  await db.schema
    .createIndex('benchmarks_series')
    .ifNotExists()
    .on('benchmarks')
    .columns(['suite', 'benchmark', 'variant', 'metric', 'run_at'])
    .execute();
  await db.schema.createIndex('benchmarks_run').ifNotExists().on('benchmarks').column('run_id').execute();
}

/** @param {import('kysely').Kysely<any>} db */
export async function down(db) {
  await db.schema.dropTable('benchmarks').ifExists().execute();
}
