/**
 * Metrics downsampling: raw `metrics` rows -> `metrics_hourly` -> `metrics_daily`. Each step, in ONE transaction,
 * aggregates a batch of source rows per host, name, label and bucket, merges the result into the target (an upsert
 * that combines min, max, sample-weighted average and sample count with what the bucket already holds) and deletes
 * the source rows. A sample therefore lives in exactly one of the three tables and is counted exactly once, whatever
 * is re-run or interrupted, and readers can simply read all three (metric-history.ts).
 * Each transaction starts with its DELETE ... RETURNING: on SQLite a transaction that reads first and writes later
 * fails (SQLITE_BUSY) when another process wrote in between, while one that writes first waits for the lock.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import { chunk } from './chunk.js';
import { dayBucket, hourBucket } from './retention-plan.js';
import type { Database, MetricRollupTable } from './schema.js';

export type RollupTable = 'metrics_hourly' | 'metrics_daily';
type Dialect = 'sqlite' | 'postgres';

/** One bucket's summary, before it is merged. */
export type RollupRow = MetricRollupTable;

/** A raw sample (samples = 1) or a rolled-up row, as aggregate() reads it. */
interface Summary {
  host_id: number;
  name: string;
  label: string;
  at: string;
  min_value: number;
  max_value: number;
  avg_value: number;
  samples: number;
}

/** 8 parameters a row. */
const ROWS_PER_UPSERT = 500;
const IDS_PER_DELETE = 1000;
/** Buckets looked at per page of bucketPages(). */
const BUCKETS_PER_PAGE = 500;

/** Combines summaries per host, name, label and bucket (the bucket of `at`). Pure. */
export function aggregate(items: readonly Summary[], bucketOf: (at: string) => string): RollupRow[] {
  const byKey = new Map<string, RollupRow & { total: number }>();
  for (const item of items) {
    const bucket = bucketOf(item.at);
    const key = `${item.host_id}\u0000${item.name}\u0000${item.label}\u0000${bucket}`;
    const samples = Number(item.samples);
    const row = byKey.get(key);
    if (!row) {
      byKey.set(key, {
        host_id: item.host_id,
        name: item.name,
        label: item.label,
        bucket,
        min_value: Number(item.min_value),
        max_value: Number(item.max_value),
        avg_value: 0,
        samples,
        total: Number(item.avg_value) * samples,
      });
      continue;
    }
    row.min_value = Math.min(row.min_value, Number(item.min_value));
    row.max_value = Math.max(row.max_value, Number(item.max_value));
    row.samples += samples;
    row.total += Number(item.avg_value) * samples;
  }
  return [...byKey.values()].map(({ total, ...row }) => ({ ...row, avg_value: total / row.samples }));
}

/** Merges rows into a rollup table: a new bucket is inserted, an existing one combined with them. */
export async function mergeRollups(trx: Transaction<Database>, table: RollupTable, rows: readonly RollupRow[], dialect: Dialect): Promise<void> {
  const [least, greatest] = dialect === 'postgres' ? ['least', 'greatest'] : ['min', 'max'];
  const col = (name: string) => sql.ref(`${table}.${name}`);
  for (const batch of chunk(rows, ROWS_PER_UPSERT)) {
    await trx
      .insertInto(table)
      .values(batch)
      .onConflict((oc) =>
        oc.columns(['host_id', 'name', 'bucket', 'label']).doUpdateSet({
          min_value: sql<number>`${sql.raw(least)}(${col('min_value')}, excluded.min_value)`,
          max_value: sql<number>`${sql.raw(greatest)}(${col('max_value')}, excluded.max_value)`,
          avg_value: sql<number>`(${col('avg_value')} * ${col('samples')} + excluded.avg_value * excluded.samples) / (${col('samples')} + excluded.samples)`,
          samples: sql<number>`${col('samples')} + excluded.samples`,
        }),
      )
      .execute();
  }
}

/** Raw rows as summaries of one sample each. */
function samplesOf(rows: ReadonlyArray<{ host_id: number; name: string; label: string; collected_at: string; value: number }>): Summary[] {
  return rows.map((r) => {
    const value = Number(r.value);
    return { host_id: r.host_id, name: r.name, label: r.label, at: r.collected_at, min_value: value, max_value: value, avg_value: value, samples: 1 };
  });
}

