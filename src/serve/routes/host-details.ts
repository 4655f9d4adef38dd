/**
 * `/api/v1/hosts/:name/findings`, `/logs` and `/history`: what one host's passes found, the log evidence behind it
 * (example lines and templates, never whole files), and its scores and resources over time.
 */
import { latestHostRuns } from '../../store/api-hosts-repo.js';
import { historyResources, historyRuns } from '../../store/api-history-repo.js';
import { evidenceOfHostRun, findingsOfHostRun, findingStateItems, hostRunById, logTemplatesOfHost } from '../../store/api-results-repo.js';
import { badRequest, notFound, ok, type ApiContext, type Route } from '../types.js';
import { boolParam, enumParam, intParam, nameParam, optionalIdParam, parseQuery, textParam } from './params.js';
import { DEFAULT_LIMIT, envelope, MAX_LIMIT, pageParams } from './pagination.js';
import { requireHost } from './shapes.js';

const DAY_MS = 86_400_000;
export const MAX_HISTORY_DAYS = 400;

/** The host run a findings or logs request is about: `run` (a host_runs id of this host) or the latest. */
async function pickHostRun(ctx: ApiContext, hostId: number, hostRunId: number | undefined): Promise<number | null> {
  if (hostRunId === undefined) return (await latestHostRuns(ctx.db, [hostId])).get(hostId)?.id ?? null;
  const run = await hostRunById(ctx.db, hostRunId);
  // Another host's run is as unknown here as a missing one: the path names the host.
  if (!run || run.host_id !== hostId) throw notFound(`host run ${hostRunId} is not a result of this host`);
  return run.id;
}

const findingsRoute: Route = {
  method: 'GET',
  path: '/api/v1/hosts/:name/findings',
  auth: 'api',
  async handle(req, ctx) {
    const q = parseQuery(req.query, {
      run: optionalIdParam(),
      severity: enumParam(['crit', 'warn', 'info']),
      category: textParam(),
      open: boolParam(),
      ...pageParams(),
    });
    if (q.open !== undefined && q.run !== undefined) throw badRequest('parameter open: not with run (open items span runs)');
    const host = await requireHost(ctx, nameParam(req.params, 'name'));
    const filter = { severity: q.severity, category: q.category };
    if (q.open !== undefined) {
      const { items, total } = await findingStateItems(ctx.db, host.id, q.open, filter, q);
      const json = items.map((i) => ({ key: i.key, category: i.category, severity: i.severity, title: i.title, first_seen: i.first_seen, last_seen: i.last_seen, passes: i.passes, resolved_at: i.resolved_at }));
      return ok({ host: host.name, open: q.open, ...envelope(json, total, q) });
    }
    const hostRunId = await pickHostRun(ctx, host.id, q.run);
    if (hostRunId === null) return ok({ host: host.name, host_run_id: null, ...envelope([], 0, q) });
    const { items, total } = await findingsOfHostRun(ctx.db, hostRunId, filter, q);
    const json = items.map((f) => ({
      id: f.id,
      category: f.category,
      severity: f.severity,
      rule_id: f.ruleId,
      title: f.title,
      key: f.key,
      subject: f.subject,
      count: f.count,
      evidence: f.evidence,
      recommendation: f.recommendation,
      created_at: f.createdAt,
    }));
    return ok({ host: host.name, host_run_id: hostRunId, ...envelope(json, total, q) });
  },
};

const logsRoute: Route = {
  method: 'GET',
  path: '/api/v1/hosts/:name/logs',
  auth: 'api',
  async handle(req, ctx) {
    const q = parseQuery(req.query, { run: optionalIdParam(), limit: intParam(1, MAX_LIMIT, DEFAULT_LIMIT) });
    const host = await requireHost(ctx, nameParam(req.params, 'name'));
    const hostRunId = await pickHostRun(ctx, host.id, q.run);
    const [evidence, templates] = await Promise.all([
      hostRunId === null ? Promise.resolve([]) : evidenceOfHostRun(ctx.db, hostRunId, q.limit),
      logTemplatesOfHost(ctx.db, host.id, q.limit),
    ]);
    return ok({
      host: host.name,
      host_run_id: hostRunId,
      limit: q.limit,
      evidence: evidence.map((e) => ({ finding_id: e.findingId, key: e.key, severity: e.severity, source: e.source, lines: e.lines })),
      templates: templates.map((t) => ({ template: t.template, is_error: t.is_error === 1, line_count: Number(t.line_count), first_seen: t.first_seen, last_seen: t.last_seen })),
    });
  },
};

const historyRoute: Route = {
  method: 'GET',
  path: '/api/v1/hosts/:name/history',
  auth: 'api',
  async handle(req, ctx) {
    const q = parseQuery(req.query, { days: intParam(1, MAX_HISTORY_DAYS, 7) });
    const host = await requireHost(ctx, nameParam(req.params, 'name'));
    const since = new Date(ctx.clock().getTime() - q.days * DAY_MS).toISOString();
    const [runs, resources] = await Promise.all([historyRuns(ctx.db, host.id, since), historyResources(ctx.db, host.id, since)]);
    return ok({
      host: host.name,
      days: q.days,
      since,
      runs: runs.map((r) => ({ host_run_id: r.id, started_at: r.startedAt, status: r.status, score: r.score })),
      resources: resources.map((r) => ({ collected_at: r.collectedAt, cpu_percent: r.cpuPercent, memory_percent: r.memoryPercent, disk: r.disk })),
    });
  },
};

export const hostDetailRoutes: Route[] = [findingsRoute, logsRoute, historyRoute];
