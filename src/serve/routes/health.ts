/**
 * GET /health (no key: load balancers and container health checks) and GET /metrics (the API key: fleet data;
 * Prometheus sends it with `authorization: { credentials: ... }`, i.e. `Authorization: Bearer`).
 */
import { parseQuery } from '../http-util.js';
import type { ApiContext, ApiResult, Route } from '../types.js';
import { checkDatabase, checkLastPass, checkOutbox, configuredIntervalMs, createLlmCheck, tcpReachable } from './health-checks.js';
import { metricsResult } from './metrics-text.js';

export interface HealthOptions {
  /** The interval passes are expected at (serve --schedule); default global.monitor_interval, else 1 h. */
  expectedIntervalMs?: number | null;
  /** When serve started (no pass yet: staleness counts from here). Default: when the routes were made. */
  servingSince?: Date;
  /** TCP probe of an LLM endpoint (tests: a counting one). */
  probe?: (host: string, port: number) => Promise<string | null>;
}

/** The health and metrics routes; each call has its own LLM reachability cache. */
export function createHealthRoutes(options: HealthOptions = {}): Route[] {
  const servingSince = options.servingSince ?? new Date();
  const llmCheck = createLlmCheck(options.probe ?? tcpReachable);

  const health = async (ctx: ApiContext): Promise<ApiResult> => {
    const now = ctx.clock();
    const { config, db } = ctx;
    const intervalMs = options.expectedIntervalMs ?? configuredIntervalMs(config);
    const providers = config.ai.enabled ? config.ai.providers.map((p) => ({ name: p.name, baseUrl: p.baseUrl })) : [];
    const [database, lastPass, llm, outbox] = await Promise.all([
      checkDatabase(db),
      checkLastPass({ db, now, intervalMs, passTimeoutMs: config.pass.passTimeoutMs, servingSince }),
      llmCheck(providers, now.getTime()),
      checkOutbox(db, now),
    ]);
    const checks = { database, last_pass: lastPass, llm, outbox };
    const reasons = Object.values(checks).flatMap((c) => c.reasons);
    const status = reasons.length === 0 ? 'ok' : 'degraded';
    return {
      status: reasons.length === 0 ? 200 : 503,
      json: {
        status,
        time: now.toISOString(),
        checks: { database: database.detail, last_pass: lastPass.detail, llm: llm.detail, outbox: outbox.detail },
        reasons,
      },
    };
  };

  return [
    {
      method: 'GET',
      path: '/health',
      auth: 'none',
      handle: async (req, ctx) => {
        parseQuery({}, req.query);
        return health(ctx);
      },
    },
    {
      method: 'GET',
      path: '/metrics',
      auth: 'api',
      handle: async (req, ctx) => {
        parseQuery({}, req.query);
        return metricsResult(ctx);
      },
    },
  ];
}

/** The routes with defaults (interval from the config). */
export const healthRoutes: Route[] = createHealthRoutes();
