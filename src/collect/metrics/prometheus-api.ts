/**
 * One GET against the Prometheus HTTP API, sorted into the three outcomes the source client acts on:
 * - the answer's data (then parsed by the caller);
 * - an API error of this query (`{"status":"error"}` with 400 / 422 / 503: bad PromQL, execution failure, query
 *   timeout): the server works, the query does not;
 * - a source failure (thrown, one line): no connection, timeout, 401, 5xx, a non-Prometheus answer.
 */
import { displayUrl, expectOk, type HttpAuth, type HttpClient } from './http.js';
import { parseEnvelope, PrometheusShapeError } from './prometheus-parse.js';

/** The statuses Prometheus answers with a JSON error object about the query itself (HTTP API "Format overview"). */
const QUERY_ERROR_STATUSES = new Set([400, 422, 503]);

/** Largest answer read: a standard range query is a few KiB; a server sending more is not Prometheus or is flooding. */
export const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

export type ApiOutcome<T> = { ok: true; value: T } | { ok: false; error: string };

export interface ApiRequest {
  http: HttpClient;
  /** The configured base URL (may carry a path prefix such as `/prometheus`). */
  baseUrl: string;
  auth: HttpAuth | null;
  timeoutMs: number;
  signal: AbortSignal;
}

/** `https://h/prom/` + `/api/v1/query` with the parameters URL-encoded; credentials in the base URL are kept. */
export function apiUrl(baseUrl: string, path: string, params: Readonly<Record<string, string>>): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    // The HTTP client reports an invalid URL in its own words (without echoing credentials).
    return baseUrl;
  }
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${path}`;
  url.search = new URLSearchParams(params).toString();
  url.hash = '';
  return url.toString();
}

/**
 * GET `path` and parse the data of a successful answer with `parse`. Resolves with the value or the query's own
 * error; rejects with a one-line Error when the source itself failed (a shape error in `parse` included).
 */
export async function apiGet<T>(req: ApiRequest, path: string, params: Readonly<Record<string, string>>, parse: (data: unknown) => T): Promise<ApiOutcome<T>> {
  const url = apiUrl(req.baseUrl, path, params);
  const where = `GET ${displayUrl(url)}`;
  const res = await req.http.request({ url, method: 'GET', auth: req.auth, timeoutMs: req.timeoutMs, signal: req.signal, maxBytes: MAX_ANSWER_BYTES });
  const ok = res.status >= 200 && res.status < 300;
  if (!ok && !QUERY_ERROR_STATUSES.has(res.status)) expectOk(res, where);
  try {
    const contentType = res.headers['content-type'];
    const answer = parseEnvelope(res.body, typeof contentType === 'string' ? contentType : undefined);
    if (!answer.ok) return { ok: false, error: answer.error };
    if (!ok) throw new PrometheusShapeError(`HTTP ${res.status} with "status": "success"`);
    return { ok: true, value: parse(answer.data) };
  } catch (err) {
    if (!(err instanceof PrometheusShapeError)) throw err;
    // A 400/422/503 that is not Prometheus' JSON error (a proxy's page): the status says more than the body.
    if (!ok) expectOk(res, where);
    throw new Error(`${where}: ${err.message}`);
  }
}
