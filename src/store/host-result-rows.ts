import type { Change, Finding, HostFacts } from '../types.js';
import type { NewChangeRow, NewFindingRow, NewMetricRow } from './schema.js';

/** Where a host result's rows belong. */
export interface HostRunRef {
  hostId: number;
  runId: number;
  hostRunId: number;
}

/**
 * The narrow trend metrics of one snapshot: cpu.used_percent (when measured), memory.used_percent, load.1/5/15 and,
 * per mount (the label), disk.used_percent, disk.used_bytes and disk.size_bytes. Non-finite values are left out:
 * a trend point that is not a number is worse than a missing one.
 */
export function metricRowsFromFacts(facts: HostFacts, ref: HostRunRef, collectedAt: string): NewMetricRow[] {
  const rows: NewMetricRow[] = [];
  const add = (name: string, value: number, label = ''): void => {
    if (Number.isFinite(value)) {
      rows.push({ host_id: ref.hostId, host_run_id: ref.hostRunId, collected_at: collectedAt, name, label, value });
    }
  };
  if (facts.cpu.usedPercent !== null) add('cpu.used_percent', facts.cpu.usedPercent);
  // A fact that was not collected is no metric at all, never a 0 in the trend.
  if (facts.memory) add('memory.used_percent', facts.memory.usedPercent);
  if (facts.load) {
    add('load.1', facts.load.one);
    add('load.5', facts.load.five);
    add('load.15', facts.load.fifteen);
  }
  for (const disk of facts.disks ?? []) {
    add('disk.used_percent', disk.usedPercent, disk.mount);
    add('disk.used_bytes', disk.usedBytes, disk.mount);
    add('disk.size_bytes', disk.sizeBytes, disk.mount);
  }
  return rows;
}

export function findingRow(finding: Finding, ref: HostRunRef, createdAt: string): NewFindingRow {
  return {
    host_run_id: ref.hostRunId,
    run_id: ref.runId,
    host_id: ref.hostId,
    category: finding.category,
    severity: finding.severity,
    rule_id: finding.ruleId,
    title: finding.title,
    key: finding.key,
    subject: finding.subject ?? null,
    count: finding.count,
    evidence: JSON.stringify(finding.evidence),
    recommendation: finding.recommendation ?? null,
    created_at: createdAt,
  };
}

/**
 * The baselines a snapshot's facts replace: `facts` (everything but the user list) and `users` (the passwd list).
 * A user list that could not be read keeps the previous baseline: an empty one would look like every user removed.
 */
export function baselinesFromFacts(facts: HostFacts): Array<{ kind: string; data: unknown }> {
  const { users, ...rest } = facts;
  const baselines: Array<{ kind: string; data: unknown }> = [{ kind: 'facts', data: rest }];
  if (users !== null) baselines.push({ kind: 'users', data: users });
  return baselines;
}

/** Findings per severity, for the host_runs summary columns. */
export function countBySeverity(findings: readonly Finding[]): { crit: number; warn: number; info: number } {
  const counts = { crit: 0, warn: 0, info: 0 };
  for (const finding of findings) counts[finding.severity] += 1;
  return counts;
}

export function changeRow(change: Change, ref: HostRunRef, detectedAt: string): NewChangeRow {
  return {
    host_id: ref.hostId,
    host_run_id: ref.hostRunId,
    run_id: ref.runId,
    kind: change.kind,
    action: change.action,
    subject: change.subject,
    category: change.category,
    detail: change.detail,
    before: change.before ?? null,
    after: change.after ?? null,
    expected: change.expected ? 1 : 0,
    reason: change.reason,
    changed_at: change.at ?? null,
    detected_at: detectedAt,
  };
}
