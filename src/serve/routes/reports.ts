/**
 * `/api/v1/reports/hosts/:name` and `/api/v1/reports/sites/:site`: the same period reports `dthostmon report`
 * renders (src/report/produce.ts), as Markdown, HTML (one self-contained file), text, or the JSON model. Rendering
 * on demand here neither records the report in reports_sent nor moves the report schedule: reading is not sending.
 */
import { PostgresAdapter, type Kysely } from 'kysely';
import { z } from 'zod';
import { redactText } from '../../config/mask.js';
import { parseDurationSeconds } from '../../config/schema-primitives.js';
import type { LoadedConfig } from '../../config/types.js';
import { FLEET_SCOPE } from '../../pass/report-stage.js';
import { periodStart, produceHostReport, produceSiteReport, REPORT_TEMPLATES, type ProducedReport, type ReportContext } from '../../report/produce.js';
import { createRenderer, type Renderer } from '../../report/render.js';
import type { Store } from '../../store/open-store.js';
import type { Database } from '../../store/schema.js';
import { notFound, type ApiContext, type ApiResult, type Route } from '../types.js';
import { nameParam, parseQuery } from './params.js';

const DAY_MS = 86_400_000;
/** The longest period a report may cover: the store's history is 90 days by default, 400 at most for the API. */
const MAX_SINCE_MS = 400 * DAY_MS;

const CONTENT_TYPES = { md: 'text/markdown; charset=utf-8', html: 'text/html; charset=utf-8', text: 'text/plain; charset=utf-8' } as const;

const reportQuery = {
  format: z.enum(['md', 'html', 'text', 'json'], 'expected one of md, html, text, json').optional().transform((v) => v ?? 'md'),
  since: z
    .string()
    .transform((text, zctx) => {
      const seconds = parseDurationSeconds(text);
      const ms = typeof seconds === 'number' ? Math.round(seconds * 1000) : NaN;
      if (!Number.isFinite(ms) || ms <= 0 || ms > MAX_SINCE_MS) {
        zctx.addIssue({ code: 'custom', message: 'expected a duration such as 24h, 7d or 90m, at most 400d' });
        return z.NEVER;
      }
      return ms;
    })
    .optional(),
};

/** One renderer per loaded config: templates are compiled once, then cached by the renderer. */
const renderers = new WeakMap<LoadedConfig, Renderer>();

function rendererFor(config: LoadedConfig): Renderer {
  let renderer = renderers.get(config);
  if (!renderer) {
    renderer = createRenderer({ overrideDir: config.pass.templatesDir });
    renderer.prepare(REPORT_TEMPLATES);
    renderers.set(config, renderer);
  }
  return renderer;
}

/** The producers take a Store; serve owns the connection, so this view of it never closes it. */
function storeView(db: Kysely<Database>): Store {
  const dialect = db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
  return { db, dialect, describe: `${dialect} store of serve`, close: async () => undefined };
}

/** Host name -> id for the names given (hosts the store knows). */
async function hostIds(db: Kysely<Database>, names: readonly string[]): Promise<Map<string, number>> {
  if (names.length === 0) return new Map();
  const rows = await db.selectFrom('hosts').select(['id', 'name']).where('name', 'in', [...names]).execute();
  return new Map(rows.map((r) => [r.name, r.id]));
}

/** The response for one produced report, in the asked format, with the config's secrets redacted. */
function reportResult(report: ProducedReport, format: 'md' | 'html' | 'text' | 'json', config: LoadedConfig): ApiResult {
  if (format === 'json') {
    const { kind, scope, generatedAt, periodStart: start, periodEnd, summary, model } = report;
    // Through the same redaction as the text formats: the model holds log lines and host facts.
    return { status: 200, json: JSON.parse(redactText(JSON.stringify({ kind, scope, generatedAt, periodStart: start, periodEnd, summary, model }), config.secrets)) as unknown };
  }
  const body = format === 'html' ? report.htmlFile : format === 'text' ? report.text : report.markdown;
  return { status: 200, text: redactText(body, config.secrets), contentType: CONTENT_TYPES[format] };
}

function reportContext(ctx: ApiContext): ReportContext {
  return { config: ctx.config, store: storeView(ctx.db), renderer: rendererFor(ctx.config), now: ctx.clock() };
}

const hostReportRoute: Route = {
  method: 'GET',
  path: '/api/v1/reports/hosts/:name',
  auth: 'api',
  async handle(req, ctx) {
    const q = parseQuery(req.query, reportQuery);
    const name = nameParam(req.params, 'name');
    // The report needs the host's settings (thresholds, bands): a host only in the store has none.
    const host = ctx.config.hosts.find((h) => h.name === name);
    const id = host ? (await hostIds(ctx.db, [name])).get(name) : undefined;
    if (!host || id === undefined) throw notFound(`no configured host named ${JSON.stringify(name.slice(0, 100))} with stored results`);
    const rctx = reportContext(ctx);
    const since = q.since !== undefined ? new Date(rctx.now.getTime() - q.since) : await periodStart(rctx.store, 'host', name, rctx.now, DAY_MS);
    return reportResult(await produceHostReport(rctx, host, id, since), q.format, ctx.config);
  },
};

const siteReportRoute: Route = {
  method: 'GET',
  path: '/api/v1/reports/sites/:site',
  auth: 'api',
  async handle(req, ctx) {
    const q = parseQuery(req.query, reportQuery);
    const site = nameParam(req.params, 'site');
    // Like `dthostmon report --site`: the enabled hosts of the site; hosts without a site form "fleet".
    const hosts = ctx.config.hosts.filter((h) => h.enabled && (h.site ?? FLEET_SCOPE) === site);
    if (hosts.length === 0) throw notFound(`no enabled host in site ${JSON.stringify(site.slice(0, 100))}`);
    const rctx = reportContext(ctx);
    const ids = await hostIds(ctx.db, hosts.map((h) => h.name));
    const since = q.since !== undefined ? new Date(rctx.now.getTime() - q.since) : await periodStart(rctx.store, 'site', site, rctx.now, DAY_MS);
    return reportResult(await produceSiteReport(rctx, site, hosts, ids, since), q.format, ctx.config);
  },
};

export const reportRoutes: Route[] = [hostReportRoute, siteReportRoute];
