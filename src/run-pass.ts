import { setMaxListeners } from 'node:events';
import type { HttpClient, HttpClientOptions } from './collect/metrics/http.js';
import type { LoadedConfig } from './config/types.js';
import { createRenderer } from './report/render.js';
import { connectWithRetry, sleepUnlessAborted } from './collect/connect-with-retry.js';
import type { Store } from './store/open-store.js';
import { syncHosts } from './store/hosts-repo.js';
import { loadPreviousState } from './store/state-repo.js';
import { createRun, finishRun, markAbandonedRuns } from './store/runs-repo.js';
import { acquirePassLock } from './store/pass-lock.js';
import { appendAudit } from './store/audit-repo.js';
import { loadHostKeys } from './store/host-keys-repo.js';
import { ConfigError, DthostmonError, StoreError, errorMessage } from './errors.js';
import { emptyPreviousState, failedResult, selectHosts } from './pass/host-results.js';
import { HOST_REPORT_TEMPLATE, notStarted, runHostUnderDeadline, saveFailure, withUnreachable, type HostContext } from './pass/run-host.js';
import { runPool } from './util/pool.js';
import { ALERT_TEMPLATES } from './alert/messages.js';
import { runAlertStage } from './pass/alert-stage.js';
import { runDeliveryStage, type SenderOverrides } from './pass/delivery-stage.js';
import { runReportStage } from './pass/report-stage.js';
import { REPORT_TEMPLATES } from './report/produce.js';
import type { DeliveryOutcome } from './types.js';
import { LlmAnalyzer } from './analyze/llm/analyzer.js';
import { createProviders } from './analyze/llm/providers/index.js';
import type { OpencodeDeps } from './analyze/llm/providers/opencode.js';
import { createAiCache } from './store/ai-repo.js';
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
      const state = await loadPreviousState(db, ids);
      const pins = await loadHostKeys(db, [...ids.values()]);
      for (const [name, id] of ids) {
        const hostState = state.get(name);
        const keys = pins.get(id);
        if (hostState && keys) hostState.hostKeys = keys;
      }
      const id = await createRun(db, { startedAt: startedAt.toISOString(), runner: deps.runner, pid: deps.pid, hostCount: hosts.length });
      await appendAudit(db, [
        { at: startedAt.toISOString(), actor: 'run', action: 'pass.started', runId: id, detail: { hosts: hosts.length, pid: deps.pid } },
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
    const connect = connectWithRetry(deps.createTransport, {
      attempts: config.pass.retryAttempts + 1,
      backoffMs: config.pass.retryBackoffMs,
      sleep: sleepUnlessAborted,
    });
    // The LLM explains what the rules found; a provider that is down or slow never fails the pass (NR-REL-002).
    const ai = config.ai.enabled
      ? new LlmAnalyzer(config.ai, createProviders(config.ai.providers, { ...deps.llm, onNote: deps.llm?.onNote ?? deps.onWarning }), {
          clock,
          cache: createAiCache(db),
          ...(deps.onWarning ? { onNote: deps.onWarning } : {}),
        })
      : null;
    const ctx: HostContext = { config, deps, runId, renderer, signal: deadline.signal, connect, ai, deadlineAt: clock().getTime() + config.pass.passTimeoutMs };
    // A store failure is fatal for the pass (exit 3), but only after every lane has stopped: nothing may still be
    // collecting when the store is closed.
    let fatal: unknown = null;
    try {
      await runPool(
        hosts,
        config.pass.maxConcurrentHosts,
        async (host, index) => {
          deps.onProgress?.({ type: 'host-start', host: host.name });
          const hostId = hostIds.get(host.name) as number;
          const hostPrevious = previous.get(host.name) ?? emptyPreviousState();
          try {
            const result = await runHostUnderDeadline(host, hostId, hostPrevious, ctx);
            keep(index, result);
            deps.onProgress?.({ type: 'host-done', result });
          } catch (err) {
            const result = withUnreachable(failedResult(host, hostPrevious, `internal error: ${errorMessage(err)}`, 0), hostPrevious, ctx);
            keep(index, result);
            try {
              // A bug in one host's analysis fails that host (its cursors stay, so nothing is lost); the pass goes on.
              if (err instanceof StoreError) throw err;
              await saveFailure(host, hostId, result, ctx);
              deps.onProgress?.({ type: 'host-done', result });
            } catch (storeErr) {
              fatal ??= storeErr;
              deadline.abort();
            }
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
      await ai?.close();
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
    const delivery = await deliverStages(config, deps, { runId, renderer, hosts, results, hostIds, firstLook });

    const finishedAt = clock();
    const timedOut = deadline.signal.aborted;
    const failed = results.filter((r) => r.status === 'failed').length;
    await storeStep('finish the run', async () => {
      await finishRun(db, runId, {
        finishedAt: finishedAt.toISOString(),
        status: timedOut ? 'timed_out' : 'complete',
        hostsOk: results.length - failed,
        hostsFailed: failed,
        durationMs: finishedAt.getTime() - startedAt.getTime(),
      });
      await appendAudit(db, [
        {
          at: finishedAt.toISOString(),
          actor: 'run',
          action: 'pass.finished',
          runId,
          detail: { status: timedOut ? 'timed_out' : 'complete', ok: results.length - failed, failed },
        },
      ]);
    });
    return {
      runId,
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      durationMs: finishedAt.getTime() - startedAt.getTime(),
      status: timedOut ? 'timed_out' : 'complete',
      hosts: results,
      delivery,
    };
  } finally {
    // A failing release must not mask the pass's own error; the lock then expires on its own.
    await release().catch((err: unknown) => deps.onWarning?.(`could not release the pass lock: ${errorMessage(err)}`));
  }
}

/** The alert stage, then delivery of everything due in the outbox. A store failure is a StoreError (exit 3). */
async function deliverStages(
  config: LoadedConfig,
  deps: PassDeps,
  pass: { runId: number; renderer: ReturnType<typeof createRenderer>; hosts: readonly ResolvedHost[]; results: readonly HostPassResult[]; hostIds: ReadonlyMap<string, number>; firstLook: ReadonlySet<string> },
): Promise<DeliveryOutcome> {
  const alerts = await storeStep('record the alerts', () =>
    runAlertStage({ config, store: deps.store, renderer: pass.renderer, runId: pass.runId, now: deps.clock(), hosts: pass.hosts, results: pass.results, hostIds: pass.hostIds, firstLook: pass.firstLook }),
  );
  const reports = await storeStep('queue the reports', () =>
    runReportStage({
      config,
      store: deps.store,
      renderer: pass.renderer,
      runId: pass.runId,
      now: deps.clock(),
      hosts: pass.hosts,
      results: pass.results,
      hostIds: pass.hostIds,
      wholeFleet: (deps.hostNames ?? []).length === 0,
      ...(deps.onWarning ? { onWarning: deps.onWarning } : {}),
    }),
  );
  const report = await storeStep('deliver the outbox', () => runDeliveryStage(config, deps.store, deps.clock, deps.senders));
  for (const dead of report.dead) deps.onWarning?.(`gave up delivering ${dead.channel} "${dead.subject}" (outbox id ${dead.id}): ${dead.error}`);
  if (alerts.unrouted.length > 0) {
    deps.onWarning?.(`${alerts.unrouted.length} alert(s) have no recipient: set email.alert_recipients (or alerts.recipients) to receive them`);
  }
  await storeStep('audit the delivery', () =>
    appendAudit(deps.store.db, [
      {
        at: deps.clock().toISOString(),
        actor: 'run',
        action: 'delivery.finished',
        runId: pass.runId,
        detail: { queued: alerts.queued, notified: alerts.notified, muted: alerts.muted.length, sent: report.sent, failed: report.failed, dead: report.dead.length },
      },
      // A message given up on is in the append-only audit trail, not only in one run's output.
      ...report.dead.map((dead) => ({
        at: deps.clock().toISOString(),
        actor: 'run',
        action: 'delivery.dead_letter',
        runId: pass.runId,
        detail: { outboxId: dead.id, kind: dead.kind, channel: dead.channel, subject: dead.subject, error: dead.error },
      })),
    ]),
  );
  return {
    alertsNotified: alerts.notified,
    alertsMuted: alerts.muted.map((i) => ({ host: i.host, key: i.key, mutedBy: i.mutedBy ?? '' })),
    alertsUnrouted: alerts.unrouted.length,
    reports: reports.reports,
    queued: alerts.queued + reports.reports.length,
    sent: report.sent,
    failed: report.failed,
    dead: report.dead.map((d) => ({ id: d.id, channel: d.channel, subject: d.subject, error: d.error })),
    written: report.written,
  };
}

/**
 * The result with its findings' evidence left out (it is in the store, under the same finding keys), and its changes
 * without their before/after contents (in the store's `changes` rows).
 */
function withoutEvidence(result: HostPassResult): HostPassResult {
  const compact: HostPassResult = { ...result, findings: result.findings.map((finding) => ({ ...finding, evidence: [] })) };
  if (result.changes) compact.changes = result.changes.map(({ before: _before, after: _after, ...change }) => change);
  return compact;
}

/** A store operation outside a host's own write: any failure is a StoreError (exit 3); our typed errors pass. */
async function storeStep<T>(what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (err instanceof DthostmonError) throw err;
    throw new StoreError(`cannot ${what}: ${errorMessage(err)}`, { cause: err });
  }
}

/** One line for the whole pass when the AI stage could not serve some hosts (not one per host: 500 hosts, one outage). */
function noteAiProblems(results: readonly HostPassResult[], deps: PassDeps): void {
  for (const status of ['unavailable', 'skipped'] as const) {
    const hit = results.filter((r) => r?.ai?.status === status);
    if (hit.length === 0) continue;
    const what = status === 'unavailable' ? 'AI unavailable' : 'AI skipped';
    deps.onWarning?.(`${what} for ${hit.length} of ${results.length} host(s), rules-only results: ${hit[0]?.ai?.reason ?? 'no reason given'}`);
  }
}
