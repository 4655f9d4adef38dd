/**
 * InfluxDB 1.x over HTTP: `GET {url}/query?db=..&rp=..&epoch=s&q=..` with InfluxQL. The four standard statements go
 * in ONE request (`;`-separated, one `results[]` entry each); every custom query is its own request, concurrently,
 * so a bad custom query fails alone. Auth: basic (username + password variable) or a token variable
 * (`Authorization: Token`, InfluxDB 1.8+); never in the URL.
 */
import { authFromEnv, expandPlaceholders, type SourceContext } from './context.js';
import { displayUrl, expectOk, type HttpAuth } from './http.js';
import type { CustomQuery, InfluxSettings, QueryResult } from './types.js';
import { emptyQueryResult, oneLineError, type InfluxOutcome, type InfluxWindow } from './influx-common.js';
import {
  influxqlMatch,
  influxqlPlaceholderValue,
  influxqlQueryValues,
  influxqlSeries,
  parseInfluxqlAnswer,
  readOnlyProblem,
  standardInfluxql,
  type InfluxqlStatementResult,
} from './influxql.js';

/** `{url}/query` with the parameters; a path prefix of the URL (a reverse proxy's `/influx/`) is kept. */
function queryUrl(settings: InfluxSettings, q: string): string {
  const url = new URL(settings.url);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/query`;
  url.search = '';
  url.searchParams.set('db', settings.database ?? '');
  if (settings.retentionPolicy) url.searchParams.set('rp', settings.retentionPolicy);
  url.searchParams.set('epoch', 's');
  url.searchParams.set('q', q);
  return url.toString();
}

async function runInfluxql(settings: InfluxSettings, q: string, auth: HttpAuth | null, ctx: SourceContext): Promise<InfluxqlStatementResult[]> {
  const url = queryUrl(settings, q);
  const res = await ctx.http.request({ url, method: 'GET', auth, timeoutMs: settings.timeoutMs, signal: ctx.signal });
  return parseInfluxqlAnswer(expectOk(res, `GET ${displayUrl(url)}`));
}

async function customQuery(settings: InfluxSettings, q: CustomQuery, auth: HttpAuth | null, ctx: SourceContext): Promise<QueryResult> {
  const vars = {
    name: influxqlPlaceholderValue(ctx.host.name),
    hostname: influxqlPlaceholderValue(ctx.host.hostname),
    site: influxqlPlaceholderValue(ctx.host.site ?? ''),
    match: influxqlMatch(settings.hostTag, settings.hostValue),
  };
  const expanded = expandPlaceholders(q.query, vars);
  const result = emptyQueryResult(q, expanded);
  const refused = readOnlyProblem(expanded);
  if (refused) return { ...result, error: refused };
  try {
    return { ...result, ...influxqlQueryValues(await runInfluxql(settings, expanded, auth, ctx)) };
  } catch (err) {
    return { ...result, error: oneLineError(err) };
  }
}

/**
 * 1.x answers a multi-statement query on a missing database with only `not executed`; the first statement alone
 * gets the real reason (`database not found: telegraf`). One more request, on the failure path only.
 */
async function explainStatementError(settings: InfluxSettings, error: string, first: string, auth: HttpAuth | null, ctx: SourceContext): Promise<string> {
  if (error !== 'not executed' || first === '') return error;
  try {
    return (await runInfluxql(settings, first, auth, ctx)).find((r) => r.error)?.error ?? error;
  } catch (err) {
    return oneLineError(err);
  }
}

/** The standard series and the custom queries of one host from an InfluxDB 1.x server. Never throws. */
export async function collectInfluxqlV1(settings: InfluxSettings, queries: CustomQuery[], ctx: SourceContext, window: InfluxWindow): Promise<InfluxOutcome> {
  if (!settings.database) return { error: 'no database configured (metrics.influxdb.database)', series: [], queries: [] };
  // A configured user wins over a token variable: the config may name INFLUXDB_TOKEN by default for every version.
  const auth = settings.username
    ? authFromEnv(ctx.env, { username: settings.username, passwordEnv: settings.passwordEnv, tokenEnv: null, tokenKind: 'token' })
    : authFromEnv(ctx.env, { username: null, passwordEnv: null, tokenEnv: settings.tokenEnv, tokenKind: 'token' });
  const statements = standardInfluxql(settings, window);
  const standard = runInfluxql(settings, statements.map((s) => s.text).join('; '), auth, ctx).then(
    (results) => ({ results, error: null as string | null }),
    (err: unknown) => ({ results: [] as InfluxqlStatementResult[], error: oneLineError(err) }),
  );
  const [main, custom] = await Promise.all([standard, Promise.all(queries.map((q) => customQuery(settings, q, auth, ctx)))]);
  if (main.error) return { error: main.error, series: [], queries: custom };
  // A statement error on our own SELECTs is about the source (no such database or retention policy), not a metric.
  const statementError = main.results.find((r) => r.error)?.error;
  if (statementError) return { error: await explainStatementError(settings, statementError, statements[0]?.text ?? '', auth, ctx), series: [], queries: custom };
  return { error: null, series: influxqlSeries(main.results, statements, settings), queries: custom };
}
