/**
 * The checks behind GET /health: database, age of the last pass against the schedule, LLM reachability, outbox
 * backlog. Each check returns plain data and the reasons it is not ok; none throws.
 */
import { connect } from 'node:net';
import type { Kysely } from 'kysely';
import { parseDurationSeconds } from '../../config/schema-primitives.js';
import type { LoadedConfig } from '../../config/types.js';
import { errorMessage } from '../../errors.js';
import { loadLastPass, loadOutboxBacklog, loadRunningPass, pingStore } from '../../store/api-status-repo.js';
import type { Database } from '../../store/schema.js';
import { oneLine } from '../http-util.js';

export interface CheckResult<T> {
  ok: boolean;
  /** Why not ok, one line each. */
  reasons: string[];
  detail: T;
}

/** Database and LLM probes give up after this long. */
export const PROBE_TIMEOUT_MS = 2_000;
/** An LLM reachability answer is reused this long: /health may be polled every few seconds. */
export const LLM_CACHE_MS = 60_000;
/** Messages waiting longer than this mean delivery is stuck. */
export const OUTBOX_MAX_AGE_MS = 3_600_000;
const DEFAULT_INTERVAL_MS = 3_600_000;

const seconds = (ms: number): number => Math.round(ms / 1000);

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** `select 1` within 2 s. */
export async function checkDatabase(db: Kysely<Database>): Promise<CheckResult<{ status: 'ok' | 'failed'; latency_ms: number; error?: string }>> {
  const started = performance.now();
  try {
    await withTimeout(pingStore(db), PROBE_TIMEOUT_MS, 'the database');
    return { ok: true, reasons: [], detail: { status: 'ok', latency_ms: Math.round(performance.now() - started) } };
  } catch (err) {
    const error = oneLine(errorMessage(err), 200);
    return { ok: false, reasons: [`database: ${error}`], detail: { status: 'failed', latency_ms: Math.round(performance.now() - started), error } };
  }
}

/** The interval passes are expected at: `global.monitor_interval` (a duration) when set, else one hour. */
export function configuredIntervalMs(config: LoadedConfig): number {
  const global = (config.document.global ?? {}) as { monitor_interval?: unknown };
  const parsed = parseDurationSeconds(global.monitor_interval);
  return typeof parsed === 'number' && Number.isFinite(parsed) && parsed > 0 ? parsed * 1000 : DEFAULT_INTERVAL_MS;
}

export interface LastPassInput {
  db: Kysely<Database>;
  now: Date;
  intervalMs: number;
  passTimeoutMs: number;
  /** When serve started: with no pass yet, staleness counts from here. */
  servingSince: Date;
}

/** Stale when the last pass ended more than 2 x interval + pass_timeout ago. A running pass is reported as such. */
export async function checkLastPass(input: LastPassInput): Promise<CheckResult<Record<string, unknown>>> {
  const staleAfterMs = 2 * input.intervalMs + input.passTimeoutMs;
  const base = { expected_interval_seconds: seconds(input.intervalMs), stale_after_seconds: seconds(staleAfterMs) };
  try {
    const [last, running] = await withTimeout(Promise.all([loadLastPass(input.db), loadRunningPass(input.db)]), PROBE_TIMEOUT_MS, 'the database');
    const runningDetail = running ? { run_id: running.id, started_at: running.startedAt, runner: running.runner, pid: running.pid } : null;
    if (!last) {
      const waitedMs = input.now.getTime() - input.servingSince.getTime();
      const stale = waitedMs > staleAfterMs;
      return {
        ok: !stale,
        reasons: stale ? [`last_pass: no pass has finished yet (serving for ${seconds(waitedMs)} s)`] : [],
        detail: { status: stale ? 'stale' : 'ok', run_id: null, finished_at: null, age_seconds: null, last_status: null, running: runningDetail, ...base },
      };
    }
    const endedAt = last.finishedAt ?? last.startedAt;
    const ageMs = Math.max(0, input.now.getTime() - Date.parse(endedAt));
    const stale = ageMs > staleAfterMs;
    return {
      ok: !stale,
      reasons: stale ? [`last_pass: the last pass ended ${seconds(ageMs)} s ago (stale after ${seconds(staleAfterMs)} s)`] : [],
      detail: {
        status: stale ? 'stale' : 'ok',
        run_id: last.id,
        finished_at: endedAt,
        age_seconds: seconds(ageMs),
        last_status: last.status,
        hosts_ok: last.hostsOk,
        hosts_failed: last.hostsFailed,
        running: runningDetail,
        ...base,
      },
    };
  } catch (err) {
    const error = oneLine(errorMessage(err), 200);
    return { ok: false, reasons: [`last_pass: cannot be read (${error})`], detail: { status: 'unknown', error, ...base } };
  }
}

