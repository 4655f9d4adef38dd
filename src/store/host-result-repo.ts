import type { Kysely, Transaction } from 'kysely';
import type { SourceSummary } from '../analyze/metric-summary.js';
import { saveMetricSources } from './metric-sources-repo.js';
import type { AcceptedHostKey, Finding, HostAnalysis, HostRunStatus, HostSnapshot } from '../types.js';
import { appendAudit, type AuditInput } from './audit-repo.js';
import { chunk } from './chunk.js';
import {
  baselinesFromFacts,
  changeRow,
  countBySeverity,
  findingRow,
  metricRowsFromFacts,
  type HostRunRef,
} from './host-result-rows.js';
import type { Database, NewHostRunRow } from './schema.js';
import { saveSourceCursors } from './source-cursors-repo.js';
import { saveHostKeys } from './host-keys-repo.js';
import { saveTemplates, type SeenTemplate } from './log-templates-repo.js';
import { saveAiOutcome } from './ai-repo.js';
import type { AiOutcome } from '../analyze/llm/analyzer.js';

/** Everything one host produced in one pass. */
export interface SaveHostResultInput {
  runId: number;
  hostId: number;
  snapshot: HostSnapshot;
  /** Null when there was nothing to analyze. */
  analysis: HostAnalysis | null;
  status: HostRunStatus;
  /** One line explaining a failure or partial collection. */
  error: string | null;
  previousScore: number | null;
  reportPath: string | null;
  startedAt: string;
  finishedAt: string;
  /** Host keys the connection verified, pinned (or refreshed) in this transaction. */
  hostKeys?: readonly AcceptedHostKey[];
  /** Findings of a host that has no analysis (a failed host: `ssh.host_key_changed`), stored with its host run. */
  findings?: readonly Finding[];
  /** The log templates this pass saw (table log_templates) and the hashes stored before it. */
  logTemplates?: { seen: readonly SeenTemplate[]; known: ReadonlySet<string> };
  /** The host's log rates after this pass (baseline `log_rates`). */
  logRates?: unknown;
  /** What the AI stage did (its findings are already in `analysis.findings`). */
  ai?: AiOutcome;
  /** What the metrics sources said, summarized and redacted (table metric_sources). */
  metricSources?: readonly SourceSummary[];
  /** The host's audit rows (src/pass/audit-events.ts): in this transaction, so none describes a result not stored. */
  audit?: readonly AuditInput[];
  /** Runs first in the transaction; a throw rolls the whole write back (a sharded pass's lease check). */
  beforeSave?: (trx: Kysely<Database>, hostId: number) => Promise<void>;
}

/** 14 parameters a finding, 7 a metric: batches stay well inside every dialect's parameter limit. */
const FINDINGS_PER_STATEMENT = 200;
const METRICS_PER_STATEMENT = 400;
/** 14 parameters a change. */
const CHANGES_PER_STATEMENT = 200;

/**
 * Stores one host's result in ONE transaction: the host_runs row, then the state it advances (cursors, baselines
 * from the facts), its findings and metrics, hosts.last_seen when reachable, and its audit rows. Cursors move only
 * together with what was read, so if anything fails nothing is stored and the next pass reads the same lines again.
 * @returns the host_runs id.
 */
export async function saveHostResult(db: Kysely<Database>, input: SaveHostResultInput): Promise<number> {
  return db.transaction().execute(async (trx) => {
    await input.beforeSave?.(trx, input.hostId);
    const { snapshot } = input;
    const { id: hostRunId } = await trx
      .insertInto('host_runs')
      .values(hostRunRow(input))
      .returning('id')
      .executeTakeFirstOrThrow();
    const ref: HostRunRef = { hostId: input.hostId, runId: input.runId, hostRunId };

    await saveCursors(trx, input, hostRunId);
    await saveSourceCursors(trx, input.hostId, snapshot.sourceCursors ?? [], input.finishedAt, hostRunId);
    if (snapshot.facts) {
      await saveBaselines(trx, input, hostRunId);
      const metrics = metricRowsFromFacts(snapshot.facts, ref, snapshot.collectedAt);
      for (const batch of chunk(metrics, METRICS_PER_STATEMENT)) await trx.insertInto('metrics').values(batch).execute();
    }
    if (input.logTemplates) {
      await saveTemplates(trx, { hostId: input.hostId, hostRunId, at: input.finishedAt, ...input.logTemplates });
    }
    if (input.logRates !== undefined) await saveBaseline(trx, input, hostRunId, 'log_rates', input.logRates);
    for (const [kind, data] of Object.entries(input.analysis?.baselines ?? {})) await saveBaseline(trx, input, hostRunId, kind, data);
    const changes = input.analysis?.changes ?? [];
    for (const batch of chunk(changes, CHANGES_PER_STATEMENT)) {
      await trx.insertInto('changes').values(batch.map((c) => changeRow(c, ref, snapshot.collectedAt))).execute();
    }
    const findings = allFindings(input);
    await saveHostKeys(trx, input.hostId, input.hostKeys ?? [], input.finishedAt);
    for (const batch of chunk(findings, FINDINGS_PER_STATEMENT)) {
      await trx
        .insertInto('findings')
        .values(batch.map((finding) => findingRow(finding, ref, input.finishedAt)))
        .execute();
    }
    await saveFindingState(trx, input.hostId, findings, input.analysis !== null, snapshot.collectedAt);
    if (input.metricSources) await saveMetricSources(trx, ref, snapshot.collectedAt, input.metricSources);
    if (input.ai) await saveAiOutcome(trx, input.ai, { hostRunId, runId: input.runId, hostId: input.hostId, at: input.finishedAt });
    if (snapshot.reachable) {
      await trx.updateTable('hosts').set({ last_seen: snapshot.collectedAt }).where('id', '=', input.hostId).execute();
    }
    await appendAudit(trx, input.audit ?? []);
    return hostRunId;
  });
}

