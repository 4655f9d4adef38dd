import { createTransportFactory } from '../../collect/create-transport.js';
import { sanitizeText } from '../../collect/sanitize-line.js';
import { findConfigPath } from '../../config/find-config.js';
import { loadConfig } from '../../config/load.js';
import type { LoadedConfig } from '../../config/types.js';
import { ConfigError, LockedError, UsageError, errorMessage } from '../../errors.js';
import type { Logger } from '../../log/logger.js';
import { createPassLog } from '../../log/pass-log.js';
import { runPass } from '../../run-pass.js';
import { buildRoutes } from '../../serve/routes/index.js';
import { parseSchedule, scheduleIntervalMs, startScheduler, type PassSchedule, type Scheduler, type TickOutcome } from '../../serve/schedule.js';
import { apiSettings, startApiServer } from '../../serve/server.js';
import { migrateToLatest } from '../../store/migrate.js';
import { openStore } from '../../store/open-store.js';
import type { TransportFactory } from '../../types.js';
import { createOutput } from '../output.js';
import type { GlobalOptions } from '../program.js';
import { isPidAlive, runnerIdentity } from './run.js';

export interface ServeOptions extends GlobalOptions {
  /** --port (0: any free port); default api.port. */
  port?: number;
  /** --bind; default api.bind. */
  bind?: string;
  /** --schedule: a cron expression or `@every 5m`. */
  schedule?: string;
}

/** What tests replace: the transport of scheduled passes, and what stops serve instead of SIGINT/SIGTERM. */
export interface ServeDeps {
  createTransport?: TransportFactory;
  /** Serve stops when this resolves (default: the first SIGINT or SIGTERM). */
  stopWhen?: Promise<unknown>;
  /** Called with the URL once serve listens. */
  onListening?: (url: string) => void;
}

/** In-flight requests get this long after SIGTERM before their connections are cut. */
const CLOSE_GRACE_MS = 5_000;

/**
 * `dthostmon serve`: the read API (and, with --schedule, passes in-process) until SIGINT/SIGTERM. Exit 0 after a
 * graceful stop; 2 without api.api_key, with a bad --schedule, a TLS file that cannot be read or an address in use;
 * 3 when the store cannot be opened.
 */
export async function serve(options: ServeOptions, deps: ServeDeps = {}): Promise<number> {
  const out = createOutput(options, 'serve');
  const log = out.log;
  const configPath = findConfigPath(options.config, options.io.env, options.io.cwd);
  const config = await loadConfig(configPath, { env: options.io.env });
  log.addSecrets(config.secrets);
  if (!options.quiet) for (const w of config.warnings) log.warn(w, { component: 'config' });
  if (!apiSettings(config).api_key) {
    throw new ConfigError([
      { file: configPath, path: 'api.api_key', message: 'not set: serve refuses to start without an API key (write api_key: ${DTHOSTMON_API_KEY} and set the variable)' },
    ]);
  }
  let schedule: PassSchedule | null = null;
  if (options.schedule !== undefined) {
    try {
      schedule = parseSchedule(options.schedule);
    } catch (err) {
      throw new UsageError(`--schedule ${errorMessage(err)}`);
    }
  }

  const store = await openStore(config.store);
  let scheduler: Scheduler | null = null;
  try {
    const migrated = await migrateToLatest(store.db);
    if (migrated.applied.length > 0) log.debug(`store: applied migrations ${migrated.applied.join(', ')}`, { component: 'store' });
    const now = new Date();
    const routes = buildRoutes({ servingSince: now, expectedIntervalMs: schedule ? scheduleIntervalMs(schedule, now) : null });
    const server = await startApiServer({
      config,
      store,
      routes,
      log,
      ...(options.port !== undefined ? { port: options.port } : {}),
      ...(options.bind !== undefined ? { bind: options.bind } : {}),
      closeGraceMs: CLOSE_GRACE_MS,
    });
    out.out(`serving on ${server.url}`);
    log.info(`listening on ${server.url}`, { url: server.url });
    deps.onListening?.(server.url);
    if (schedule) {
      const scheduleLog = log.child({ component: 'schedule' });
      scheduler = startScheduler({ schedule, log: scheduleLog, runPass: () => scheduledPass(configPath, options, deps, log) });
      const next = scheduler.next()?.toISOString() ?? 'never';
      scheduleLog.info(`schedule "${schedule.text}": next pass at ${next}`, { schedule: schedule.text, next });
    }

    await (deps.stopWhen ?? stopSignal());
    log.info(`stopping: finishing in-flight requests (at most ${CLOSE_GRACE_MS / 1000} s)`);
    const stopping = scheduler?.stop(CLOSE_GRACE_MS) ?? Promise.resolve(true);
    await server.close();
    if (!(await stopping)) {
      // A pass cannot be cut short safely; it ends by its own deadline (global.pass_timeout).
      log.info('waiting for the running pass to end (at most global.pass_timeout)');
      await scheduler?.stop(config.pass.passTimeoutMs + 120_000);
    }
    return 0;
  } finally {
    await store.close();
  }
}

/** Resolves on the first SIGINT or SIGTERM (and stops listening for them). */
function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

/**
 * One scheduled pass, the way `run` does it: the config reread (edits and registered hosts apply), a store of its
 * own, the same runPass with the same pass lock. Failures are one line for the log, never a throw.
 */
async function scheduledPass(configPath: string, options: ServeOptions, deps: ServeDeps, log: Logger): Promise<TickOutcome> {
  let config: LoadedConfig;
  try {
    config = await loadConfig(configPath, { env: options.io.env });
  } catch (err) {
    return { kind: 'failed', message: `config: ${errorMessage(err).split('\n').join('; ')}` };
  }
  // The logger redacts the secrets of every config it has seen (an edit may have changed them).
  log.addSecrets(config.secrets);
  const passLog = createPassLog(log, config.hosts.map((h) => h.name), config.pass.maxConcurrentHosts);
  let store;
  try {
    store = await openStore(config.store);
    await migrateToLatest(store.db);
  } catch (err) {
    await store?.close().catch(() => undefined);
    return { kind: 'failed', message: sanitizeText(errorMessage(err)) };
  }
  try {
    const result = await runPass(config, {
      store,
      clock: () => new Date(),
      createTransport: deps.createTransport ?? createTransportFactory(),
      runner: runnerIdentity(),
      pid: process.pid,
      isPidAlive,
      compactResults: true,
      actor: 'serve',
      onWarning: passLog.warning,
      onProgress: passLog.progress,
    });
    const failed = result.hosts.filter((h) => h.status === 'failed').length;
    const seconds = (result.durationMs / 1000).toFixed(1);
    return {
      kind: 'done',
      message: `pass ${result.runId ?? '-'} ${result.status}: ${result.hosts.length} host(s), ${result.hosts.length - failed} ok, ${failed} failed, ${seconds} s`,
      fields: { runId: result.runId, status: result.status, hostCount: result.hosts.length, failed, durationMs: result.durationMs },
    };
  } catch (err) {
    if (err instanceof LockedError) return { kind: 'skipped', message: sanitizeText(err.message) };
    return { kind: 'failed', message: sanitizeText(errorMessage(err).split('\n').join('; ')) };
  } finally {
    await store.close();
  }
}
