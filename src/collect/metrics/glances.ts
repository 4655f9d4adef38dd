/**
 * The Glances source (issue #8): what Glances sees on the host at pass time, read over its REST API (v4 for Glances 4,
 * v3 for Glances 3), one point per series. `api: auto` asks `/api/4/status` and falls back to `/api/3/status` on 404
 * (each Glances version answers 404 for the other's prefix). Then cpu, mem, memswap, load, fs, network and the
 * containers plugin are read at once, each with the source's timeout.
 *
 * Never throws: a source that is down, slow, refuses the password or answers garbage is `status: 'failed'` with one
 * line. A plugin Glances does not have (400 "Unknown plugin" when disabled, 404) is skipped silently; the source only
 * fails when neither cpu nor mem can be read. Any other plugin that fails is named in `detail`.
 */
import { errorMessage } from '../../errors.js';
import { authFromEnv, elapsedMs, type SourceContext } from './context.js';
import { cpuSeries, fsSeries, loadSeries, memSeries, networkSeries, parseContainers, swapSeries, type GlancesApi } from './glances-parse.js';
import { displayUrl, expectOk, MetricsHttpError, shortServerMessage, type HttpAuth, type HttpResponse } from './http.js';
import type { ContainerMetric, GlancesSettings, MetricSeries, MetricSourceResult } from './types.js';

/** Largest plugin answer read: real ones are a few KB (`/api/3/all`, everything at once, is about 30 KB). */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

/** What one plugin request gave. */
type PluginAnswer =
  | { kind: 'ok'; where: string; body: unknown }
  /** Glances has no such plugin (disabled, or not in this version). */
  | { kind: 'absent'; where: string; status: number }
  /** `unreachable`: the request itself got no answer (timeout, refused, reset): the plugins after it are not tried. */
  | { kind: 'failed'; where: string; reason: string; unreachable?: boolean };

interface Reader {
  base: string;
  settings: GlancesSettings;
  ctx: SourceContext;
  auth: HttpAuth | null;
}

/** Longest error line kept (two plugin reasons with server messages fit). */
const MAX_ERROR_CHARS = 400;

/** One line, capped: what `error` holds whatever a server put in its messages. */
function oneLine(text: string): string {
  const line = text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
  return line.length > MAX_ERROR_CHARS ? `${line.slice(0, MAX_ERROR_CHARS - 1)}…` : line;
}

/** A failure the source reports as its one-line error. */
class GlancesFailure extends Error {}

/** `GET <url>` as the HTTP client names a request in its messages. */
function whereOf(url: string): string {
  return `GET ${displayUrl(url)}`;
}

/** A one-line reason without the `GET <url>: ` prefix the HTTP client puts first. */
function reasonOf(err: unknown, where: string): string {
  const message = (errorMessage(err).split('\n')[0] ?? '').trim();
  return message.startsWith(`${where}: `) ? message.slice(where.length + 2) : message;
}

/** The 401 line, with what to check: the password itself never appears. */
function unauthorized(res: HttpResponse, settings: GlancesSettings, env: SourceContext['env']): string {
  const variable = settings.passwordEnv ?? 'GLANCES_PASSWORD';
  const hint = !settings.username
    ? `Glances wants a password: set metrics.glances.username and ${variable}`
    : env[variable]
      ? `check metrics.glances.username / ${variable}`
      : `check metrics.glances.username / ${variable}, which is not set`;
  return `HTTP 401${res.statusText ? ` ${res.statusText}` : ''} (${hint})`;
}

/**
 * The body of a 2xx answer; else throws the one-line error. Glances 4 (FastAPI) puts its reason in `{"detail": ...}`,
 * which expectOk does not look at, so that case is handled here.
 */
function okBody(res: HttpResponse, where: string): string {
  if (res.status >= 400) {
    let detail: unknown;
    try {
      detail = (JSON.parse(res.body) as { detail?: unknown } | null)?.detail;
    } catch {
      detail = undefined;
    }
    const said = typeof detail === 'string' ? shortServerMessage(detail) : '';
    if (said) throw new MetricsHttpError(`${where}: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}: ${said}`);
  }
  return expectOk(res, where);
}

async function get(reader: Reader, path: string): Promise<{ res: HttpResponse; where: string }> {
  const url = `${reader.base}${path}`;
  const res = await reader.ctx.http.request({
    url,
    method: 'GET',
    auth: reader.auth,
    timeoutMs: reader.settings.timeoutMs,
    signal: reader.ctx.signal,
    maxBytes: MAX_ANSWER_BYTES,
  });
  return { res, where: whereOf(url) };
}

