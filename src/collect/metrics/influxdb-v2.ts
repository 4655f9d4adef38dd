/**
 * InfluxDB 2 over HTTP: `POST {url}/api/v2/query?org=..` with the Flux script as body (`Content-Type:
 * application/vnd.flux`, `Accept: application/csv`), `Authorization: Token ..` from the token variable. The answer
 * is (annotated) CSV; errors come as JSON `{"code","message"}` with a 4xx/5xx status, or as an error table in a 200
 * answer when the query failed while running. The standard metrics are one request; each custom query is its own.
 */
import { authFromEnv, expandPlaceholders, type SourceContext } from './context.js';
import { displayUrl, expectOk, type HttpAuth } from './http.js';
import type { CustomQuery, InfluxSettings, QueryResult } from './types.js';
import { emptyQueryResult, oneLineError, type InfluxOutcome, type InfluxWindow } from './influx-common.js';
import { parseFluxCsv, type FluxCsv } from './flux-csv.js';
import { fluxMatch, fluxPlaceholderValue, fluxQueryValues, fluxSeries, standardFlux } from './flux.js';

/** `{url}/api/v2/query?org=..`; a path prefix of the URL is kept. */
function queryUrl(settings: InfluxSettings): string {
  const url = new URL(settings.url);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/api/v2/query`;
  url.search = '';
  url.searchParams.set('org', settings.org ?? '');
  return url.toString();
}

/** The answer's tables; throws (one line) for a failed request or an answer that is not Flux CSV. */
async function runFlux(settings: InfluxSettings, flux: string, auth: HttpAuth | null, ctx: SourceContext): Promise<FluxCsv> {
  const url = queryUrl(settings);
  const res = await ctx.http.request({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/vnd.flux', accept: 'application/csv' },
    body: flux,
    auth,
    timeoutMs: settings.timeoutMs,
    signal: ctx.signal,
  });
  const body = expectOk(res, `POST ${displayUrl(url)}`);
  try {
    return parseFluxCsv(body);
  } catch (err) {
    throw new Error(`answer is not Flux CSV (is the URL an InfluxDB 2 server?): ${oneLineError(err)}`);
  }
}

async function customQuery(settings: InfluxSettings, q: CustomQuery, auth: HttpAuth | null, ctx: SourceContext): Promise<QueryResult> {
  const vars = {
    name: fluxPlaceholderValue(ctx.host.name),
    hostname: fluxPlaceholderValue(ctx.host.hostname),
    site: fluxPlaceholderValue(ctx.host.site ?? ''),
    match: fluxMatch(settings.hostTag, settings.hostValue),
  };
  const expanded = expandPlaceholders(q.query, vars);
  const result = emptyQueryResult(q, expanded);
  try {
    const answer = await runFlux(settings, expanded, auth, ctx);
    return { ...result, values: fluxQueryValues(answer.tables), error: answer.error };
  } catch (err) {
    return { ...result, error: oneLineError(err) };
  }
}

/** The standard series and the custom queries of one host from an InfluxDB 2 server. Never throws. */
export async function collectFluxV2(settings: InfluxSettings, queries: CustomQuery[], ctx: SourceContext, window: InfluxWindow): Promise<InfluxOutcome> {
  if (!settings.org || !settings.bucket) return { error: 'org and bucket are required for InfluxDB 2 (metrics.influxdb.org, .bucket)', series: [], queries: [] };
  const auth = authFromEnv(ctx.env, { username: settings.username, passwordEnv: settings.passwordEnv, tokenEnv: settings.tokenEnv, tokenKind: 'token' });
  // InfluxDB 2 always wants a token: say which variable is missing rather than send nothing and get a bare 401.
  if (!auth) return { error: `no token: ${settings.tokenEnv ? `environment variable ${settings.tokenEnv} is not set` : 'token_env is not configured'}`, series: [], queries: [] };
  const standard = runFlux(settings, standardFlux(settings, window), auth, ctx).then(
    (answer) => ({ answer, error: answer.error }),
    (err: unknown) => ({ answer: null, error: oneLineError(err) }),
  );
  const [main, custom] = await Promise.all([standard, Promise.all(queries.map((q) => customQuery(settings, q, auth, ctx)))]);
  if (main.error || !main.answer) return { error: main.error ?? 'no answer', series: [], queries: custom };
  return { error: null, series: fluxSeries(main.answer.tables, settings), queries: custom };
}
