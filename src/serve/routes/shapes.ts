/**
 * The JSON shapes of the /api/v1 read routes (snake_case, like the store and the original's API), built from the
 * rows of src/store/api-*-repo.ts. One place, so a host or a host run looks the same in every endpoint.
 */
import type { ApiHost, ApiHostRun } from '../../store/api-hosts-repo.js';
import { notFound } from '../types.js';
import type { ApiContext } from '../types.js';
import { hostByName } from '../../store/api-hosts-repo.js';

/** The short view of a host's latest result (host list, site). */
export function latestJson(run: ApiHostRun | undefined) {
  return run ? { run_id: run.run_id, host_run_id: run.id, status: run.status, score: run.score, health: run.health, started_at: run.started_at } : null;
}

/** A host as listed. */
export function hostJson(host: ApiHost, latest: ApiHostRun | undefined) {
  return {
    name: host.name,
    hostname: host.hostname,
    site: host.site,
    tags: host.tags,
    enabled: host.enabled,
    last_seen: host.lastSeen,
    latest: latestJson(latest),
  };
}

/** One host run in full (results, host detail). */
export function resultJson(run: ApiHostRun) {
  return {
    run_id: run.run_id,
    host_run_id: run.id,
    started_at: run.started_at,
    finished_at: run.finished_at,
    status: run.status,
    error: run.error,
    score: run.score,
    previous_score: run.previous_score,
    health: run.health,
    findings: { crit: run.findings_crit, warn: run.findings_warn, info: run.findings_info },
    duration_ms: run.duration_ms,
    log_bytes_read: run.log_bytes_read,
  };
}

/**
 * The host named in the path.
 * @throws ApiError 404 when no host of that name is stored.
 */
export async function requireHost(ctx: ApiContext, name: string): Promise<ApiHost> {
  const host = await hostByName(ctx.db, name);
  if (!host) throw notFound(`no host named ${JSON.stringify(name.slice(0, 100))}`);
  return host;
}
