/**
 * A metric's history across the three tables retention keeps it in (docs/retention.md): raw `metrics` rows (the
 * recent days), `metrics_hourly` and `metrics_daily` rollups (older). A rollup moves samples from one table to the
 * next in one transaction, so the tables never overlap and the union is the whole history, each sample once. Rolled-up
 * rows stand at the start of their hour or day with their average as `value` and their sample count as `samples`
 * (1 for a raw row), so a period's mean is sum(value * samples) / sum(samples).
 * Each branch is an index range scan: metrics (host_id, name, collected_at, ...) and the rollups' primary keys
 * (host_id, name, bucket, label), so a year of history reads about 7 x 96 raw + 83 x 24 hourly + 275 daily rows per
 * series at the default retention, not 35,000 raw ones.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Which series and which period. */
export interface MetricHistoryFilter {
  hostIds: readonly number[];
  names: readonly string[];
  /** Start of the period (ISO). */
  from: string;
  /** `from` itself included (>=) or not (>). */
  fromInclusive: boolean;
  /** End of the period, included (ISO); none: up to now. */
  until?: string;
  /** Labels left out (a LIKE pattern, e.g. `/snap/%`). */
  excludeLabelLike?: string;
}

/**
 * The union query (use `.execute()`, or `.as('m')` in a FROM): host_id, name, label, collected_at, value, samples.
 * Unordered.
 */
export function metricHistory(db: Kysely<Database>, f: MetricHistoryFilter) {
  const lower = f.fromInclusive ? '>=' : '>';
  const raw = db
    .selectFrom('metrics')
    .select(['host_id', 'name', 'label', 'collected_at', 'value', sql<number>`1`.as('samples')])
    .where('host_id', 'in', [...f.hostIds])
    .where('name', 'in', [...f.names])
    .where('collected_at', lower, f.from)
    .$if(f.until !== undefined, (q) => q.where('collected_at', '<=', f.until as string))
    .$if(f.excludeLabelLike !== undefined, (q) => q.where('label', 'not like', f.excludeLabelLike as string));
  const rollup = (table: 'metrics_hourly' | 'metrics_daily') =>
    db
      .selectFrom(table)
      .select(['host_id', 'name', 'label', 'bucket as collected_at', 'avg_value as value', 'samples'])
      .where('host_id', 'in', [...f.hostIds])
      .where('name', 'in', [...f.names])
      .where('bucket', lower, f.from)
      .$if(f.until !== undefined, (q) => q.where('bucket', '<=', f.until as string))
      .$if(f.excludeLabelLike !== undefined, (q) => q.where('label', 'not like', f.excludeLabelLike as string));
  return raw.unionAll(rollup('metrics_hourly')).unionAll(rollup('metrics_daily'));
}
