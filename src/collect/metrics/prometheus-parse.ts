/**
 * Reading Prometheus HTTP API answers (`/api/v1/query`, `/api/v1/query_range`) defensively: the server may be a
 * wrong URL, a proxy's HTML page or hostile, so every field is checked before use and a bad shape is a one-line
 * error, never a crash or a half-read value. Sample values are strings in the API (`"0.5"`, `"NaN"`, `"+Inf"`);
 * non-finite ones are dropped.
 */
import type { MetricPoint } from './types.js';

/** The answer was not a Prometheus API answer (the caller fails the source with this message). */
export class PrometheusShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PrometheusShapeError';
  }
}

/** The envelope: data on success, or the API's own error (bad PromQL, execution failure, query timeout). */
export type ApiAnswer = { ok: true; data: unknown; warnings: string[] } | { ok: false; errorType: string; error: string };

/** Series kept per query at most: a matcher that selects a whole fleet must not flood the report and the store. */
export const MAX_SERIES = 200;

/** One line without control characters, at most `max` characters: server text goes into reports and terminals. */
export function oneLine(text: string, max = 300): string {
  const line = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeType(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * The JSON envelope of an answer, whatever its HTTP status: `{"status":"success","data":...}` or
 * `{"status":"error","errorType":...,"error":...}`. Throws PrometheusShapeError when the body is not that.
 */
export function parseEnvelope(body: string, contentType: string | undefined): ApiAnswer {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    const kind = body.trimStart().startsWith('<') ? 'HTML/XML' : contentType ? oneLine(contentType, 60) : 'text';
    throw new PrometheusShapeError(`answer is not JSON (${kind}): is this the Prometheus URL?`);
  }
  if (!isRecord(parsed) || (parsed.status !== 'success' && parsed.status !== 'error')) {
    throw new PrometheusShapeError('answer is JSON but not a Prometheus API answer (no "status": "success" | "error")');
  }
  if (parsed.status === 'error') {
    const error = typeof parsed.error === 'string' ? oneLine(parsed.error) : 'error without a message';
    const errorType = typeof parsed.errorType === 'string' ? oneLine(parsed.errorType, 40) : 'unknown';
    return { ok: false, errorType, error };
  }
  const warnings = Array.isArray(parsed.warnings) ? parsed.warnings.filter((w): w is string => typeof w === 'string').map((w) => oneLine(w)) : [];
  return { ok: true, data: parsed.data, warnings };
}

/** `"0.5"` -> 0.5; NaN, ±Inf, non-numbers -> null (a gap, not a value). */
export function sampleValue(raw: unknown): number | null {
  if (typeof raw !== 'string' || raw.trim() === '') return null;
  const v = Number(raw);
  return Number.isFinite(v) ? v : null;
}

/** `[1700000000.123, "0.5"]` -> a point, or null for a malformed or non-finite sample. */
function samplePoint(raw: unknown): MetricPoint | null {
  if (!Array.isArray(raw) || raw.length !== 2) return null;
  const [t, value] = raw as [unknown, unknown];
  const v = sampleValue(value);
  if (typeof t !== 'number' || !Number.isFinite(t) || v === null) return null;
  return { t, v };
}

/** Label set of a series: string values only, `__name__` dropped, text made one line. */
function labelsOf(metric: unknown): Record<string, string> {
  const labels: Record<string, string> = {};
  if (!isRecord(metric)) return labels;
  for (const [key, value] of Object.entries(metric)) {
    if (key === '__name__' || typeof value !== 'string') continue;
    labels[oneLine(key, 100)] = oneLine(value, 200);
  }
  return labels;
}

function resultOf(data: unknown, where: string): { resultType: string; result: unknown } {
  if (!isRecord(data) || typeof data.resultType !== 'string' || !('result' in data)) {
    throw new PrometheusShapeError(`${where}: answer has no "data.resultType" / "data.result"`);
  }
  return { resultType: data.resultType, result: data.result };
}

export interface RangeSeries {
  labels: Record<string, string>;
  points: MetricPoint[];
}

/**
 * The series of a range query answer (`resultType: "matrix"`), points oldest first, non-finite samples dropped,
 * series without a point left out. Not capped here: the caller sorts by its own label first, then caps.
 */
export function parseMatrix(data: unknown): RangeSeries[] {
  const { resultType, result } = resultOf(data, 'range query');
  if (resultType !== 'matrix' || !Array.isArray(result)) {
    throw new PrometheusShapeError(`range query: expected a matrix result, got ${oneLine(resultType, 40)} with ${describeType(result)}`);
  }
  const series: RangeSeries[] = [];
  for (const item of result) {
    if (!isRecord(item)) throw new PrometheusShapeError('range query: a result entry is not an object');
    // Native histograms come as "histograms" instead of "values": not a number series, skipped.
    if (item.values === undefined) continue;
    if (!Array.isArray(item.values)) throw new PrometheusShapeError('range query: "values" of a series is not an array');
    const points = item.values.map(samplePoint).filter((p): p is MetricPoint => p !== null);
    points.sort((a, b) => a.t - b.t);
    if (points.length > 0) series.push({ labels: labelsOf(item.metric), points });
  }
  return series;
}

export interface InstantValues {
  values: Array<{ labels: Record<string, string>; value: number }>;
  /** Why the result cannot be used as values (a range vector, a string), or null. */
  error: string | null;
  /** Series before the MAX_SERIES cap. */
  total: number;
}

/**
 * The values of an instant query: a vector gives one value per series with its labels (non-finite ones dropped), a
 * scalar one value without labels. A matrix or string result is the query's own mistake, so it is an `error` of the
 * query, not a shape error of the server.
 */
export function parseInstant(data: unknown): InstantValues {
  const { resultType, result } = resultOf(data, 'instant query');
  if (resultType === 'scalar') {
    if (!Array.isArray(result)) throw new PrometheusShapeError('instant query: scalar result is not [time, "value"]');
    const point = samplePoint(result);
    return { values: point ? [{ labels: {}, value: point.v }] : [], error: null, total: point ? 1 : 0 };
  }
  if (resultType === 'vector') {
    if (!Array.isArray(result)) throw new PrometheusShapeError('instant query: vector result is not an array');
    const values: InstantValues['values'] = [];
    for (const item of result) {
      if (!isRecord(item)) throw new PrometheusShapeError('instant query: a result entry is not an object');
      const point = samplePoint(item.value);
      if (point) values.push({ labels: labelsOf(item.metric), value: point.v });
    }
    return { values: values.slice(0, MAX_SERIES), error: null, total: values.length };
  }
  if (resultType === 'matrix') {
    return { values: [], error: 'query returns a range vector (matrix); use an instant expression, e.g. wrap it in max_over_time()', total: 0 };
  }
  if (resultType === 'string') return { values: [], error: 'query returns a string, not a number', total: 0 };
  throw new PrometheusShapeError(`instant query: unknown resultType ${JSON.stringify(oneLine(resultType, 40))}`);
}
