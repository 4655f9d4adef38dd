/**
 * What the InfluxDB v1 (InfluxQL) and v2 (Flux) clients share: the time window of a pass, points cleaning, the
 * one-line error of a failed request, and the `detail` text of the report.
 */
import type { Clock } from '../../types.js';
import { errorMessage } from '../../errors.js';
import type { InfluxSettings, MetricPoint, MetricSeries, QueryResult, CustomQuery } from './types.js';

/** The range asked for, in epoch seconds: `[start, end]`, and the bucket width. */
export interface InfluxWindow {
  start: number;
  end: number;
  intervalSeconds: number;
}

/** What one protocol client (v1 or v2) found; the entry turns it into a MetricSourceResult. */
export interface InfluxOutcome {
  /** One line when the source as a whole failed (down, 401, garbage, no such database); else null. */
  error: string | null;
  series: MetricSeries[];
  queries: QueryResult[];
}

/** The window ending now by the pass clock: `historySeconds` back, buckets of `intervalSeconds`. */
export function influxWindow(settings: InfluxSettings, clock: Clock): InfluxWindow {
  const end = Math.floor(clock().getTime() / 1000);
  const history = Math.max(1, Math.round(settings.historySeconds));
  return { start: end - history, end, intervalSeconds: Math.max(1, Math.round(settings.intervalSeconds)) };
}

/** Finite points only (a null, NaN or infinite mean is a gap, not a value), oldest first, one per timestamp. */
export function cleanPoints(raw: Iterable<{ t: number; v: unknown }>, transform: (v: number) => number = (v) => v): MetricPoint[] {
  const byTime = new Map<number, number>();
  for (const { t, v } of raw) {
    if (!Number.isFinite(t)) continue;
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    if (!Number.isFinite(n)) continue;
    const value = transform(n);
    if (Number.isFinite(value)) byTime.set(t, value);
  }
  return [...byTime.entries()].sort((a, b) => a[0] - b[0]).map(([t, v]) => ({ t, v }));
}

/**
 * A request error as one line without the `GET http://host/path: ` prefix the HTTP client puts first: the result
 * already carries the URL, and the report reads better as `HTTP 401 Unauthorized: authorization failed`.
 */
export function oneLineError(err: unknown): string {
  const message = errorMessage(err).split(/\r?\n/)[0] ?? 'request failed';
  return message.replace(/^(?:GET|POST) \S+: /, '').trim() || 'request failed';
}

/** Server-given text (statement errors, Flux error tables) as one printable line of at most `max` characters. */
export function capLine(text: string, max = 300): string {
  const line = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').replace(/ {2,}/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** `7 d`, `12 h`, `15 min`, `90 s`: the largest unit that divides the duration. */
export function formatDuration(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400} d`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

/** `hourly`, `daily`, `per minute`, or `per 15 min`. */
export function formatInterval(seconds: number): string {
  if (seconds === 3600) return 'hourly';
  if (seconds === 86400) return 'daily';
  if (seconds === 60) return 'per minute';
  return `per ${formatDuration(seconds)}`;
}

/** Control characters of a configured value never reach a report line. */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

/** A custom query's result before anything is known: the configured fields and the expanded query. */
export function emptyQueryResult(q: CustomQuery, expanded: string): QueryResult {
  return { name: q.name, query: expanded, unit: q.unit, warn: q.warn, crit: q.crit, below: q.below, values: [], error: null };
}
