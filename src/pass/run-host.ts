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
import { LeaseLostError } from '../store/lease-repo.js';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { StoreError, errorMessage } from '../errors.js';
import { withDeadline, type Fence } from './deadline.js';
import { DEFAULT_ACTOR, hostAuditRows, type AuditRef, type TimedConnection } from './audit-events.js';
import { failedResult, findHostKeyChange, hostKeyChangedFinding, unreachableSnapshot } from './host-results.js';
import type { PassDeps } from '../run-pass.js';
import type { AiOutcome, LlmAnalyzer } from '../analyze/llm/analyzer.js';
import { loadAiMemory } from '../store/ai-repo.js';
import { collectMetrics } from '../collect/metrics/collect-metrics.js';
import { summarizeSources } from '../analyze/metric-summary.js';
import { metricTrends } from '../analyze/metric-trends.js';
import { createRedactor } from '../analyze/redact.js';
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
  /** The AI stage, when `ai` is configured. */
  ai: LlmAnalyzer | null;
  /** When the pass deadline fires (epoch ms): AI calls end early enough for the host's own store write. */
  deadlineAt: number;
  /**
   * Runs first inside each host's store transaction (a sharded pass: mark the host's lease done, or throw
   * LeaseLostError so the write rolls back because another worker holds the host now).
   */
  beforeSave?: (trx: Kysely<Database>, hostId: number) => Promise<void>;
  /** Who the audit rows name (`run`, `serve`, `worker:<id>`); default `run`. */
  actor?: string;
}

/** AI calls stop this long before the pass deadline, so the host's result is still stored. */
const AI_DEADLINE_MARGIN_MS = 10_000;

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
  // The metrics sources are read while SSH collects: neither waits for the other, and neither's failure loses the other.
  const metricsJob = host.metrics ? collectMetrics(host, { clock: deps.clock, signal: ctx.signal, env: config.credentials, ...(deps.createMetricsHttp ? { createHttp: deps.createMetricsHttp } : {}) }) : null;
  const { snapshot, hostKey, findings: trustFindings, logStream, connection } = await collect(host, previous, ctx, started);
  if (metricsJob) snapshot.metrics = await metricsJob;
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

  const ai = analysis ? await analyzeWithAi(host, hostId, snapshot, analysis, previous, ctx) : undefined;

  // What the metrics sources said, summarized and redacted: for the report, the store and the API.
  const metricSources =
    snapshot.metrics && snapshot.metrics.length > 0
      ? summarizeSources(snapshot.metrics, analysis?.metrics?.trends ?? metricTrends(snapshot.metrics), createRedactor(config.secrets))
      : undefined;

  let content: string | null = null;
  if (analysis) {
    const model = buildHostReportModel({ host, snapshot, analysis, previous, generatedAt: deps.clock(), ...(ai ? { ai } : {}), ...(metricSources ? { metricSources } : {}) });
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
      ...(ctx.beforeSave ? { beforeSave: ctx.beforeSave } : {}),
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
      ...(ai ? { ai } : {}),
      ...(metricSources ? { metricSources } : {}),
      audit: hostAuditRows(
        host,
        connection,
        { name: host.name, status, error, score: analysis?.score ?? null, health: analysis?.status ?? null, findings: [...passFindings, ...(analysis?.findings ?? [])], ...(ai ? { ai: aiSummary(ai) } : {}) },
        auditRef(ctx, hostId, finished),
        config.secrets,
      ),
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
    ...(ai ? { ai: aiSummary(ai) } : {}),
  };
}

/**
 * The AI stage for one analyzed host: its verified findings join the analysis (after the score was computed, so
 * they never move it). Whatever goes wrong here, the host's rule result stands.
 */
