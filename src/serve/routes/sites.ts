/** `/api/v1/sites/:site`: a site's hosts with their latest status and score, the average, and open crit/warn items. */
import { latestHostRuns, listHosts, openFindingCounts } from '../../store/api-hosts-repo.js';
import { notFound, ok, type Route } from '../types.js';
import { nameParam, parseQuery } from './params.js';
import { latestJson } from './shapes.js';

const siteRoute: Route = {
  method: 'GET',
  path: '/api/v1/sites/:site',
  auth: 'api',
  async handle(req, ctx) {
    parseQuery(req.query, {});
    const site = nameParam(req.params, 'site');
    const hosts = await listHosts(ctx.db, { site });
    if (hosts.length === 0) throw notFound(`no host in site ${JSON.stringify(site.slice(0, 100))}`);
    const ids = hosts.map((h) => h.id);
    const [latest, open] = await Promise.all([latestHostRuns(ctx.db, ids), openFindingCounts(ctx.db, ids)]);
    // The summary is about the hosts being monitored: a disabled host is listed but does not count.
    const enabled = hosts.filter((h) => h.enabled);
    const scores = enabled.map((h) => latest.get(h.id)?.score).filter((s): s is number => typeof s === 'number');
    const status = { ok: 0, partial: 0, failed: 0, never: 0 };
    let crit = 0;
    let warn = 0;
    for (const h of enabled) {
      status[latest.get(h.id)?.status ?? 'never'] += 1;
      crit += open.get(h.id)?.crit ?? 0;
      warn += open.get(h.id)?.warn ?? 0;
    }
    return ok({
      site,
      hosts: hosts.map((h) => ({ name: h.name, hostname: h.hostname, enabled: h.enabled, tags: h.tags, last_seen: h.lastSeen, latest: latestJson(latest.get(h.id)), open_findings: open.get(h.id) })),
      summary: {
        hosts: enabled.length,
        average_score: scores.length > 0 ? Math.round((scores.reduce((a, b) => a + b, 0) / scores.length) * 10) / 10 : null,
        min_score: scores.length > 0 ? Math.min(...scores) : null,
        status,
        open_findings: { crit, warn },
      },
    });
  },
};

export const siteRoutes: Route[] = [siteRoute];
