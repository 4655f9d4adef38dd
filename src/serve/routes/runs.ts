/** `/api/v1/runs/:id`: one pass and the outcome of each of its hosts. */
import { runWithHostRuns } from '../../store/api-results-repo.js';
import { notFound, ok, type Route } from '../types.js';
import { idParam, parseQuery } from './params.js';

const runRoute: Route = {
  method: 'GET',
  path: '/api/v1/runs/:id',
  auth: 'api',
  async handle(req, ctx) {
    parseQuery(req.query, {});
    const id = idParam(req.params, 'id');
    const found = await runWithHostRuns(ctx.db, id);
    if (!found) throw notFound(`no run ${id}`);
    const { run, hostRuns } = found;
    return ok({
      id: run.id,
      started_at: run.started_at,
      finished_at: run.finished_at,
      status: run.status,
      runner: run.runner,
      host_count: run.host_count,
      hosts_ok: run.hosts_ok,
      hosts_failed: run.hosts_failed,
      duration_ms: run.duration_ms,
      hosts: hostRuns.map((r) => ({
        name: r.name,
        host_run_id: r.id,
        status: r.status,
        error: r.error,
        score: r.score,
        health: r.health,
        findings: { crit: r.findings_crit, warn: r.findings_warn, info: r.findings_info },
        duration_ms: r.duration_ms,
      })),
    });
  },
};

export const runRoutes: Route[] = [runRoute];
