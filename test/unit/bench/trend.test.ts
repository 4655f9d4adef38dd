import { formatChange, formatFigure, formatTrendTable, trendSeries } from '../../../src/bench/trend.js';
import type { BenchmarkRow } from '../../../src/store/schema.js';

let nextId = 1;
function row(day: number, fields: Partial<BenchmarkRow>): BenchmarkRow {
  return {
    id: nextId++,
    run_id: `run-${day}`,
    run_at: new Date(Date.UTC(2026, 10, day, 9, 30)).toISOString(),
    suite: 'bench:ci',
    git_commit: `c${day}`,
    machine: 'm',
    cpus: 2,
    node_version: 'v20.20.0',
    benchmark: 'store-writes',
    variant: 'dthostmon',
    metric: 'cpu_s',
    value: 1,
    baseline_variant: null,
    ratio: null,
    ...fields,
  };
}

describe('trendSeries and formatTrendTable', () => {
  const rows = [
    row(1, { ratio: 4, baseline_variant: 'better-sqlite3' }),
    row(2, { ratio: 4.2, baseline_variant: 'better-sqlite3' }),
    row(3, { ratio: 4.1, baseline_variant: 'better-sqlite3' }),
    row(3, { variant: 'better-sqlite3', value: 0.000876 }),
  ];

  it('groups ordered rows into series and shows ratios where there is a baseline', () => {
    const series = trendSeries(rows);
    expect(series.map((s) => [s.variant, s.baseline, s.points.map((p) => p.figure)])).toEqual([
      ['dthostmon', 'better-sqlite3', [4, 4.2, 4.1]],
      ['better-sqlite3', null, [0.000876]],
    ]);
  });

  it('prints one table row per series with the changes since the previous and the first run', () => {
    expect(formatTrendTable(trendSeries(rows)).split('\n')).toEqual([
      '| suite | benchmark | variant | metric | ratio to | runs (oldest to newest) | change since previous | change since first | last commit | last run |',
      '|---|---|---|---|---|---|---|---|---|---|',
      '| bench:ci | store-writes | dthostmon | cpu_s | better-sqlite3 | 4.00 4.20 4.10 | -2.4 % | +2.5 % | c3 | 2026-11-03 09:30 |',
      '| bench:ci | store-writes | better-sqlite3 | cpu_s | - | 0.000876 | - | - | c3 | 2026-11-03 09:30 |',
    ]);
  });

  it('formats figures to about three digits and changes in percent', () => {
    expect([formatFigure(1234.5), formatFigure(13.04), formatFigure(4.861), formatFigure(0.0123456)]).toEqual(['1235', '13.0', '4.86', '0.0123']);
    expect([formatChange(undefined, 1), formatChange(0, 1), formatChange(2, 2), formatChange(4, 3)]).toEqual(['-', '-', '+0.0 %', '-25.0 %']);
  });
});
