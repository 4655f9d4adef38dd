import type { LoadedConfig } from './config/types.js';
import { collectHost } from './collect/collect-host.js';
import { analyzeHost } from './analyze/analyze-host.js';
import { buildHostReportModel } from './report/host-report-model.js';
import { createRenderer, type Renderer } from './report/render.js';
import { hostReportPath, writeHostReport } from './report/write-report.js';
import type { Store } from './store/open-store.js';
import { syncHosts } from './store/hosts-repo.js';
import { loadPreviousState } from './store/state-repo.js';
import { createRun, finishRun, markAbandonedRuns } from './store/runs-repo.js';
import { saveHostResult } from './store/host-result-repo.js';
import { acquirePassLock } from './store/pass-lock.js';
import { appendAudit } from './store/audit-repo.js';
import { StoreError, errorMessage } from './errors.js';
import { withDeadline, type Fence } from './pass/deadline.js';
import { emptyPreviousState, failedResult, selectHosts, unreachableSnapshot } from './pass/host-results.js';
import { runPool } from './util/pool.js';
import type {
  Clock,
  HostAnalysis,
  HostPassResult,
  HostRunStatus,
  HostSnapshot,
  PassResult,
  PreviousHostState,
  ResolvedHost,
  Transport,
  TransportFactory,
} from './types.js';

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

  const release = await acquirePassLock(db, {
    runner: deps.runner,
    pid: deps.pid,
    now: startedAt,
    // A pass can never legitimately outlive its deadline; the margin covers the final writes.
    ttlMs: config.pass.passTimeoutMs + 120_000,
    isPidAlive: deps.isPidAlive,
  });
  try {
    await markAbandonedRuns(db, deps.runner, deps.isPidAlive);
    const hostIds = await syncHosts(db, config.hosts, startedAt.toISOString());
    const previous = await loadPreviousState(db, hostIds);
    const runId = await createRun(db, {
      startedAt: startedAt.toISOString(),
      runner: deps.runner,
      pid: deps.pid,
      hostCount: hosts.length,
    });
    await appendAudit(db, [
      { at: startedAt.toISOString(), actor: 'run', action: 'pass.started', runId, detail: { hosts: hosts.length, pid: deps.pid } },
    ]);
    deps.onProgress?.({ type: 'pass-start', runId, hostCount: hosts.length });

    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), config.pass.passTimeoutMs);
    const renderer = createRenderer({ overrideDir: config.pass.templatesDir });
    const results = new Array<HostPassResult>(hosts.length);
    const skipped: number[] = [];
    const ctx: HostContext = { config, deps, runId, renderer, signal: deadline.signal };
    try {
      await runPool(
        hosts,
        config.pass.maxConcurrentHosts,
        async (host, index) => {
          deps.onProgress?.({ type: 'host-start', host: host.name });
          const hostId = hostIds.get(host.name) as number;
          const result = await runHostUnderDeadline(host, hostId, previous.get(host.name) ?? emptyPreviousState(), ctx);
          results[index] = result;
          deps.onProgress?.({ type: 'host-done', result });
        },
        {
          signal: deadline.signal,
          onSkipped: (host, index) => {
            results[index] = notStarted(host, previous.get(host.name) ?? emptyPreviousState());
            skipped.push(index);
          },
        },
      );
      // Hosts skipped by the deadline still get a failed row, so history shows the gap.
      for (const index of skipped) {
        const host = hosts[index] as ResolvedHost;
        await saveFailure(host, hostIds.get(host.name) as number, results[index] as HostPassResult, ctx);
      }
    } finally {
      clearTimeout(timer);
    }

    const finishedAt = clock();
    const timedOut = deadline.signal.aborted;
    const failed = results.filter((r) => r.status === 'failed').length;
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
    return {
      runId,
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      durationMs: finishedAt.getTime() - startedAt.getTime(),
      status: timedOut ? 'timed_out' : 'complete',
      hosts: results,
    };
  } finally {
    await release();
  }
}

interface HostContext {
  config: LoadedConfig;
  deps: PassDeps;
  runId: number;
  renderer: Renderer;
  signal: AbortSignal;
}

/** One host under the pass deadline; when the deadline gives up on it, a failed row is stored instead. */
async function runHostUnderDeadline(
  host: ResolvedHost,
  hostId: number,
  previous: PreviousHostState,
  ctx: HostContext,
): Promise<HostPassResult> {
  const started = ctx.deps.clock();
  return withDeadline(
    ctx.signal,
    (fence) => runHost(host, hostId, previous, ctx, fence),
    async () => {
      const seconds = Math.round(ctx.config.pass.passTimeoutMs / 1000);
      const elapsedMs = ctx.deps.clock().getTime() - started.getTime();
      const result = failedResult(host, previous, `pass deadline of ${seconds} s reached while collecting`, elapsedMs);
      await saveFailure(host, hostId, result, ctx);
      return result;
    },
  );
}

