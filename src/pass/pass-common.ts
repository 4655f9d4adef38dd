/**
 * What an ordinary pass (src/run-pass.ts) and a worker of a sharded pass (src/pass/shard.ts) share: the host context,
 * one host with its failure handling, the stages after the hosts, and the run's final record.
 */
import type { LoadedConfig } from '../config/types.js';
import type { createRenderer } from '../report/render.js';
import { connectWithRetry, sleepUnlessAborted } from '../collect/connect-with-retry.js';
import type { Kysely } from 'kysely';
import { finishRun } from '../store/runs-repo.js';
import { loadPreviousState } from '../store/state-repo.js';
import { loadHostKeys } from '../store/host-keys-repo.js';
import type { Database } from '../store/schema.js';
import { appendAudit } from '../store/audit-repo.js';
import { DthostmonError, StoreError, errorMessage } from '../errors.js';
import { failedResult } from './host-results.js';
import { runHostUnderDeadline, saveFailure, withUnreachable, type HostContext } from './run-host.js';
import { runAlertStage } from './alert-stage.js';
import { runDeliveryStage } from './delivery-stage.js';
import { runReportStage } from './report-stage.js';
import { LlmAnalyzer } from '../analyze/llm/analyzer.js';
import { createProviders } from '../analyze/llm/providers/index.js';
import { createAiCache } from '../store/ai-repo.js';
import { LeaseLostError } from '../store/lease-repo.js';
import { runRetentionIfDue } from '../store/retention.js';
import type { DeliveryOutcome, HostPassResult, PassResult, PassRetention, ResolvedHost } from '../types.js';
import type { PassDeps } from '../run-pass.js';
import type { PreviousHostState } from '../types.js';

type Renderer = ReturnType<typeof createRenderer>;

/** Every host's state after the previous pass, with the host keys pinned for it. */
export async function loadPreviousWithKeys(db: Kysely<Database>, ids: ReadonlyMap<string, number>): Promise<Map<string, PreviousHostState>> {
  const state = await loadPreviousState(db, ids);
  const pins = await loadHostKeys(db, [...ids.values()]);
  for (const [name, id] of ids) {
    const hostState = state.get(name);
    const keys = pins.get(id);
    if (hostState && keys) hostState.hostKeys = keys;
  }
  return state;
}

/** The context every host of a pass shares; `close()` stops what the AI stage started (an OpenCode server). */
export function createHostContext(
  config: LoadedConfig,
  deps: PassDeps,
  pass: { runId: number; renderer: Renderer; signal: AbortSignal; deadlineAt: number; actor: string; beforeSave?: HostContext['beforeSave'] },
): HostContext & { close: () => Promise<void> } {
  const connect = connectWithRetry(deps.createTransport, {
    attempts: config.pass.retryAttempts + 1,
    backoffMs: config.pass.retryBackoffMs,
    sleep: sleepUnlessAborted,
  });
  // The LLM explains what the rules found; a provider that is down or slow never fails the pass (NR-REL-002).
  const ai = config.ai.enabled
    ? new LlmAnalyzer(config.ai, createProviders(config.ai.providers, { ...deps.llm, onNote: deps.llm?.onNote ?? deps.onWarning }), {
        clock: deps.clock,
        cache: createAiCache(deps.store.db),
        ...(deps.onWarning ? { onNote: deps.onWarning } : {}),
      })
    : null;
  return {
    config,
    deps,
    runId: pass.runId,
    renderer: pass.renderer,
    signal: pass.signal,
    connect,
    ai,
    deadlineAt: pass.deadlineAt,
    actor: pass.actor,
    ...(pass.beforeSave ? { beforeSave: pass.beforeSave } : {}),
    close: async () => {
      await ai?.close();
    },
  };
}

/** One host's outcome: its result, or the store failure that must end the pass, or a lease another worker took. */
export type HostOutcome = { result: HostPassResult } | { fatal: unknown } | { lost: LeaseLostError };

/**
 * Runs one host and stores its result. A bug in one host's analysis fails that host (its cursors stay, so nothing is
 * lost) and the pass goes on; a store failure is returned as `fatal` for the caller to stop the pass with.
 */
export async function runOneHost(host: ResolvedHost, hostId: number, previous: PreviousHostState, ctx: HostContext): Promise<HostOutcome> {
  try {
    return { result: await runHostUnderDeadline(host, hostId, previous, ctx) };
  } catch (err) {
    if (err instanceof LeaseLostError) return { lost: err };
    if (err instanceof StoreError) return { fatal: err };
    const result = withUnreachable(failedResult(host, previous, `internal error: ${errorMessage(err)}`, 0), previous, ctx);
    try {
      await saveFailure(host, hostId, result, ctx);
      return { result };
    } catch (storeErr) {
      if (storeErr instanceof LeaseLostError) return { lost: storeErr };
      return { fatal: storeErr };
    }
  }
}

/**
 * The result with its findings' evidence left out (it is in the store, under the same finding keys), and its changes
 * without their before/after contents (in the store's `changes` rows).
 */