function allFindings(input: SaveHostResultInput): Finding[] {
  return [...(input.analysis?.findings ?? []), ...(input.findings ?? [])];
}

function hostRunRow(input: SaveHostResultInput): NewHostRunRow {
  const { snapshot, analysis } = input;
  // The counts are the rules' (the score's): AI findings are stored and shown, but do not move them.
  const counts = countBySeverity(allFindings(input).filter((f) => f.category !== 'ai.finding'));
  const durationMs = Date.parse(input.finishedAt) - Date.parse(input.startedAt);
  return {
    run_id: input.runId,
    host_id: input.hostId,
    started_at: input.startedAt,
    finished_at: input.finishedAt,
    status: input.status,
    error: input.error,
    score: analysis?.score ?? null,
    previous_score: input.previousScore,
    health: analysis?.status ?? null,
    reasons: JSON.stringify(analysis?.reasons ?? []),
    findings_crit: counts.crit,
    findings_warn: counts.warn,
    findings_info: counts.info,
    log_bytes_read: snapshot.logSources.reduce((sum, source) => sum + source.bytesRead, 0),
    log_lines_read: snapshot.logSources.reduce((sum, source) => sum + source.linesRead, 0),
    // The host's whole span (collect + analyze); the snapshot's own duration when the timestamps do not parse.
    duration_ms: Number.isFinite(durationMs) ? Math.max(0, durationMs) : snapshot.durationMs,
    report_path: input.reportPath,
    facts: snapshot.facts ? JSON.stringify(snapshot.facts) : null,
    log_sources: JSON.stringify(snapshot.logSources),
    failures: JSON.stringify(snapshot.failures),
  };
}

async function saveCursors(trx: Transaction<Database>, input: SaveHostResultInput, hostRunId: number): Promise<void> {
  for (const cursor of input.snapshot.cursors) {
    await trx
      .insertInto('cursors')
      .values({
        host_id: input.hostId,
        path: cursor.path,
        inode: cursor.inode,
        offset: cursor.offset,
        fingerprint: cursor.fingerprint,
        fingerprint_len: cursor.fingerprintLen,
        updated_at: input.finishedAt,
        host_run_id: hostRunId,
      })
      .onConflict((oc) =>
        oc.columns(['host_id', 'path']).doUpdateSet((eb) => ({
          inode: eb.ref('excluded.inode'),
          offset: eb.ref('excluded.offset'),
          fingerprint: eb.ref('excluded.fingerprint'),
          fingerprint_len: eb.ref('excluded.fingerprint_len'),
          updated_at: eb.ref('excluded.updated_at'),
          host_run_id: eb.ref('excluded.host_run_id'),
        })),
      )
      .execute();
  }
}

async function saveBaselines(trx: Transaction<Database>, input: SaveHostResultInput, hostRunId: number): Promise<void> {
  if (!input.snapshot.facts) return;
  for (const baseline of baselinesFromFacts(input.snapshot.facts)) await saveBaseline(trx, input, hostRunId, baseline.kind, baseline.data);
}

async function saveBaseline(trx: Transaction<Database>, input: SaveHostResultInput, hostRunId: number, kind: string, data: unknown): Promise<void> {
  await trx
    .insertInto('baselines')
    .values({ host_id: input.hostId, kind, data: JSON.stringify(data), updated_at: input.finishedAt, host_run_id: hostRunId })
    .onConflict((oc) =>
      oc.columns(['host_id', 'kind']).doUpdateSet((eb) => ({
        data: eb.ref('excluded.data'),
        updated_at: eb.ref('excluded.updated_at'),
        host_run_id: eb.ref('excluded.host_run_id'),
      })),
    )
    .execute();
}

/**
 * Opens, refreshes and resolves the host's open items (table finding_state): a finding seen again keeps its first
 * time and counts a pass; one not seen any more by a pass that analysed the host is resolved. A host that could not
 * be analysed (unreachable) resolves nothing: not looking is not "gone".
 */
async function saveFindingState(trx: Transaction<Database>, hostId: number, findings: readonly Finding[], analysed: boolean, at: string): Promise<void> {
  const seen = new Set<string>();
  for (const f of findings) {
    if (seen.has(f.key)) continue;
    seen.add(f.key);
    await trx
      .insertInto('finding_state')
      .values({ host_id: hostId, key: f.key, category: f.category, severity: f.severity, title: f.title.slice(0, 500), first_seen: f.since ?? at, last_seen: at, passes: f.passes ?? 1, resolved_at: null })
      .onConflict((oc) =>
        oc.columns(['host_id', 'key']).doUpdateSet((eb) => ({
          category: eb.ref('excluded.category'),
          severity: eb.ref('excluded.severity'),
          title: eb.ref('excluded.title'),
          first_seen: eb.ref('excluded.first_seen'),
          last_seen: eb.ref('excluded.last_seen'),
          passes: eb.ref('excluded.passes'),
          resolved_at: null,
        })),
      )
      .execute();
  }
  if (!analysed) return;
  const open = await trx.selectFrom('finding_state').select(['id', 'key']).where('host_id', '=', hostId).where('resolved_at', 'is', null).execute();
  const gone = open.filter((row) => !seen.has(row.key)).map((row) => row.id);
  for (const ids of chunk(gone, 500)) await trx.updateTable('finding_state').set({ resolved_at: at }).where('id', 'in', ids).execute();
}
