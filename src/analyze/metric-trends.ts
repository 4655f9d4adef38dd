/**
 * Trends of the metrics sources' history (issue #8): a least-squares slope per day for each series with enough
 * history, and for disk series the days until the mount is full at that rate. Pure.
 */
import type { MetricSeries, MetricSourceKind, MetricSourceResult, StandardMetric } from '../collect/metrics/types.js';

export interface MetricTrend {
  source: MetricSourceKind;
  metric: StandardMetric;
  /** Mount point for disk series, `''` otherwise. */
  label: string;
  /** The last value (percent for the `*.used_percent` series). */
  latest: number;
  /** Change per day by least squares over the whole history (percentage points per day for percents). */
  slopePerDay: number;
  /** Hours between the first and the last point. */
  spanHours: number;
  points: number;
  /** Disk series growing at this rate: days until 100 %; null when not growing (or not a disk series). */
  daysUntilFull: number | null;
}

/** Series with a trend: the percents a report shows and a projection needs. */
const TREND_METRICS: ReadonlySet<StandardMetric> = new Set(['cpu.used_percent', 'memory.used_percent', 'swap.used_percent', 'disk.used_percent', 'load.1']);

/** Fewer points or a shorter span is not a trend. */
export const MIN_TREND_POINTS = 3;
export const MIN_TREND_SPAN_HOURS = 0.5;

/** Least-squares slope of v over t (t in days). Null for fewer than two distinct times. */
export function slopePerDay(points: ReadonlyArray<{ t: number; v: number }>): number | null {
  const n = points.length;
  if (n < 2) return null;
  const t0 = points[0]!.t;
  let sumT = 0;
  let sumV = 0;
  for (const p of points) {
    sumT += (p.t - t0) / 86_400;
    sumV += p.v;
  }
  const meanT = sumT / n;
  const meanV = sumV / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    const dt = (p.t - t0) / 86_400 - meanT;
    num += dt * (p.v - meanV);
    den += dt * dt;
  }
  return den === 0 ? null : num / den;
}

function trendOf(source: MetricSourceKind, series: MetricSeries): MetricTrend | null {
  if (!TREND_METRICS.has(series.name)) return null;
  const points = series.points.filter((p) => Number.isFinite(p.t) && Number.isFinite(p.v));
  if (points.length < MIN_TREND_POINTS) return null;
  const spanHours = (points[points.length - 1]!.t - points[0]!.t) / 3600;
  if (spanHours < MIN_TREND_SPAN_HOURS) return null;
  const slope = slopePerDay(points);
  if (slope === null || !Number.isFinite(slope)) return null;
  const latest = points[points.length - 1]!.v;
  const isDisk = series.name === 'disk.used_percent';
  const daysUntilFull = isDisk && slope > 0 && latest < 100 ? (100 - latest) / slope : isDisk && latest >= 100 ? 0 : null;
  return { source, metric: series.name, label: series.label, latest, slopePerDay: slope, spanHours, points: points.length, daysUntilFull };
}

/** The trends of every answered source, disks soonest-full first, then by source and metric. */
export function metricTrends(results: readonly MetricSourceResult[]): MetricTrend[] {
  const trends: MetricTrend[] = [];
  for (const result of results) {
    if (result.status !== 'ok') continue;
    for (const series of result.series) {
      const trend = trendOf(result.source, series);
      if (trend) trends.push(trend);
    }
  }
  return trends.sort(
    (a, b) =>
      (a.daysUntilFull ?? Infinity) - (b.daysUntilFull ?? Infinity) ||
      a.source.localeCompare(b.source) ||
      a.metric.localeCompare(b.metric) ||
      a.label.localeCompare(b.label),
  );
}