async function analyzeWithAi(
  host: ResolvedHost,
  hostId: number,
  snapshot: HostSnapshot,
  analysis: HostAnalysis,
  previous: PreviousHostState,
  ctx: HostContext,
): Promise<AiOutcome | undefined> {
  if (!ctx.ai) return undefined;
  const { deps, config } = ctx;
  const remainingMs = ctx.deadlineAt - deps.clock().getTime() - AI_DEADLINE_MARGIN_MS;
  const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(Math.max(0, remainingMs))]);
  try {
    const memory = await store(host, () => loadAiMemory(deps.store.db, hostId, deps.clock()));
    const outcome = await ctx.ai.analyze({ host, facts: snapshot.facts, analysis, memory, secrets: config.secrets, signal });
    if (outcome.answer && outcome.answer.findings.length > 0) {
      const findings = outcome.answer.findings.map((f) => ({ ...f, evidence: f.evidence.map((e) => ({ ...e, ...(e.lines ? { lines: [...e.lines] } : {}) })) }));
      markOpenSince(findings, previous, snapshot.collectedAt);
      analysis.findings.push(...findings);
    }
    return outcome;
  } catch (err) {
    if (err instanceof StoreError) throw err;
    deps.onWarning?.(`${host.name}: AI analysis failed, rules-only result: ${errorMessage(err)}`);
    return undefined;
  }
}

function aiSummary(ai: AiOutcome): NonNullable<HostPassResult['ai']> {
  return {
    status: ai.status,
    provider: ai.provider,
    model: ai.model,
    reason: ai.reason,
    llmScore: ai.answer?.healthScore ?? null,
    findings: ai.answer?.findings.length ?? 0,
    droppedClaims: ai.answer?.droppedClaims ?? 0,
    calls: ai.calls.length,
    tokensIn: ai.calls.reduce((n, c) => n + (c.tokensIn ?? 0), 0),
    tokensOut: ai.calls.reduce((n, c) => n + (c.tokensOut ?? 0), 0),
    costUsd: ai.calls.reduce((n, c) => n + (c.costUsd ?? 0), 0),
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
  /** What connecting came to, for the audit trail. */
  connection: TimedConnection;
}

/**
 * Connect (with the host's pinned keys) and collect; a connection failure becomes an unreachable snapshot, a changed
 * host key also a crit finding. The transport is always closed.
 */
async function collect(host: ResolvedHost, previous: PreviousHostState, ctx: HostContext, started: Date): Promise<Collected> {
  const { deps } = ctx;
  let transport: Transport | null = null;
  let attempts = 1;
  const ended = (hostKey: TimedConnection['hostKey'], error: string | null): TimedConnection => ({ at: deps.clock().toISOString(), attempts, hostKey, error });
  let connection: TimedConnection | null = null;
  try {
    transport = await ctx.connect(host, ctx.signal, { pinnedHostKeys: previous.hostKeys ?? [], onAttempt: (n) => (attempts = n) });
    connection = ended(transport.hostKey ?? null, null);
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
    return { snapshot, hostKey: transport.hostKey ?? null, findings: [], logStream, connection };
  } catch (err) {
    const durationMs = deps.clock().getTime() - started.getTime();
    const snapshot = unreachableSnapshot(host.name, started, durationMs, [{ source: transport ? 'collect' : 'connect', message: errorMessage(err) }]);
    const change = findHostKeyChange(err);
    connection ??= ended(change ? { algorithm: change.algorithm, fingerprint: change.presented } : null, errorMessage(err));
    return { snapshot, hostKey: transport?.hostKey ?? null, findings: change ? [hostKeyChangedFinding(host, change)] : [], logStream: null, connection };
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
    if (err instanceof LeaseLostError) throw err;
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
      ...(ctx.beforeSave ? { beforeSave: ctx.beforeSave } : {}),
      snapshot: unreachableSnapshot(host.name, now, result.durationMs, [{ source: 'pass', message: result.error ?? 'failed' }]),
      analysis: null,
      status: 'failed',
      error: result.error,
      previousScore: result.previousScore,
      reportPath: null,
      startedAt: now.toISOString(),
      finishedAt: now.toISOString(),
      findings: result.findings,
      audit: hostAuditRows(host, null, result, auditRef(ctx, hostId, now), ctx.config.secrets),
    }),
  );
}

/** The audit rows of one host of this pass. */
function auditRef(ctx: HostContext, hostId: number, at: Date): AuditRef {
  return { actor: ctx.actor ?? DEFAULT_ACTOR, at: at.toISOString(), runId: ctx.runId, hostId };
}
