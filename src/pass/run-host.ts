import type { LoadedConfig } from '../config/types.js';
import { collectHost } from '../collect/collect-host.js';
import { analyzeHost, markOpenSince } from '../analyze/analyze-host.js';
import { HostLogStream } from '../analyze/log-stream.js';
import { DEFAULT_LEARNING_PASSES, type KnownTemplates } from '../analyze/new-patterns.js';
import { loadTemplateHashes } from '../store/log-templates-repo.js';
import { unreachableFinding } from '../analyze/unreachable.js';
import { buildHostReportModel } from '../report/host-report-model.js';
import type { Renderer } from '../report/render.js';
import { hostReportPath, writeHostReport } from '../report/write-report.js';
import { saveHostResult } from '../store/host-result-repo.js';
import { StoreError, errorMessage } from '../errors.js';
import { withDeadline, type Fence } from './deadline.js';
import { failedResult, findHostKeyChange, hostKeyChangedFinding, unreachableSnapshot } from './host-results.js';
import type { PassDeps } from '../run-pass.js';
import type {
  AcceptedHostKey,
  Finding,
  HostAnalysis,
  HostPassResult,
  HostRunStatus,
  HostSnapshot,
  MonitorIdentity,
  PreviousHostState,
  ResolvedHost,
  Transport,
  TransportFactory,
} from '../types.js';

/** The report template every host gets. */
export const HOST_REPORT_TEMPLATE = 'host-report.md';

/** What every host of one pass shares. */
export interface HostContext {
  config: LoadedConfig;
  deps: PassDeps;
  runId: number;
  renderer: Renderer;
  /** The pass deadline. */
  signal: AbortSignal;
  /** The transport factory with connection retries (`global.retry_attempts`, `retry_backoff`). */
  connect: TransportFactory;
}

/** One host under the pass deadline; when the deadline gives up on it, a failed row is stored instead. */
export async function runHostUnderDeadline(
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
      const result = withUnreachable(failedResult(host, previous, `pass deadline of ${seconds} s reached while collecting`, elapsedMs), previous, ctx);
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
  // The templates this host produced before: read when its pass starts (never the whole fleet's at once).
  const knownTemplates = await store(host, () => loadTemplateHashes(deps.store.db, hostId));
  const { snapshot, hostKey, findings: trustFindings, logStream } = await collect(host, previous, ctx, started);
  const templates = { known: knownTemplatesOf(knownTemplates, previous), learningPasses: host.learningPasses ?? DEFAULT_LEARNING_PASSES, windowHours: hoursSince(previous.lastRunAt, started) };
  const analysis: HostAnalysis | null = snapshot.reachable
    ? analyzeHost(host, snapshot, previous, { secrets: config.secrets, ...(logStream ? { logStream, templates } : {}) })
    : null;
  const status: HostRunStatus = !snapshot.reachable ? 'failed' : snapshot.failures.length > 0 ? 'partial' : 'ok';
  const error = snapshot.failures.length > 0 ? snapshot.failures.map((f) => `${f.source}: ${f.message}`).join('; ') : null;
  // Findings that need no analysis: a changed host key, a host unreachable for several passes (or back again).
  const unreachable = unreachableFinding(host.name, previous, { isFailed: status === 'failed', error, at: started.toISOString() }, { secrets: config.secrets });
  const passFindings = unreachable ? [...trustFindings, unreachable] : trustFindings;
  markOpenSince(passFindings, previous, started.toISOString());

  let content: string | null = null;
  if (analysis) {
    const model = buildHostReportModel({ host, snapshot, analysis, previous, generatedAt: deps.clock() });
    try {
      content = ctx.renderer.render(HOST_REPORT_TEMPLATE, model);
    } catch (err) {
      // The result is stored without a report rather than lost.
      deps.onWarning?.(`${host.name}: could not render the host report: ${errorMessage(err)}`);
    }
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
      hostKeys: hostKey ? [hostKey] : [],
      findings: passFindings,
      ...(analysis?.logTemplates ? { logTemplates: { seen: analysis.logTemplates, known: knownTemplates } } : {}),
      ...(analysis?.logRates ? { logRates: analysis.logRates } : {}),
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
    findings: [...passFindings, ...(analysis?.findings ?? [])],
    ...(analysis?.changes ? { changes: analysis.changes } : {}),
    logBytesRead: snapshot.logSources.reduce((sum, s) => sum + s.bytesRead, 0),
    durationMs: finished.getTime() - started.getTime(),
    reportPath: writtenPath,
  };
}

