import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { Finding, HostPassResult, ResolvedHost, ScoreReason } from '../types.js';

/**
 * The results of a pass read back from the store, for the worker that finishes a sharded pass: each host was stored
 * by whichever worker ran it. Findings come without their evidence (the alert stage reads the evidence of what it
 * notifies, like a pass with compact results), and without changes or AI detail (the run output's, not the stages').
 * @returns one result per host, in the order of `hosts`; a host with no row in this run is absent (undefined).
 */
export async function loadPassResults(
  db: Kysely<Database>,
  runId: number,
  hosts: readonly ResolvedHost[],
  hostIds: ReadonlyMap<string, number>,
): Promise<Array<HostPassResult | undefined>> {
  const rows = await db
    .selectFrom('host_runs')
    .select(['id', 'host_id', 'status', 'error', 'score', 'previous_score', 'health', 'reasons', 'log_bytes_read', 'duration_ms', 'report_path'])
    .where('run_id', '=', runId)
    .execute();
  const findingRows = await db
    .selectFrom('findings')
    .select(['host_run_id', 'category', 'severity', 'rule_id', 'title', 'key', 'subject', 'count', 'recommendation'])
    .where('run_id', '=', runId)
    .orderBy('id')
    .execute();
  const findingsOf = new Map<number, Finding[]>();
  for (const f of findingRows) {
    const finding: Finding = { category: f.category as Finding['category'], severity: f.severity, ruleId: f.rule_id, title: f.title, key: f.key, count: f.count, evidence: [] };
    if (f.subject !== null) finding.subject = f.subject;
    if (f.recommendation !== null) finding.recommendation = f.recommendation;
    findingsOf.set(f.host_run_id, [...(findingsOf.get(f.host_run_id) ?? []), finding]);
  }
  // A host stored twice in one run cannot happen with leases; the latest row wins if it ever did.
  const byHost = new Map<number, (typeof rows)[number]>();
  for (const row of rows) if ((byHost.get(row.host_id)?.id ?? -1) < row.id) byHost.set(row.host_id, row);

  return hosts.map((host) => {
    const row = byHost.get(hostIds.get(host.name) ?? -1);
    if (!row) return undefined;
    return {
      name: host.name,
      site: host.site,
      status: row.status,
      error: row.error,
      score: row.score,
      previousScore: row.previous_score,
      health: row.health,
      reasons: JSON.parse(row.reasons) as ScoreReason[],
      findings: findingsOf.get(row.id) ?? [],
      logBytesRead: Number(row.log_bytes_read),
      durationMs: Number(row.duration_ms),
      reportPath: row.report_path,
    };
  });
}
