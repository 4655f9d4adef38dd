import type { Kysely } from 'kysely';
import { chunk } from './chunk.js';
import type { BenchmarkRow, Database, NewBenchmarkRow } from './schema.js';

/** Who measured and where: the same on every row of one benchmark script run. */
export interface BenchmarkRunInfo {
  runId: string;
  runAt: string;
  /** The script (`bench`, `bench:ci`, ...). */
  suite: string;
  gitCommit: string;
  machine: string;
  cpus: number;
  nodeVersion: string;
}

/** One measured value. */
export interface BenchmarkResult {
  benchmark: string;
  variant: string;
  /** `wall_s`, `cpu_s`, `rss_mib`, ... (unit in the name). */
  metric: string;
  value: number;
  baselineVariant?: string | null;
  /** value / the baseline variant's value. */
  ratio?: number | null;
}

/** Which part of the history to read. */
export interface BenchmarkTrendQuery {
  /** The last this many runs of every series. */
  runs: number;
  suite?: string;
  benchmark?: string;
}

/** 13 parameters a row. */
const ROWS_PER_STATEMENT = 200;

/**
 * Stores the results of one run in one transaction. A value that is not a finite number (a variant that could not
 * run: NaN) is left out, and a ratio that is not finite is stored as null.
 * @returns how many rows were stored.
 */
export async function saveBenchmarkRun(db: Kysely<Database>, run: BenchmarkRunInfo, results: readonly BenchmarkResult[]): Promise<number> {
  const rows: NewBenchmarkRow[] = results
    .filter((result) => Number.isFinite(result.value))
    .map((result) => ({
      run_id: run.runId,
      run_at: run.runAt,
      suite: run.suite,
      git_commit: run.gitCommit,
      machine: run.machine,
      cpus: run.cpus,
      node_version: run.nodeVersion,
      benchmark: result.benchmark,
      variant: result.variant,
      metric: result.metric,
      value: result.value,
      baseline_variant: result.baselineVariant ?? null,
      ratio: result.ratio !== undefined && result.ratio !== null && Number.isFinite(result.ratio) ? result.ratio : null,
    }));
  await db.transaction().execute(async (trx) => {
    for (const batch of chunk(rows, ROWS_PER_STATEMENT)) await trx.insertInto('benchmarks').values(batch).execute();
  });
  return rows.length;
}

/**
 * The last `query.runs` rows of every series (suite, benchmark, variant, metric), oldest first within a series,
 * series in name order.
 */
export async function loadBenchmarkTrend(db: Kysely<Database>, query: BenchmarkTrendQuery): Promise<BenchmarkRow[]> {
  let recent = db
    .selectFrom('benchmarks')
    .selectAll()
    .select((eb) =>
      eb.fn
        .agg<number>('row_number')
        .over((over) => over.partitionBy(['suite', 'benchmark', 'variant', 'metric']).orderBy('run_at', 'desc').orderBy('id', 'desc'))
        .as('recency'),
    );
  if (query.suite !== undefined) recent = recent.where('suite', '=', query.suite);
  if (query.benchmark !== undefined) recent = recent.where('benchmark', '=', query.benchmark);
  const rows = await db
    .selectFrom(recent.as('recent'))
    .selectAll()
    .where('recency', '<=', query.runs)
    .orderBy('suite')
    .orderBy('benchmark')
    .orderBy('variant')
    .orderBy('metric')
    .orderBy('run_at')
    .orderBy('id')
    .execute();
  return rows.map(({ recency: _recency, ...row }) => row);
}