async function runHost(
  host: ResolvedHost,
  hostId: number,
  previous: PreviousHostState,
  ctx: HostContext,
  fence: Fence,
): Promise<HostPassResult> {
  const { deps, config } = ctx;
  const started = deps.clock();
  const snapshot = await collect(host, previous, ctx, started);
  const analysis: HostAnalysis | null = snapshot.reachable
    ? analyzeHost(host, snapshot, previous, { secrets: config.secrets })
    : null;
  const status: HostRunStatus = !snapshot.reachable ? 'failed' : snapshot.failures.length > 0 ? 'partial' : 'ok';
  const error = snapshot.failures.length > 0 ? snapshot.failures.map((f) => `${f.source}: ${f.message}`).join('; ') : null;

  let content: string | null = null;
  if (analysis) {
    const model = buildHostReportModel({ host, snapshot, analysis, previous, generatedAt: deps.clock() });
    content = ctx.renderer.render('host-report.md', model);
  }
  if (fence.state === 'abandoned') return failedResult(host, previous, 'abandoned at the pass deadline', 0);
  fence.state = 'saving';

  const finished = deps.clock();
  // Kept in the store for the API; the file itself is written after the transaction commits.
  const reportPath = content === null ? null : hostReportPath(config.pass.reportsDir, host.name, finished);
  await store(host, () =>
    saveHostResult(deps.store.db, {
      runId: ctx.runId,
      hostId,
      snapshot,
      analysis,
      status,
      error,
      previousScore: previous.lastScore,
      reportPath,
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
    }),
  );

  let writtenPath: string | null = null;
  if (content !== null) {
    try {
      writtenPath = await writeHostReport(config.pass.reportsDir, host.name, finished, content);
    } catch (err) {
      deps.onWarning?.(`${host.name}: could not write the host report: ${errorMessage(err)}`);
    }
  }
  return {
    name: host.name,
    site: host.site,
    status,
    error,
    score: analysis?.score ?? null,
    previousScore: previous.lastScore,
    health: analysis?.status ?? null,
    reasons: analysis?.reasons ?? [],
    findings: analysis?.findings ?? [],
    logBytesRead: snapshot.logSources.reduce((sum, s) => sum + s.bytesRead, 0),
    durationMs: finished.getTime() - started.getTime(),
    reportPath: writtenPath,
  };
}

/** Connect and collect; a connection failure becomes an unreachable snapshot. The transport is always closed. */
async function collect(host: ResolvedHost, previous: PreviousHostState, ctx: HostContext, started: Date): Promise<HostSnapshot> {
  const { deps } = ctx;
  let transport: Transport | null = null;
  try {
    transport = await deps.createTransport(host, ctx.signal);
    return await collectHost(host, transport, previous, { clock: deps.clock, signal: ctx.signal });
  } catch (err) {
    const durationMs = deps.clock().getTime() - started.getTime();
    return unreachableSnapshot(host.name, started, durationMs, [{ source: transport ? 'collect' : 'connect', message: errorMessage(err) }]);
  } finally {
    if (transport) await transport.close().catch(() => undefined);
  }
}

function notStarted(host: ResolvedHost, previous: PreviousHostState): HostPassResult {
  return failedResult(host, previous, 'not started: pass deadline reached before this host', 0);
}

/** A store write that fails ends the pass with exit 3; what earlier hosts stored stays stored. */
async function store<T>(host: ResolvedHost, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    throw new StoreError(`cannot store the result of ${host.name}: ${errorMessage(err)}`, { cause: err });
  }
}

/** A failed host_run row with no cursors, so the next pass reads everything this one did not. */
async function saveFailure(host: ResolvedHost, hostId: number, result: HostPassResult, ctx: HostContext): Promise<void> {
  const now = ctx.deps.clock();
  await store(host, () =>
    saveHostResult(ctx.deps.store.db, {
      runId: ctx.runId,
      hostId,
      snapshot: unreachableSnapshot(host.name, now, result.durationMs, [{ source: 'pass', message: result.error ?? 'failed' }]),
      analysis: null,
      status: 'failed',
      error: result.error,
      previousScore: result.previousScore,
      reportPath: null,
      startedAt: now.toISOString(),
      finishedAt: now.toISOString(),
    }),
  );
}
