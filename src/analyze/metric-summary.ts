/**
 * The compact form of a metrics source's answer that is stored (`metric_sources.data`), reported and given to the
 * LLM: per series the latest, min, max and mean over the window instead of every point. Pure.
 */
import type { ContainerMetric, MetricSourceKind, MetricSourceResult, QueryResult, StandardMetric } from '../collect/metrics/types.js';
import type { MetricTrend } from './metric-trends.js';

export interface SeriesSummary {
  name: StandardMetric;
  label: string;
  latest: number;
  min: number;
  max: number;
  mean: number;
  points: number;
  /** ISO times of the first and last point. */
  from: string;
  to: string;
}

export interface SourceSummary {
  source: MetricSourceKind;
  url: string;
  status: 'ok' | 'failed';
  error: string | null;
  detail: string;
  durationMs: number;
  windowSeconds: number;
  series: SeriesSummary[];
  queries: QueryResult[];
  containers: ContainerMetric[];
  trends: MetricTrend[];
}

/** Values kept per custom query (a query may return thousands of series; the finding names the worst ones). */
export const MAX_QUERY_VALUES = 50;
/** Series kept per source (a misconfigured matcher can select a whole fleet's disks). */
export const MAX_SERIES = 200;

const round = (n: number): number => Math.round(n * 1000) / 1000;

export function summarizeSeries(result: MetricSourceResult): SeriesSummary[] {
  const out: SeriesSummary[] = [];
  for (const s of result.series) {
    const points = s.points.filter((p) => Number.isFinite(p.v) && Number.isFinite(p.t));
    if (points.length === 0) continue;
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    for (const p of points) {
      min = Math.min(min, p.v);
      max = Math.max(max, p.v);
      sum += p.v;
    }
    out.push({
      name: s.name,
      label: s.label,
      latest: round(points[points.length - 1]!.v),
      min: round(min),
      max: round(max),
      mean: round(sum / points.length),
      points: points.length,
      from: new Date(points[0]!.t * 1000).toISOString(),
      to: new Date(points[points.length - 1]!.t * 1000).toISOString(),
    });
    if (out.length >= MAX_SERIES) break;
  }
  return out;
}

/** One summary per source result, with the trends that came from it. `redact` masks secrets in free text. */
export function summarizeSources(results: readonly MetricSourceResult[], trends: readonly MetricTrend[], redact: (s: string) => string): SourceSummary[] {
  return results.map((r) => ({
    source: r.source,
    url: redact(r.url),
    status: r.status,
    error: r.error === null ? null : redact(r.error),
    detail: redact(r.detail),
    durationMs: Math.round(r.durationMs),
    windowSeconds: Math.round(r.windowSeconds),
    series: summarizeSeries(r),
    queries: r.queries.map((q) => ({
      ...q,
      query: redact(q.query),
      error: q.error === null ? null : redact(q.error),
      values: q.values.slice(0, MAX_QUERY_VALUES),
    })),
    containers: r.containers ?? [],
    trends: trends.filter((t) => t.source === r.source),
  }));
}
