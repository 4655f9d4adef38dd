/**
 * A host's history for `dthostmon serve` (`/api/v1/hosts/:name/history`, the original's `/history/:id`): scores and
 * resources over the last N days, oldest first. Built for 90 days of hourly passes on 500 hosts (~1 M host runs):
 * index range scans, host_runs (host_id, started_at) and metrics (host_id, name, collected_at, label, value)
 * (migration 0009: the values come from the index alone), selecting only the columns shown; no per-run subquery.
 * Resources older than the raw metrics retention come from the hourly and daily rollups (metric-history.ts).
 */
import type { Kysely } from 'kysely';
import { metricHistory } from './metric-history.js';
import type { Database, HostRunRow } from './schema.js';

/** The SSH trend metrics the history shows (see metricRowsFromFacts). */
const RESOURCE_METRICS = ['cpu.used_percent', 'memory.used_percent', 'disk.used_percent'] as const;

export interface HistoryRun {
  id: number;
  startedAt: string;
  status: HostRunRow['status'];
  score: number | null;
  findingsCrit: number;
  findingsWarn: number;
  findingsInfo: number;
}

export interface HistoryResources {
  collectedAt: string;
  cpuPercent: number | null;
  memoryPercent: number | null;
  /** Mount point -> used percent. */
  disk: Record<string, number>;
}

/** The host's runs that started at or after `since`, oldest first. */
export async function historyRuns(db: Kysely<Database>, hostId: number, since: string): Promise<HistoryRun[]> {
  const rows = await db
    .selectFrom('host_runs')
    .select(['id', 'started_at', 'status', 'score', 'findings_crit', 'findings_warn', 'findings_info'])
    .where('host_id', '=', hostId)
    .where('started_at', '>=', since)
    .orderBy('started_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    startedAt: r.started_at,
    status: r.status,
    score: r.score,
    findingsCrit: r.findings_crit,
    findingsWarn: r.findings_warn,
    findingsInfo: r.findings_info,
  }));
}

/**
 * CPU, memory and disk use collected at or after `since`, one entry per collection time, oldest first: raw samples,
 * then (further back) the average of each hour or day at its start. Index range scans per metric name merged here;
 * the metrics of other sources (`prometheus:...`) are not read.
 */
export async function historyResources(db: Kysely<Database>, hostId: number, since: string): Promise<HistoryResources[]> {
  const rows = await metricHistory(db, { hostIds: [hostId], names: RESOURCE_METRICS, from: since, fromInclusive: true }).execute();
  const byTime = new Map<string, HistoryResources>();
  for (const row of rows) {
    let point = byTime.get(row.collected_at);
    if (!point) {
      point = { collectedAt: row.collected_at, cpuPercent: null, memoryPercent: null, disk: {} };
      byTime.set(row.collected_at, point);
    }
    const value = Number(row.value);
    if (row.name === 'cpu.used_percent') point.cpuPercent = value;
    else if (row.name === 'memory.used_percent') point.memoryPercent = value;
    else point.disk[row.label] = value;
  }
  // ISO-8601 UTC text of fixed width: string order is time order.
  return [...byTime.values()].sort((a, b) => (a.collectedAt < b.collectedAt ? -1 : a.collectedAt > b.collectedAt ? 1 : 0));
}
