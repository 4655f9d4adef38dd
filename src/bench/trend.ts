/**
 * `npm run bench:trend` (scripts/bench-trend.mjs): the stored benchmark results (table `benchmarks`) as one row per
 * series (suite, benchmark, variant, metric) over its last runs, with the change since the previous run and since
 * the first one shown. A series with a baseline shows its ratios (our value over the in-run baseline's, the figure
 * that survives a noisy machine); any other its values. Positive changes are increases: slower, for times and ratios.
 */
import type { BenchmarkRow } from '../store/schema.js';

export interface TrendPoint {
  runAt: string;
  commit: string;
  /** The ratio when the series has a baseline, else the value. */
  figure: number;
}

export interface TrendSeries {
  suite: string;
  benchmark: string;
  variant: string;
  metric: string;
  /** The baseline variant of the newest row, or null for plain values. */
  baseline: string | null;
  /** Oldest first. */
  points: TrendPoint[];
}

/** Groups rows (ordered by series, then time, as loadBenchmarkTrend returns them) into series. */
export function trendSeries(rows: readonly BenchmarkRow[]): TrendSeries[] {
  const series: TrendSeries[] = [];
  for (const row of rows) {
    let current = series.at(-1);
    if (!current || current.suite !== row.suite || current.benchmark !== row.benchmark || current.variant !== row.variant || current.metric !== row.metric) {
      current = { suite: row.suite, benchmark: row.benchmark, variant: row.variant, metric: row.metric, baseline: null, points: [] };
      series.push(current);
    }
    current.baseline = row.ratio === null ? null : row.baseline_variant;
    current.points.push({ runAt: row.run_at, commit: row.git_commit, figure: row.ratio ?? row.value });
  }
  return series;
}

/** A figure with about three significant digits. */
export function formatFigure(x: number): string {
  const size = Math.abs(x);
  if (size >= 100) return x.toFixed(0);
  if (size >= 10) return x.toFixed(1);
  if (size >= 1) return x.toFixed(2);
  return x.toPrecision(3);
}

/** `+4.2 %`, `-0.5 %`; `-` without a previous figure (or one of 0). */
export function formatChange(from: number | undefined, to: number): string {
  if (from === undefined || from === 0) return '-';
  const change = (to / from - 1) * 100;
  return `${change >= 0 ? '+' : ''}${change.toFixed(1)} %`;
}

/** The trend as a Markdown table. */
export function formatTrendTable(series: readonly TrendSeries[]): string {
  const lines = [
    '| suite | benchmark | variant | metric | ratio to | runs (oldest to newest) | change since previous | change since first | last commit | last run |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const s of series) {
    const figures = s.points.map((point) => point.figure);
    const last = s.points.at(-1) as TrendPoint;
    lines.push(
      `| ${s.suite} | ${s.benchmark} | ${s.variant} | ${s.metric} | ${s.baseline ?? '-'} | ${figures.map(formatFigure).join(' ')} | ` +
        `${formatChange(figures.at(-2), last.figure)} | ${s.points.length > 1 ? formatChange(figures[0], last.figure) : '-'} | ${last.commit} | ${last.runAt.slice(0, 16).replace('T', ' ')} |`,
    );
  }
  return lines.join('\n');
}
