import { setMaxListeners } from 'node:events';
import type { HttpClient, HttpClientOptions } from './collect/metrics/http.js';
import type { LoadedConfig } from './config/types.js';
import { createRenderer } from './report/render.js';
import type { Store } from './store/open-store.js';
import { syncHosts } from './store/hosts-repo.js';
import { createRun, finishRun, markAbandonedRuns } from './store/runs-repo.js';
import { acquirePassLock } from './store/pass-lock.js';
import { appendAudit } from './store/audit-repo.js';
import { ConfigError, DthostmonError, StoreError, errorMessage } from './errors.js';
import { emptyPreviousState, selectHosts } from './pass/host-results.js';
import { HOST_REPORT_TEMPLATE, notStarted, saveFailure } from './pass/run-host.js';
import { runPool } from './util/pool.js';
import { ALERT_TEMPLATES } from './alert/messages.js';
import type { SenderOverrides } from './pass/delivery-stage.js';
import { REPORT_TEMPLATES } from './report/produce.js';
import type { OpencodeDeps } from './analyze/llm/providers/opencode.js';
import { createHostContext, deliverStages, loadPreviousWithKeys, noteAiProblems, recordPassFinished, retentionAfterPass, runOneHost, storeStep, withoutEvidence } from './pass/pass-common.js';
import { runShardedPass, type WorkerOptions } from './pass/shard.js';
import type { Clock, HostPassResult, PassResult, ResolvedHost, TransportFactory } from './types.js';

/** Progress events for the CLI's spinner and `--verbose` lines. */
export type PassEvent =
  | { type: 'pass-start'; runId: number; hostCount: number }
  | { type: 'host-start'; host: string }
  | { type: 'host-done'; result: HostPassResult };

/** Everything that crosses a process boundary, passed in so tests control it. */
export interface PassDeps {
  /** Opened and migrated store. */
  store: Store;
  clock: Clock;
  createTransport: TransportFactory;
  /** This machine's name and our pid, for the pass lock and the runs table. */
  runner: string;
  pid: number;
  isPidAlive: (pid: number) => boolean;
  /** Only these hosts (by name), when given. */
  hostNames?: readonly string[];
  onProgress?: (event: PassEvent) => void;
  /** Report write failures and other non-fatal problems (one line each). */
  onWarning?: (message: string) => void;
  /**
   * Keep each host's findings in the PassResult without their evidence lines (the store has them: see
   * findingEvidenceOfRun), so a pass over hundreds of hosts does not hold every host's evidence until it ends.
   */
  compactResults?: boolean;
  /** Senders instead of the configured SMTP / Pushover ones (tests). */
  senders?: SenderOverrides;
  /** The HTTP client of the metrics sources (tests: count or slow requests); default createHttpClient. */
  createMetricsHttp?: (options: HttpClientOptions) => HttpClient;
  /** What the LLM providers use for HTTP, waits and a started OpenCode server's environment (tests: short backoffs). */
  llm?: OpencodeDeps;
  /** Who the audit trail records for this pass (`run` by default; `serve` for its scheduled passes). */
  actor?: string;
  /** Be one worker of a sharded pass (`run --worker`, PostgreSQL): hosts are claimed from the pass's leases. */
  worker?: WorkerOptions;
}

/**
 * One bounded monitoring pass: lock, read previous state once, then for each host (at most N at once, under one
 * deadline) transport -> collect -> analyze -> store (one transaction) -> report. A failed host is data, never a
 * throw; hosts the deadline stops are recorded as failed and their cursors are not advanced.
 */