interface Collected {
  snapshot: HostSnapshot;
  /** The host key the connection verified, to pin in the host's transaction. */
  hostKey: AcceptedHostKey | null;
  /** Findings that need no analysis: `ssh.host_key_changed` for a host refused before anything was collected. */
  findings: Finding[];
  /** The log analysis done while the logs were read (null when nothing was collected). */
  logStream: HostLogStream | null;
}

/**
 * Connect (with the host's pinned keys) and collect; a connection failure becomes an unreachable snapshot, a changed
 * host key also a crit finding. The transport is always closed.
 */
async function collect(host: ResolvedHost, previous: PreviousHostState, ctx: HostContext, started: Date): Promise<Collected> {
  const { deps } = ctx;
  let transport: Transport | null = null;
  try {
    transport = await ctx.connect(host, ctx.signal, { pinnedHostKeys: previous.hostKeys ?? [] });
    const endpoint = transport.localEndpoint;
    // Our own login shows in the host's auth log; analysis leaves exactly that session out. While reading, the
    // session can last at most until the pass deadline; the snapshot gets the real end.
    const identity: MonitorIdentity | null =
      host.transport === 'ssh' && endpoint
        ? {
            user: host.user,
            addresses: [endpoint.address],
            sourcePorts: [endpoint.port],
            since: started.toISOString(),
            until: new Date(started.getTime() + ctx.config.pass.passTimeoutMs).toISOString(),
          }
        : null;
    const logStream = new HostLogStream({ identity, host });
    const snapshot = await collectHost(host, transport, previous, { clock: deps.clock, signal: ctx.signal, records: logStream.batchFor });
    if (identity) snapshot.monitorIdentity = { ...identity, until: deps.clock().toISOString() };
    return { snapshot, hostKey: transport.hostKey ?? null, findings: [], logStream };
  } catch (err) {
    const durationMs = deps.clock().getTime() - started.getTime();
    const snapshot = unreachableSnapshot(host.name, started, durationMs, [{ source: transport ? 'collect' : 'connect', message: errorMessage(err) }]);
    const change = findHostKeyChange(err);
    return { snapshot, hostKey: transport?.hostKey ?? null, findings: change ? [hostKeyChangedFinding(host, change)] : [], logStream: null };
  } finally {
    if (transport) await transport.close().catch(() => undefined);
  }
}

/** What the store knows of the host's templates: their hashes, and the passes and error rate of `log_rates`. */
function knownTemplatesOf(hashes: ReadonlySet<string>, previous: PreviousHostState): KnownTemplates {
  const rates = previous.baselines.log_rates as { passes?: unknown; errorsPerHour?: unknown } | undefined;
  const passes = typeof rates?.passes === 'number' && Number.isFinite(rates.passes) ? rates.passes : 0;
  const errorsPerHour = typeof rates?.errorsPerHour === 'number' && Number.isFinite(rates.errorsPerHour) ? rates.errorsPerHour : null;
  return { hashes, passes, errorsPerHour };
}

/** Hours from the previous pass to this one (the span its new log lines cover); null on a first pass. */
function hoursSince(lastRunAt: string | null, now: Date): number | null {
  const at = lastRunAt === null ? NaN : Date.parse(lastRunAt);
  return Number.isFinite(at) ? Math.max(0, (now.getTime() - at) / 3_600_000) : null;
}

export function notStarted(host: ResolvedHost, previous: PreviousHostState, ctx: HostContext): HostPassResult {
  return withUnreachable(failedResult(host, previous, 'not started: pass deadline reached before this host', 0), previous, ctx);
}

/** A failed result plus `host.unreachable` when this failure makes the streak long enough. */
export function withUnreachable(result: HostPassResult, previous: PreviousHostState, ctx: HostContext): HostPassResult {
  const at = ctx.deps.clock().toISOString();
  const finding = unreachableFinding(result.name, previous, { isFailed: true, error: result.error, at }, { secrets: ctx.config.secrets });
  return finding ? { ...result, findings: [...result.findings, finding] } : result;
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
export async function saveFailure(host: ResolvedHost, hostId: number, result: HostPassResult, ctx: HostContext): Promise<void> {
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
      findings: result.findings,
    }),
  );
}