export function withoutEvidence(result: HostPassResult): HostPassResult {
  const compact: HostPassResult = { ...result, findings: result.findings.map((finding) => ({ ...finding, evidence: [] })) };
  if (result.changes) compact.changes = result.changes.map(({ before: _before, after: _after, ...change }) => change);
  return compact;
}

/** A store operation outside a host's own write: any failure is a StoreError (exit 3); our typed errors pass. */
export async function storeStep<T>(what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (err instanceof DthostmonError) throw err;
    throw new StoreError(`cannot ${what}: ${errorMessage(err)}`, { cause: err });
  }
}

/** One line for the whole pass when the AI stage could not serve some hosts (not one per host: 500 hosts, one outage). */
export function noteAiProblems(results: readonly HostPassResult[], deps: PassDeps): void {
  for (const status of ['unavailable', 'skipped'] as const) {
    const hit = results.filter((r) => r?.ai?.status === status);
    if (hit.length === 0) continue;
    const what = status === 'unavailable' ? 'AI unavailable' : 'AI skipped';
    deps.onWarning?.(`${what} for ${hit.length} of ${results.length} host(s), rules-only results: ${hit[0]?.ai?.reason ?? 'no reason given'}`);
  }
}

/** What the stages after the hosts get. */
export interface AfterHosts {
  runId: number;
  renderer: Renderer;
  hosts: readonly ResolvedHost[];
  results: readonly HostPassResult[];
  hostIds: ReadonlyMap<string, number>;
  /** Hosts collected for the first time by this pass: their log events are history, not alerts. */
  firstLook: ReadonlySet<string>;
  /** Who is recorded in the audit trail (`run`, `worker:<id>`). */
  actor: string;
}

/** The alert stage, then delivery of everything due in the outbox. A store failure is a StoreError (exit 3). */
export async function deliverStages(config: LoadedConfig, deps: PassDeps, pass: AfterHosts): Promise<DeliveryOutcome> {
  const alerts = await storeStep('record the alerts', () =>
    runAlertStage({ config, store: deps.store, renderer: pass.renderer, runId: pass.runId, now: deps.clock(), hosts: pass.hosts, results: pass.results, hostIds: pass.hostIds, firstLook: pass.firstLook, actor: pass.actor }),
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
      actor: pass.actor,
      ...(deps.onWarning ? { onWarning: deps.onWarning } : {}),
    }),
  );
  const report = await storeStep('deliver the outbox', () => runDeliveryStage(config, deps.store, deps.clock, deps.senders, pass.actor));
  for (const dead of report.dead) deps.onWarning?.(`gave up delivering ${dead.channel} "${dead.subject}" (outbox id ${dead.id}): ${dead.error}`);
  if (alerts.unrouted.length > 0) {
    deps.onWarning?.(`${alerts.unrouted.length} alert(s) have no recipient: set email.alert_recipients (or alerts.recipients) to receive them`);
  }
  await storeStep('audit the delivery', () =>
    appendAudit(deps.store.db, [
      {
        at: deps.clock().toISOString(),
        actor: pass.actor,
        action: 'delivery.finished',
        runId: pass.runId,
        detail: { queued: alerts.queued, notified: alerts.notified, muted: alerts.muted.length, sent: report.sent, failed: report.failed, dead: report.dead.length },
      },
      // A message given up on is in the append-only audit trail, not only in one run's output.
      ...report.dead.map((dead) => ({
        at: deps.clock().toISOString(),
        actor: pass.actor,
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

/** The run's final row and its audit event. */
export async function recordPassFinished(
  deps: PassDeps,
  pass: { runId: number; startedAt: Date; finishedAt: Date; status: PassResult['status']; ok: number; failed: number; actor: string },
): Promise<void> {
  await storeStep('finish the run', async () => {
    await finishRun(deps.store.db, pass.runId, {
      finishedAt: pass.finishedAt.toISOString(),
      status: pass.status,
      hostsOk: pass.ok,
      hostsFailed: pass.failed,
      durationMs: pass.finishedAt.getTime() - pass.startedAt.getTime(),
    });
    await appendAudit(deps.store.db, [
      { at: pass.finishedAt.toISOString(), actor: pass.actor, action: 'pass.finished', runId: pass.runId, detail: { status: pass.status, ok: pass.ok, failed: pass.failed } },
    ]);
  });
}

/**
 * Retention after a finished pass, when due (at most once a day, one process at a time: src/store/retention.ts).
 * Its failure never fails the pass that was stored: it is a warning, and the next pass tries again.
 */
export async function retentionAfterPass(config: LoadedConfig, deps: PassDeps): Promise<PassRetention | undefined> {
  try {
    const summary = await runRetentionIfDue(deps.store, config, { now: deps.clock(), ...(deps.onWarning ? { onWarning: deps.onWarning } : {}) });
    if (!summary) return undefined;
    const total = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);
    return {
      archivedRows: total(summary.archivedRows),
      deletedRows: total(summary.deletedRows),
      rolledUp: summary.rolledUp.hourly + summary.rolledUp.daily,
      archiveFiles: summary.archiveFiles,
      durationMs: summary.durationMs,
    };
  } catch (err) {
    deps.onWarning?.(`retention: ${errorMessage(err)} (the pass is stored; the next pass tries again)`);
    return undefined;
  }
}