/**
 * Which API the server speaks. Throws GlancesFailure (or the HTTP client's MetricsHttpError) with the line to report.
 */
async function detectApi(reader: Reader): Promise<GlancesApi> {
  const { settings } = reader;
  const candidates: GlancesApi[] = settings.api === 'auto' ? [4, 3] : [settings.api];
  for (const api of candidates) {
    const { res, where } = await get(reader, `/api/${api}/status`);
    if (res.status === 404) continue;
    if (res.status === 401) throw new GlancesFailure(`${where}: ${unauthorized(res, settings, reader.ctx.env)}`);
    okBody(res, where);
    return api;
  }
  const tried = candidates.map((api) => `/api/${api}/status`).join(' and ');
  const hint = settings.api === 'auto' ? 'not a Glances 3 or 4 REST API (glances -w)' : `set metrics.glances.api: auto if it is Glances ${settings.api === 4 ? 3 : 4}`;
  throw new GlancesFailure(`${displayUrl(reader.base)}: HTTP 404 for ${tried}; ${hint}`);
}

async function readPlugin(reader: Reader, api: GlancesApi, plugin: string): Promise<PluginAnswer> {
  const where = whereOf(`${reader.base}/api/${api}/${plugin}`);
  let answered: Awaited<ReturnType<typeof get>>;
  try {
    answered = await get(reader, `/api/${api}/${plugin}`);
  } catch (err) {
    return { kind: 'failed', where, reason: reasonOf(err, where), unreachable: true };
  }
  try {
    const { res } = answered;
    // Glances answers 400 "Unknown plugin" for a plugin it does not have or that is disabled; 404 elsewhere.
    if (res.status === 400 || res.status === 404) return { kind: 'absent', where, status: res.status };
    if (res.status === 401) return { kind: 'failed', where, reason: unauthorized(res, reader.settings, reader.ctx.env) };
    const text = okBody(res, where);
    try {
      return { kind: 'ok', where, body: JSON.parse(text) as unknown };
    } catch {
      const said = shortServerMessage(text).slice(0, 60);
      return { kind: 'failed', where, reason: `answer is not JSON${said ? ` (${JSON.stringify(said)})` : ''}` };
    }
  } catch (err) {
    return { kind: 'failed', where, reason: reasonOf(err, where) };
  }
}

/** The v3 containers: Glances 3.3 calls the plugin `docker`, 3.4 `containers` (the same `{containers: [...]}`). */
async function readContainersV3(reader: Reader): Promise<PluginAnswer> {
  const docker = await readPlugin(reader, 3, 'docker');
  return docker.kind === 'absent' ? readPlugin(reader, 3, 'containers') : docker;
}

/** Series of one plugin, or why it gave none (null when there is nothing to say). */
function mapPlugin(answer: PluginAnswer, map: (body: unknown) => MetricSeries[], required: boolean): { series: MetricSeries[]; problem: string | null } {
  if (answer.kind === 'absent') return { series: [], problem: required ? `HTTP ${answer.status} (plugin not available)` : null };
  if (answer.kind === 'failed') return { series: [], problem: answer.reason };
  const series = map(answer.body);
  // An optional plugin may legitimately give nothing (no rate yet); cpu and mem always have a value.
  return { series, problem: series.length === 0 && required ? 'unexpected answer (no value)' : null };
}

function hasShape(body: unknown, shape: 'object' | 'list'): boolean {
  if (shape === 'list') return Array.isArray(body);
  return typeof body === 'object' && body !== null && !Array.isArray(body);
}

/** The one line of a source whose cpu and mem both failed. */
function cpuMemFailure(cpu: PluginAnswer, cpuProblem: string, memProblem: string): string {
  if (cpuProblem === memProblem) return `${cpu.where}: ${cpuProblem} (mem too)`;
  return `${cpu.where}: ${cpuProblem}; mem: ${memProblem}`;
}

/**
 * Reads the host's Glances once (see the file comment). `durationMs` is measured with `ctx.clock`; series have one
 * point each at the time the answers arrived.
 */
