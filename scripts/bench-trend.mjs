#!/usr/bin/env node
// `npm run bench:trend [-- --runs N] [--suite SUITE] [--benchmark NAME]`: the last N (default 5) stored results of
// every benchmark series (suite, benchmark, variant, metric) as a Markdown table, with the change since the previous
// run and since the first one shown; ratios to the in-run baseline where the series has one, values otherwise.
// Reads the store of DTHOSTMON_BENCH_DB (default .bench/benchmarks.db; see bench-results.mjs, docs/benchmarks.md).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { root, withBenchStore } from './bench-results.mjs';

let flags;
try {
  ({ values: flags } = parseArgs({ options: { runs: { type: 'string', default: '5' }, suite: { type: 'string' }, benchmark: { type: 'string' } } }));
} catch (err) {
  flags = { error: err.message };
}
const runs = Number(flags.runs);
if (flags.error !== undefined || !Number.isInteger(runs) || runs < 1) {
  console.error(`bench:trend: ${flags.error ?? `--runs ${flags.runs}: expected a positive whole number`}`);
  process.exitCode = 2;
} else if (!existsSync(join(root, 'dist', 'bench', 'trend.js'))) {
  console.error('bench:trend: dist/ is missing: run `npm run build` first');
  process.exitCode = 2;
} else {
  const [{ loadBenchmarkTrend }, { formatTrendTable, trendSeries }] = await Promise.all([
    import('../dist/store/benchmarks-repo.js'),
    import('../dist/bench/trend.js'),
  ]);
  await withBenchStore(async (db, describe) => {
    const query = { runs, ...(flags.suite ? { suite: flags.suite } : {}), ...(flags.benchmark ? { benchmark: flags.benchmark } : {}) };
    const series = trendSeries(await loadBenchmarkTrend(db, query));
    if (series.length === 0) {
      console.log(`No benchmark results in ${describe}${flags.suite || flags.benchmark ? ' for that filter' : ''}: npm run bench or npm run bench:ci stores them.`);
      return;
    }
    console.log(`Benchmark trend, last ${runs} runs per series (${describe}):\n`);
    console.log(formatTrendTable(series));
  });
}
