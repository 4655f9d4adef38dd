/**
 * Reads a host's metrics sources (Prometheus, InfluxDB, Glances) concurrently, each under its own timeout and the
 * pass deadline. Every configured source gives exactly one result, failed or not: a source that is down is data for
 * the report (`collect.source_failed`), never a reason to lose what SSH and the other sources collected.
 */
import type { Clock, ResolvedHost } from '../../types.js';
import { errorMessage } from '../../errors.js';
import { createHttpClient, displayUrl, type HttpClient, type HttpClientOptions } from './http.js';
import type { SourceContext } from './context.js';
import type { CustomQuery, MetricSourceKind, MetricSourceResult } from './types.js';
import { collectPrometheus } from './prometheus.js';
import { collectInfluxdb } from './influxdb.js';
import { collectGlances } from './glances.js';

export interface MetricsDeps {
  clock: Clock;
  signal: AbortSignal;
  /** Where `*_env` credentials are read (the pass gives LoadedConfig.credentials). */
  env: Readonly<Record<string, string | undefined>>;
  /** The HTTP client per host's TLS settings (tests may wrap it to count requests). */
  createHttp?: (options: HttpClientOptions) => HttpClient;
}

function crashed(source: MetricSourceKind, url: string, err: unknown, started: Date, clock: Clock): MetricSourceResult {
  return {
    source,
    url: displayUrl(url),
    status: 'failed',
    error: errorMessage(err).split('\n')[0] ?? 'failed',
    detail: '',
    durationMs: Math.max(0, clock().getTime() - started.getTime()),
    windowSeconds: 0,
    series: [],
    queries: [],
  };
}

/** One result per configured source, in the order prometheus, influxdb, glances; [] when the host has none. */
export async function collectMetrics(host: ResolvedHost, deps: MetricsDeps): Promise<MetricSourceResult[]> {
  const settings = host.metrics;
  if (!settings) return [];
  const http = (deps.createHttp ?? createHttpClient)({ allowInsecureHttp: settings.allowInsecureHttp, caFile: settings.caFile });
  const ctx: SourceContext = {
    http,
    host: { name: host.name, hostname: host.hostname, site: host.site },
    env: deps.env,
    clock: deps.clock,
    signal: deps.signal,
  };
  const queriesFor = (source: CustomQuery['source']): CustomQuery[] => settings.queries.filter((q) => q.source === source);
  const jobs: Array<Promise<MetricSourceResult>> = [];
  // A client must not throw (failure is data); one that does anyway still gives a failed result.
  const guarded = (source: MetricSourceKind, url: string, run: () => Promise<MetricSourceResult>): Promise<MetricSourceResult> => {
    const started = deps.clock();
    return run().catch((err: unknown) => crashed(source, url, err, started, deps.clock));
  };
  if (settings.prometheus) {
    const p = settings.prometheus;
    jobs.push(guarded('prometheus', p.url, () => collectPrometheus(p, queriesFor('prometheus'), ctx)));
  }
  if (settings.influxdb) {
    const i = settings.influxdb;
    jobs.push(guarded('influxdb', i.url, () => collectInfluxdb(i, queriesFor('influxdb'), ctx)));
  }
  if (settings.glances) {
    const g = settings.glances;
    jobs.push(guarded('glances', g.url, () => collectGlances(g, ctx)));
  }
  return (await Promise.all(jobs)).map(tidyError);
}

/**
 * `GET http://host:port/api/v1/query_range: connection refused` -> `GET /api/v1/query_range: connection refused`:
 * the result already names the source's URL (the report shows it beside the error), the path still says which
 * request failed.
 */
function tidyError(result: MetricSourceResult): MetricSourceResult {
  if (result.error === null) return result;
  const error = result.error.replace(/^(GET|POST) https?:\/\/[^/\s]+(\/\S*)?: /, (_m, method: string, path: string | undefined) => (path ? `${method} ${path}: ` : ''));
  return { ...result, error };
}