export async function runPass(config: LoadedConfig, deps: PassDeps): Promise<PassResult> {
  const { store, clock } = deps;
  const db = store.db;
  const startedAt = clock();
  const hosts = selectHosts(config.hosts, deps.hostNames);
  const renderer = createRenderer({ overrideDir: config.pass.templatesDir });
  try {
    renderer.prepare([HOST_REPORT_TEMPLATE, ...ALERT_TEMPLATES, ...REPORT_TEMPLATES]);
  } catch (err) {
    // A broken user template is a config problem, found before anything is collected.
    throw new ConfigError(errorMessage(err));
  }
  if (deps.worker) return runShardedPass(config, deps, deps.worker, renderer);
  const actor = deps.actor ?? 'run';

  const release = await storeStep('take the pass lock', () =>
    acquirePassLock(db, {
      runner: deps.runner,
      pid: deps.pid,
      now: startedAt,
      // A pass can never legitimately outlive its deadline; the margin covers the final writes.
      ttlMs: config.pass.passTimeoutMs + 120_000,
      isPidAlive: deps.isPidAlive,
    }),
  );
  try {
    const { hostIds, previous, runId } = await storeStep('read the previous state', async () => {
      await markAbandonedRuns(db, deps.runner, deps.isPidAlive);
      const ids = await syncHosts(db, config.hosts, startedAt.toISOString());
      const state = await loadPreviousWithKeys(db, ids);
      const id = await createRun(db, { startedAt: startedAt.toISOString(), runner: deps.runner, pid: deps.pid, hostCount: hosts.length });
      await appendAudit(db, [
        { at: startedAt.toISOString(), actor, action: 'pass.started', runId: id, detail: { hosts: hosts.length, pid: deps.pid } },
      ]);
      return { hostIds: ids, previous: state, runId: id };
    });
    deps.onProgress?.({ type: 'pass-start', runId, hostCount: hosts.length });

    const deadline = new AbortController();
    // Every running host listens to the deadline (one listener each, removed when it ends): not a leak at any
    // max_concurrent_hosts, so no MaxListenersExceededWarning past 10.
    setMaxListeners(0, deadline.signal);
    const timer = setTimeout(() => deadline.abort(), config.pass.passTimeoutMs);
    const results = new Array<HostPassResult>(hosts.length);
    // Hosts finish in any order; each result is compacted as it arrives when asked, so memory stays flat.
    const keep = (index: number, result: HostPassResult): void => {
      results[index] = deps.compactResults ? withoutEvidence(result) : result;
    };
    const skipped: Array<{ index: number; result: HostPassResult }> = [];
    const ctx = createHostContext(config, deps, { runId, renderer, signal: deadline.signal, deadlineAt: clock().getTime() + config.pass.passTimeoutMs, actor });
    // A store failure is fatal for the pass (exit 3), but only after every lane has stopped: nothing may still be
    // collecting when the store is closed.
    let fatal: unknown = null;
    try {
      await runPool(
        hosts,
        config.pass.maxConcurrentHosts,
        async (host, index) => {
          deps.onProgress?.({ type: 'host-start', host: host.name });
          const outcome = await runOneHost(host, hostIds.get(host.name) as number, previous.get(host.name) ?? emptyPreviousState(), ctx);
          if ('result' in outcome) {
            keep(index, outcome.result);
            deps.onProgress?.({ type: 'host-done', result: outcome.result });
          } else {
            fatal ??= 'fatal' in outcome ? outcome.fatal : outcome.lost;
            deadline.abort();
          }
        },
        {
          signal: deadline.signal,
          onSkipped: (host, index) => {
            const result = notStarted(host, previous.get(host.name) ?? emptyPreviousState(), ctx);
            keep(index, result);
            skipped.push({ index, result });
          },
        },
      );
      if (fatal === null) {
        // Hosts skipped by the deadline still get a failed row, so history shows the gap.
        for (const { index, result } of skipped) {
          const host = hosts[index] as ResolvedHost;
          await saveFailure(host, hostIds.get(host.name) as number, result, ctx);
        }
      }
    } finally {
      clearTimeout(timer);
      // An OpenCode server the pass started is stopped (unless keep_running).
      await ctx.close();
    }
    if (fatal !== null) {
      await finishRun(db, runId, { finishedAt: clock().toISOString(), status: 'failed', hostsOk: 0, hostsFailed: hosts.length, durationMs: clock().getTime() - startedAt.getTime() }).catch(() => undefined);
      throw fatal instanceof DthostmonError ? fatal : new StoreError(errorMessage(fatal), { cause: fatal });
    }

    noteAiProblems(results, deps);

    // Alerts, then delivery: after every host's own transaction, still under the pass lock (no second pass can
    // deliver the same outbox rows at the same time). Host results are stored whatever happens here.
    // A host with no stored facts had never been collected: this pass read its logs' whole history.
    const firstLook = new Set(hosts.filter((h) => !('facts' in (previous.get(h.name)?.baselines ?? {}))).map((h) => h.name));
    const delivery = await deliverStages(config, deps, { runId, renderer, hosts, results, hostIds, firstLook, actor });

    const finishedAt = clock();
    const status = deadline.signal.aborted ? 'timed_out' : 'complete';
    const failed = results.filter((r) => r.status === 'failed').length;
    await recordPassFinished(deps, { runId, startedAt, finishedAt, status, ok: results.length - failed, failed, actor });
    // Still under the pass lock: retention never deletes under a running pass. Not for a pass over some hosts only.
    const retention = (deps.hostNames ?? []).length === 0 ? await retentionAfterPass(config, deps) : undefined;
    return {
      runId,
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      durationMs: finishedAt.getTime() - startedAt.getTime(),
      status,
      hosts: results,
      delivery,
      ...(retention ? { retention } : {}),
    };
  } finally {
    // A failing release must not mask the pass's own error; the lock then expires on its own.
    await release().catch((err: unknown) => deps.onWarning?.(`could not release the pass lock: ${errorMessage(err)}`));
  }
}