/** Pending count, age of the oldest pending message, dead letters. Not ok when anything is dead or waits > 1 h. */
export async function checkOutbox(db: Kysely<Database>, now: Date): Promise<CheckResult<Record<string, unknown>>> {
  try {
    const backlog = await withTimeout(loadOutboxBacklog(db), PROBE_TIMEOUT_MS, 'the database');
    const pending = backlog.counts.pending + backlog.counts.sending;
    const ageMs = backlog.oldestPendingAt === null ? null : Math.max(0, now.getTime() - Date.parse(backlog.oldestPendingAt));
    const reasons: string[] = [];
    if (backlog.counts.dead > 0) reasons.push(`outbox: ${backlog.counts.dead} message(s) could not be delivered (dead)`);
    if (ageMs !== null && ageMs > OUTBOX_MAX_AGE_MS) reasons.push(`outbox: the oldest pending message waits for ${seconds(ageMs)} s`);
    return {
      ok: reasons.length === 0,
      reasons,
      detail: { status: reasons.length === 0 ? 'ok' : 'degraded', pending, oldest_pending_age_seconds: ageMs === null ? null : seconds(ageMs), dead: backlog.counts.dead },
    };
  } catch (err) {
    const error = oneLine(errorMessage(err), 200);
    return { ok: false, reasons: [`outbox: cannot be read (${error})`], detail: { status: 'unknown', error } };
  }
}

export interface ProviderTarget {
  name: string;
  baseUrl: string;
}

/** `host:port` of a base URL (never its path, query or credentials), or null when it is not a URL. */
export function endpointOf(baseUrl: string): { host: string; port: number } | null {
  try {
    const url = new URL(baseUrl);
    const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port };
  } catch {
    return null;
  }
}

/** A TCP connection to host:port within the timeout: null when it connected, else why not. Never sends a byte. */
export function tcpReachable(host: string, port: number, timeoutMs = PROBE_TIMEOUT_MS): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (error: string | null): void => {
      socket.destroy();
      resolve(error);
    };
    socket.setTimeout(timeoutMs, () => done(`no connection within ${timeoutMs} ms`));
    socket.once('connect', () => done(null));
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code ?? oneLine(err.message, 120)));
  });
}

/**
 * LLM reachability: a TCP connection to each provider's base URL, cached for a minute, never a model call. Not ok
 * only when no provider of the chain is reachable (the chain falls back, so one is enough).
 */
export function createLlmCheck(probe: (host: string, port: number) => Promise<string | null> = tcpReachable, cacheMs = LLM_CACHE_MS) {
  const cache = new Map<string, { atMs: number; result: Promise<string | null> }>();
  const reach = (host: string, port: number, nowMs: number): Promise<string | null> => {
    const key = `${host}:${port}`;
    const hit = cache.get(key);
    if (hit && nowMs - hit.atMs < cacheMs) return hit.result;
    const result = probe(host, port);
    cache.set(key, { atMs: nowMs, result });
    return result;
  };
  return async (providers: readonly ProviderTarget[], nowMs: number): Promise<CheckResult<Record<string, unknown>>> => {
    if (providers.length === 0) return { ok: true, reasons: [], detail: { status: 'disabled', providers: [] } };
    const results = await Promise.all(
      providers.map(async (p) => {
        const endpoint = endpointOf(p.baseUrl);
        const error = endpoint ? await reach(endpoint.host, endpoint.port, nowMs) : 'not a URL';
        return { name: p.name, endpoint: endpoint ? `${endpoint.host}:${endpoint.port}` : null, reachable: error === null, ...(error ? { error } : {}) };
      }),
    );
    const ok = results.some((r) => r.reachable);
    const reasons = ok ? [] : [`llm: no provider reachable (${results.map((r) => `${r.name}: ${r.error ?? 'unreachable'}`).join('; ')})`];
    return { ok, reasons, detail: { status: ok ? 'ok' : 'failed', providers: results } };
  };
}
