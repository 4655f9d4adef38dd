/**
 * `GET /api/v1/audit`: the newest audit events (default 50), oldest of them first, with the filters of
 * `dthostmon db audit`: `since` (24h, 7d, 2026-03-01), `host`, `action` (comma-separated names or groups), `limit`.
 */
import { parseAuditFilter } from '../../store/audit-filter.js';
import { listAudit } from '../../store/audit-repo.js';
import { badRequest, ok, type Route } from '../types.js';
import { parseQuery, textParam } from './params.js';
import { requireHost } from './shapes.js';

const auditRoute: Route = {
  method: 'GET',
  path: '/api/v1/audit',
  auth: 'api',
  async handle(req, ctx) {
    const q = parseQuery(req.query, { since: textParam(), host: textParam(), action: textParam(), limit: textParam() });
    const filter = parseAuditFilter(
      {
        actions: q.action?.split(',').map((a) => a.trim()) ?? [],
        ...(q.since !== undefined ? { since: q.since } : {}),
        ...(q.host !== undefined ? { host: q.host } : {}),
        ...(q.limit !== undefined ? { limit: q.limit } : {}),
      },
      ctx.clock(),
    );
    if (!filter.ok) throw badRequest(`parameter ${filter.problem}`);
    if (filter.query.host !== undefined) await requireHost(ctx, filter.query.host);
    const events = (await listAudit(ctx.db, filter.query)).reverse();
    return ok({
      events: events.map((e) => ({ id: e.id, at: e.at, actor: e.actor, action: e.action, host: e.host, host_id: e.hostId, run_id: e.runId, detail: e.detail })),
    });
  },
};

export const auditRoutes: Route[] = [auditRoute];