/**
 * Rolls raw rows collected before `cutoff` into hourly rows, `batchSize` rows per transaction, oldest first.
 * @returns the raw rows rolled up (and deleted).
 */
export async function rollUpRawMetrics(
  db: Kysely<Database>,
  options: { dialect: Dialect; cutoff: string; batchSize: number; afterBatch?: () => Promise<void> },
): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await db.transaction().execute(async (trx) => {
      const rows = await trx
        .deleteFrom('metrics')
        .where('id', 'in', (eb) => eb.selectFrom('metrics').select('id').where('collected_at', '<', options.cutoff).orderBy('collected_at').limit(options.batchSize))
        .returning(['host_id', 'name', 'label', 'collected_at', 'value'])
        .execute();
      await mergeRollups(trx, 'metrics_hourly', aggregate(samplesOf(rows), hourBucket), options.dialect);
      return rows.length;
    });
    if (n === 0) return total;
    total += n;
    await options.afterBatch?.();
  }
}

/**
 * Rolls the raw rows of the given host runs into hourly rows, inside the caller's transaction (the host runs are
 * about to be deleted, and their metric rows with them).
 * @returns the raw rows rolled up.
 */
export async function rollUpHostRunMetrics(trx: Transaction<Database>, hostRunIds: readonly number[], dialect: Dialect): Promise<number> {
  let total = 0;
  for (const ids of chunk(hostRunIds, IDS_PER_DELETE)) {
    const rows = await trx.deleteFrom('metrics').where('host_run_id', 'in', ids).returning(['host_id', 'name', 'label', 'collected_at', 'value']).execute();
    await mergeRollups(trx, 'metrics_hourly', aggregate(samplesOf(rows), hourBucket), dialect);
    total += rows.length;
  }
  return total;
}

/**
 * Pages of whole buckets of a rollup table before `cutoff`, oldest first: consecutive buckets adding up to about
 * `batchSize` rows (at least one bucket). The caller deletes each page before asking for the next. Read outside the
 * delete's transaction: only retention (one process at a time, retention-state.ts) deletes these rows.
 */
export async function nextBucketPage(
  db: Kysely<Database>,
  table: RollupTable,
  cutoff: string,
  batchSize: number,
): Promise<{ first: string; last: string; rows: number } | null> {
  const buckets = await db
    .selectFrom(table)
    .select((eb) => ['bucket', eb.fn.countAll<number>().as('n')])
    .where('bucket', '<', cutoff)
    .groupBy('bucket')
    .orderBy('bucket')
    .limit(BUCKETS_PER_PAGE)
    .execute();
  const first = buckets[0];
  if (!first) return null;
  let last = first.bucket;
  let rows = 0;
  for (const b of buckets) {
    if (rows > 0 && rows + Number(b.n) > batchSize) break;
    rows += Number(b.n);
    last = b.bucket;
  }
  return { first: first.bucket, last, rows };
}

/** The rows of a bucket page. */
export function bucketPageRows(db: Kysely<Database>, table: RollupTable, page: { first: string; last: string }) {
  return db.selectFrom(table).selectAll().where('bucket', '>=', page.first).where('bucket', '<=', page.last).execute();
}

/** Deletes a bucket page. @returns its rows. */
export function deleteBucketPage(trx: Transaction<Database>, table: RollupTable, page: { first: string; last: string }) {
  return trx.deleteFrom(table).where('bucket', '>=', page.first).where('bucket', '<=', page.last).returningAll().execute();
}

/**
 * Rolls hourly rows of hours before `cutoff` (a day start) into daily rows, about `batchSize` rows per transaction.
 * @returns the hourly rows rolled up (and deleted).
 */
export async function rollUpHourlyMetrics(
  db: Kysely<Database>,
  options: { dialect: Dialect; cutoff: string; batchSize: number; afterBatch?: () => Promise<void> },
): Promise<number> {
  let total = 0;
  for (;;) {
    const page = await nextBucketPage(db, 'metrics_hourly', options.cutoff, options.batchSize);
    if (!page) return total;
    total += await db.transaction().execute(async (trx) => {
      const rows = await deleteBucketPage(trx, 'metrics_hourly', page);
      await mergeRollups(trx, 'metrics_daily', aggregate(rows.map((r) => ({ ...r, at: r.bucket })), dayBucket), options.dialect);
      return rows.length;
    });
    await options.afterBatch?.();
  }
}
