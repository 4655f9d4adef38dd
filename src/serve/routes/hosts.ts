/**
 * `/api/v1/hosts`, `/api/v1/hosts/:name` and `/api/v1/hosts/:name/results`: the fleet, one host, and a host's
 * results newest first.
 */
import { latestHostRuns, listHosts, openFindingCounts } from '../../store/api-hosts-repo.js';
import { hostResults } from '../../store/api-results-repo.js';
import { ok, type Route } from '../types.js';
import { boolParam, nameParam, parseQuery, textParam, intParam } from './params.js';
import { cursorParam, DEFAULT_LIMIT, encodeCursor, envelope, MAX_LIMIT, pageParams } from './pagination.js';
import { hostJson, requireHost, resultJson } from './shapes.js';

const listHostsRoute: Route = {
  method: 'GET',
  path: '/api/v1/hosts',
  auth: 'api',
  async handle(req, ctx) {
    const q = parseQuery(req.query, { site: textParam(), tag: textParam(), enabled: boolParam(), ...pageParams() });
    const hosts = await listHosts(ctx.db, { site: q.site, tag: q.tag, enabled: q.enabled });
    const page = hosts.slice(q.offset, q.offset + q.limit);
    const latest = await latestHostRuns(ctx.db, page.map((h) => h.id));
    return ok(envelope(page.map((h) => hostJson(h, latest.get(h.id))), hosts.length, q));
  },
};

const hostRoute: Route = {
  method: 'GET',
  path: '/api/v1/hosts/:name',
  auth: 'api',
  async handle(req, ctx) {
    parseQuery(req.query, {});
    const host = await requireHost(ctx, nameParam(req.params, 'name'));
    const [latest, open] = await Promise.all([latestHostRuns(ctx.db, [host.id]), openFindingCounts(ctx.db, [host.id])]);
    const run = latest.get(host.id);
    return ok({
      ...hostJson(host, run),
      latest_result: run ? resultJson(run) : null,
      open_findings: open.get(host.id) ?? { crit: 0, warn: 0, info: 0 },
    });
  },
};

const resultsRoute: Route = {
  method: 'GET',
  path: '/api/v1/hosts/:name/results',
  auth: 'api',
  async handle(req, ctx) {
    const q = parseQuery(req.query, { limit: intParam(1, MAX_LIMIT, DEFAULT_LIMIT), before: cursorParam() });
    const host = await requireHost(ctx, nameParam(req.params, 'name'));
    // One row more than asked tells whether a next page exists without a count over the host's whole history.
    const rows = await hostResults(ctx.db, host.id, { limit: q.limit + 1, before: q.before ?? null });
    const items = rows.slice(0, q.limit);
    const last = items.at(-1);
    const next = rows.length > q.limit && last ? encodeCursor({ startedAt: last.started_at, id: last.id }) : null;
    return ok({ host: host.name, items: items.map(resultJson), limit: q.limit, next });
  },
};

export const hostRoutes: Route[] = [listHostsRoute, hostRoute, resultsRoute];
