/**
 * The original dthostmon's paths (`/hosts`, `/results/:id`, `/changes/:run_id`, `/logs/:run_id`, `/history/:id`)
 * with its response shapes (legacy-shapes.ts), so scripts written for it keep working. Ids are numeric: a host is
 * hosts.id; a "monitoring run" was per host in the original, so `run_id` here is a host run (host_runs.id, the
 * `id` of a `/results` item), not a pass (runs.id, see /api/v1/runs/:id).
 * Differences kept on purpose: errors carry our `error` object AND the original's `detail` text; `limit` and `days`
 * are bounded (1..500, 1..400); unknown query parameters are ignored, as the original ignored them.
 */
import { z } from 'zod';
import { hostById, latestHostRuns, listHosts } from '../../store/api-hosts-repo.js';
import { historyRuns } from '../../store/api-history-repo.js';
import { changeCountsSince } from '../../store/api-legacy-repo.js';
import { changeCounts, changesOfHostRun, hostResults, hostRunLogSources } from '../../store/api-results-repo.js';
import type { LogSourceResult } from '../../types.js';
import { ApiError, notFound, ok, type ApiContext, type ApiRequest, type ApiResult, type Route } from '../types.js';
import { idParam, intParam, parseQuery } from './params.js';
import { legacyChange, legacyHost, legacyResult, legacyStatus, naive } from './legacy-shapes.js';

const DAY_MS = 86_400_000;
const lenient = { allowUnknown: true };

/** A legacy route: its ApiErrors become our error body plus the original's `{"detail": ...}`. */
function legacy(path: string, handle: (req: ApiRequest, ctx: ApiContext) => Promise<ApiResult>): Route {
  return {
    method: 'GET',
    path,
    auth: 'api',
    async handle(req, ctx) {
      try {
        return await handle(req, ctx);
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        return { status: err.status, json: { error: { code: err.code, message: err.message }, detail: err.message }, headers: err.headers };
      }
    },
  };
}

async function requireHostId(req: ApiRequest, ctx: ApiContext) {
  const host = await hostById(ctx.db, idParam(req.params, 'id'));
  if (!host) throw notFound('Host not found');
  return host;
}

const hostsRoute = legacy('/hosts', async (req, ctx) => {
  const q = parseQuery(req.query, { all: z.enum(['true', 'false'], 'expected true or false').optional() }, lenient);
  // Like the original, enabled hosts only; `?all=true` adds the disabled ones.
  const hosts = await listHosts(ctx.db, q.all === 'true' ? {} : { enabled: true });
  return ok(hosts.map(legacyHost));
});

const hostRoute = legacy('/hosts/:id', async (req, ctx) => ok(legacyHost(await requireHostId(req, ctx))));

const resultsRoute = legacy('/results/:id', async (req, ctx) => {
  const q = parseQuery(req.query, { limit: intParam(1, 500, 10) }, lenient);
  const host = await requireHostId(req, ctx);
  const runs = await hostResults(ctx.db, host.id, { limit: q.limit, before: null });
  const changes = await changeCounts(ctx.db, runs.map((r) => r.id));
  return ok(runs.map((r) => legacyResult(r, host.name, changes.get(r.id) ?? 0)));
});

const latestRoute = legacy('/results/:id/latest', async (req, ctx) => {
  parseQuery(req.query, {}, lenient);
  const host = await requireHostId(req, ctx);
  const run = (await latestHostRuns(ctx.db, [host.id])).get(host.id);
  if (!run) throw notFound('No monitoring results found');
  const changes = await changeCounts(ctx.db, [run.id]);
  return ok(legacyResult(run, host.name, changes.get(run.id) ?? 0));
});

const changesRoute = legacy('/changes/:run_id', async (req, ctx) => {
  parseQuery(req.query, {}, lenient);
  const id = idParam(req.params, 'run_id');
  const rows = await changesOfHostRun(ctx.db, id);
  // No changes and no such host run are different answers: an empty list, or the original's 404.
  if (rows.length === 0 && !(await hostRunLogSources(ctx.db, id))) throw notFound('Monitoring run not found');
  return ok(rows.map(legacyChange));
});

const logsRoute = legacy('/logs/:run_id', async (req, ctx) => {
  parseQuery(req.query, {}, lenient);
  const found = await hostRunLogSources(ctx.db, idParam(req.params, 'run_id'));
  if (!found) throw notFound('Monitoring run not found');
  const sources = Array.isArray(found.logSources) ? (found.logSources as LogSourceResult[]) : [];
  // No content and no hash: the monitor reads new lines only and never stores whole files (original GAP-R6).
  return ok(
    sources.map((s, i) => ({
      id: i + 1,
      path: s.path,
      status: s.status,
      line_count: s.linesRead,
      file_size: s.bytesRead,
      bytes_read: s.bytesRead,
      hash: null,
      retrieved_at: naive(found.finishedAt),
    })),
  );
});

const historyRoute = legacy('/history/:id', async (req, ctx) => {
  const q = parseQuery(req.query, { days: intParam(1, 400, 7) }, lenient);
  const host = await requireHostId(req, ctx);
  const since = new Date(ctx.clock().getTime() - q.days * DAY_MS).toISOString();
  const [runs, changes] = await Promise.all([historyRuns(ctx.db, host.id, since), changeCountsSince(ctx.db, host.id, since)]);
  return ok({
    host_id: host.id,
    host_name: host.name,
    period_days: q.days,
    total_runs: runs.length,
    runs: runs.map((r) => ({
      run_date: naive(r.startedAt),
      health_score: r.score,
      status: legacyStatus(r.status),
      anomalies: r.findingsCrit + r.findingsWarn + r.findingsInfo,
      changes: changes.get(r.id) ?? 0,
    })),
  });
});

export const legacyRoutes: Route[] = [hostsRoute, hostRoute, resultsRoute, latestRoute, changesRoute, logsRoute, historyRoute];
