/**
 * The response shapes of the original dthostmon's API (its section 5.2), built from our store, so scripts written
 * for it keep working: `monitoring_runs` rows become host runs, `detected_changes` become our changes.
 * Timestamps are naive UTC ISO-8601 like the original's (`2026-03-01T10:00:05.000`, no `Z`): Python's
 * `datetime.fromisoformat` before 3.11 refuses the `Z`.
 */
import type { ApiHost, ApiHostRun } from '../../store/api-hosts-repo.js';
import type { ChangeRow } from '../../store/schema.js';
import { changeSeverity } from '../../analyze/changes/findings.js';
import type { Change } from '../../types.js';

/** Our ISO text without the `Z`, as the original wrote its naive UTC datetimes. */
export function naive(iso: string | null): string | null {
  return iso === null ? null : iso.replace(/Z$/, '');
}

/** The original's run status: `success`, `partial`, `failed`. */
export function legacyStatus(status: ApiHostRun['status']): string {
  return status === 'ok' ? 'success' : status;
}

/** The original's alert level from the finding counts of a run. */
function alertLevel(run: ApiHostRun): 'CRITICAL' | 'WARN' | 'INFO' {
  return run.findings_crit > 0 ? 'CRITICAL' : run.findings_warn > 0 ? 'WARN' : 'INFO';
}

/** `/hosts` item. */
export function legacyHost(host: ApiHost) {
  return { id: host.id, name: host.name, hostname: host.hostname, site: host.site, enabled: host.enabled, last_seen: naive(host.lastSeen), tags: host.tags };
}

/**
 * `/results/:id` item. `anomalies_detected` is the number of findings of the run (the original counted the AI's
 * anomalies), `execution_time` is in seconds like the original's.
 */
export function legacyResult(run: ApiHostRun, hostName: string, changes: number) {
  return {
    id: run.id,
    host_name: hostName,
    run_date: naive(run.started_at),
    status: legacyStatus(run.status),
    health_score: run.score,
    anomalies_detected: run.findings_crit + run.findings_warn + run.findings_info,
    changes_detected: changes,
    alert_level: alertLevel(run),
    execution_time: run.duration_ms / 1000,
  };
}

/** `/changes/:run_id` item: an expected change is `info`; otherwise the severity the change rules give it. */
export function legacyChange(row: ChangeRow) {
  const change: Change = {
    kind: row.kind as Change['kind'],
    action: row.action,
    subject: row.subject,
    detail: row.detail,
    before: row.before,
    after: row.after,
    expected: row.expected === 1,
    reason: row.reason,
    category: row.category as Change['category'],
  };
  const severity = change.expected ? 'info' : safeSeverity(change);
  return {
    id: row.id,
    change_type: row.kind,
    action: row.action,
    subject: row.subject,
    severity,
    description: `${row.subject}: ${row.detail}`,
    expected: change.expected,
    detected_at: naive(row.detected_at),
  };
}

/** A kind this version does not know (a newer pass wrote it) is `info` rather than a 500. */
function safeSeverity(change: Change): string {
  try {
    return changeSeverity(change) ?? 'info';
  } catch {
    return 'info';
  }
}
