/**
 * The Prometheus source (issue #8): the host's node_exporter series over the configured range, mapped onto the
 * standard series, plus the custom PromQL queries of `metrics.queries` with `source: prometheus`.
 *
 * All requests run at once, each with the source timeout and the pass deadline. The first source-level failure
 * (connection, timeout, 401, 5xx, an answer that is not Prometheus') fails the whole source and aborts the other
 * requests; a query's own error (bad PromQL) stays with that query. A source client never throws.
 *
 * Matchers that select nothing: `failed` with `no series match ... (check metrics.prometheus.match)` when no custom
 * query returned a value either, since a typo in the matchers is the usual cause and an `ok` without data would hide
 * it; `ok` with a note in `detail` when custom queries did return values (the server is fine and useful).
 */
import { authFromEnv, elapsedMs, expandPlaceholders, type SourceContext } from './context.js';
import { displayUrl } from './http.js';
import { apiGet, type ApiOutcome, type ApiRequest } from './prometheus-api.js';
import { MAX_SERIES, oneLine, parseInstant, parseMatrix, type InstantValues, type RangeSeries } from './prometheus-parse.js';
import { effectiveStepSeconds, formatDuration, matcherString, standardQueries, type StandardQuery } from './prometheus-promql.js';
import type { CustomQuery, MetricSeries, MetricSourceResult, PrometheusSettings, QueryResult } from './types.js';

/** The standard series of one range query: labelled, sorted by label, capped (with a note when capped). */
function toSeries(q: StandardQuery, found: RangeSeries[], notes: string[]): MetricSeries[] {
  const byLabel = new Map<string, MetricSeries>();
  for (const s of found) {
    const label = q.labelKey ? (s.labels[q.labelKey] ?? '') : '';
    // The queries aggregate to one series per label; a second one (a server that ignores `by`) is not merged.
    if (!byLabel.has(label)) byLabel.set(label, { name: q.metric, label, points: s.points });
  }
  const series = [...byLabel.values()].sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
  if (series.length > MAX_SERIES) notes.push(`${q.metric}: ${MAX_SERIES} of ${series.length} series kept`);
  return series.slice(0, MAX_SERIES);
}

function toQueryResult(q: CustomQuery, sent: string, outcome: ApiOutcome<InstantValues>, notes: string[]): QueryResult {
  const base = { name: q.name, query: sent, unit: q.unit, warn: q.warn, crit: q.crit, below: q.below };
  if (!outcome.ok) return { ...base, values: [], error: outcome.error };
  if (outcome.value.total > outcome.value.values.length) notes.push(`query ${q.name}: ${outcome.value.values.length} of ${outcome.value.total} values kept`);
  return { ...base, values: outcome.value.values, error: outcome.value.error };
}

/**
 * Reads the host's node_exporter series and runs the custom PromQL queries. Never throws: a source that cannot be
 * read is a result with `status: 'failed'` and a one-line `error` without credentials.
 */
export async function collectPrometheus(settings: PrometheusSettings, queries: CustomQuery[], ctx: SourceContext): Promise<MetricSourceResult> {
  const start = ctx.clock();
  const step = effectiveStepSeconds(settings.rangeSeconds, settings.stepSeconds);
  const custom = queries.filter((q) => q.source === 'prometheus');
  const hasMatch = Object.keys(settings.match).length > 0;
  let match = '';
  let detail = '';
  const result = (status: 'ok' | 'failed', error: string | null, series: MetricSeries[] = [], results: QueryResult[] = []): MetricSourceResult => ({
    source: 'prometheus',
    url: displayUrl(settings.url),
    status,
    error: error === null ? null : oneLine(error, 400),
    detail,
    durationMs: elapsedMs(ctx.clock, start),
    windowSeconds: settings.rangeSeconds,
    series,
    queries: results,
  });

  try {
    match = matcherString(settings.match);
  } catch (err) {
    detail = 'node_exporter (invalid matchers)';
    return result('failed', (err as Error).message);
  }
  const stepNote = step !== settings.stepSeconds ? ` (step raised from ${settings.stepSeconds} s: Prometheus allows 11,000 points)` : '';
  detail = hasMatch
    ? `node_exporter ${match}, last ${formatDuration(settings.rangeSeconds)} every ${step < 3600 ? `${step} s` : formatDuration(step)}${stepNote}`
    : 'node_exporter not read (metrics.prometheus.match is empty)';
  if (custom.length > 0) detail += `; ${custom.length} custom quer${custom.length === 1 ? 'y' : 'ies'}`;
  if (!hasMatch && custom.length === 0) {
    return result('failed', 'metrics.prometheus.match is empty: set the labels of this host\'s node_exporter series (e.g. instance: "web-01:9100")');
  }

  // One failed request fails the source: the others are aborted instead of each waiting for its own timeout.
  const abort = new AbortController();
  const req: ApiRequest = {
    http: ctx.http,
    baseUrl: settings.url,
    auth: authFromEnv(ctx.env, { username: settings.username, passwordEnv: settings.passwordEnv, tokenEnv: settings.tokenEnv, tokenKind: 'bearer' }),
    timeoutMs: settings.timeoutMs,
    signal: AbortSignal.any([ctx.signal, abort.signal]),
  };
  const call = async <T>(path: string, params: Record<string, string>, parse: (data: unknown) => T): Promise<ApiOutcome<T>> => {
    try {
      return await apiGet(req, path, params, parse);
    } catch (err) {
      abort.abort();
      throw err;
    }
  };

  const end = Math.floor(start.getTime() / 1000);
  const range = { start: String(end - settings.rangeSeconds), end: String(end), step: String(step) };
  const standard = hasMatch ? standardQueries(match, step) : [];
  const vars = { match, name: ctx.host.name, hostname: ctx.host.hostname, site: ctx.host.site ?? '' };
  const sent = custom.map((q) => expandPlaceholders(q.query, vars));

  let rangeAnswers: Array<ApiOutcome<RangeSeries[]>>;
  let instantAnswers: Array<ApiOutcome<InstantValues>>;
  try {
    [rangeAnswers, instantAnswers] = await Promise.all([
      Promise.all(standard.map((q) => call('/api/v1/query_range', { query: q.promql, ...range }, parseMatrix))),
      Promise.all(sent.map((query) => call('/api/v1/query', { query, time: String(end) }, parseInstant))),
    ]);
  } catch (err) {
    return result('failed', err instanceof Error ? err.message : String(err));
  }

  const notes: string[] = [];
  const series: MetricSeries[] = [];
  const queryErrors: string[] = [];
  standard.forEach((q, i) => {
    const answer = rangeAnswers[i];
    if (!answer) return;
    if (answer.ok) series.push(...toSeries(q, answer.value, notes));
    else queryErrors.push(`${q.metric}: ${answer.error}`);
  });
  const results = custom.map((q, i) => toQueryResult(q, sent[i] ?? q.query, instantAnswers[i] ?? { ok: false, error: 'no answer' }, notes));

  if (hasMatch && series.length === 0) {
    const why =
      queryErrors.length === standard.length && queryErrors.length > 0
        ? `node_exporter queries failed: ${queryErrors[0]}`
        : `no series match ${match} (check metrics.prometheus.match)`;
    if (!results.some((r) => r.values.length > 0)) return result('failed', why);
    notes.unshift(queryErrors.length === standard.length ? why : `no node_exporter series for ${match}`);
  } else {
    notes.push(...queryErrors);
  }
  if (notes.length > 0) detail += `; ${notes.join('; ')}`;
  return result('ok', null, series, results);
}