export async function collectGlances(settings: GlancesSettings, ctx: SourceContext): Promise<MetricSourceResult> {
  const started = ctx.clock();
  const base = settings.url.replace(/\/+$/, '');
  const result = (fields: Partial<MetricSourceResult>): MetricSourceResult => ({
    source: 'glances',
    url: displayUrl(base),
    status: 'ok',
    detail: '',
    durationMs: elapsedMs(ctx.clock, started),
    windowSeconds: 0,
    series: [],
    queries: [],
    ...fields,
    error: fields.error ? oneLine(fields.error) : null,
  });
  const auth = authFromEnv(ctx.env, { username: settings.username, passwordEnv: settings.passwordEnv, tokenEnv: null, tokenKind: 'bearer' });
  const reader: Reader = { base, settings, ctx, auth };

  let api: GlancesApi;
  try {
    api = await detectApi(reader);
  } catch (err) {
    const requested = settings.api === 'auto' ? 'API auto' : `API v${settings.api}`;
    const message = err instanceof GlancesFailure || err instanceof MetricsHttpError ? err.message : errorMessage(err);
    return result({ status: 'failed', error: message, detail: requested });
  }

  // One request at a time: Glances 3 serves from one thread with a listen backlog of 5, so 7 requests at once made
  // the kernel drop connections while it refreshed its stats, and each drop cost a 1 s SYN retry (npm run
  // bench:metrics: p95 1.2 s at once, 0.15-0.2 s one after another). A request that gets no answer at all ends the
  // reading: the rest would each wait for the same timeout.
  const reads: Array<() => Promise<PluginAnswer>> = [
    () => readPlugin(reader, api, 'cpu'),
    () => readPlugin(reader, api, 'mem'),
    () => readPlugin(reader, api, 'memswap'),
    () => readPlugin(reader, api, 'load'),
    () => readPlugin(reader, api, 'fs'),
    () => readPlugin(reader, api, 'network'),
    () => (api === 4 ? readPlugin(reader, 4, 'containers') : readContainersV3(reader)),
  ];
  const answers: PluginAnswer[] = [];
  let gaveUp: PluginAnswer | null = null;
  for (const read of reads) {
    if (gaveUp?.kind === 'failed') {
      answers.push({ kind: 'failed', where: gaveUp.where, reason: `not tried after ${gaveUp.reason}` });
      continue;
    }
    const answer = await read();
    if (answer.kind === 'failed' && answer.unreachable) gaveUp = answer;
    answers.push(answer);
  }
  const [cpu, mem, memswap, load, fs, network, containers] = answers as [PluginAnswer, PluginAnswer, PluginAnswer, PluginAnswer, PluginAnswer, PluginAnswer, PluginAnswer];
  const t = Math.floor(ctx.clock().getTime() / 1000);

  const cpuPart = mapPlugin(cpu, (b) => cpuSeries(b, t), true);
  const memPart = mapPlugin(mem, (b) => memSeries(b, t), true);
  if (cpuPart.series.length === 0 && memPart.series.length === 0) {
    return result({ status: 'failed', error: cpuMemFailure(cpu, cpuPart.problem ?? '', memPart.problem ?? ''), detail: `API v${api}` });
  }

  const series: MetricSeries[] = [...cpuPart.series, ...memPart.series];
  const notRead: string[] = [];
  if (cpuPart.problem) notRead.push(`cpu (${cpuPart.problem})`);
  if (memPart.problem) notRead.push(`mem (${memPart.problem})`);
  const optional: Array<[string, PluginAnswer, 'object' | 'list', (b: unknown) => MetricSeries[]]> = [
    ['memswap', memswap, 'object', (b) => swapSeries(b, t)],
    ['load', load, 'object', (b) => loadSeries(b, t)],
    ['fs', fs, 'list', (b) => fsSeries(b, t)],
    ['network', network, 'list', (b) => networkSeries(b, api, t)],
  ];
  for (const [name, answer, shape, map] of optional) {
    const part = mapPlugin(answer, map, false);
    series.push(...part.series);
    if (part.problem) notRead.push(`${name} (${part.problem})`);
    // The wrong kind of answer is worth a note; a right one without usable entries (no rate yet) is not.
    else if (answer.kind === 'ok' && !hasShape(answer.body, shape)) notRead.push(`${name} (unexpected answer)`);
  }

  let containerList: ContainerMetric[] | undefined;
  if (containers.kind === 'ok') {
    const parsed = parseContainers(containers.body);
    if (parsed) containerList = parsed;
    else notRead.push('containers (unexpected answer)');
  } else if (containers.kind === 'failed') {
    notRead.push(`containers (${containers.reason})`);
  }

  const detail = [
    `API v${api}`,
    containerList ? ` (containers: ${containerList.length})` : '',
    notRead.length > 0 ? `; not read: ${notRead.join(', ')}` : '',
  ].join('');
  return result({ series, detail, ...(containerList ? { containers: containerList } : {}) });
}
