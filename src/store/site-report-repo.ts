import type { Kysely } from 'kysely';
import type { HealthStatus, HostRunStatus } from '../types.js';
import type { Database } from './schema.js';
import type { SourceSummary } from '../analyze/metric-summary.js';
import { loadLatestMetricSources } from './metric-sources-repo.js';
import {
  aiCostRows,
  averageRows,
  changeCountRows,
  criticalFindingRows,
  diskTrendRows,
  latestDiskRows,
  latestRunRows,
  latestScoreRows,
  recentChangeRows,
  runSummaries,
} from './site-report-queries.js';

export { RECENT_CHANGES_PER_HOST } from './site-report-queries.js';

/** What a site report covers. */
export interface SiteReportQuery {
  /** name -> host id (as syncHosts returns them): the hosts of the site. */
  hostIds: ReadonlyMap<string, number>;
  /** Start of the period (inclusive). */
  since: Date;
  /** End of the period (inclusive), normally the report time. */
  until: Date;
  /** How far before `until` the disk trend reaches, in days (default 7, whatever the period). */
  trendDays?: number;
}

/** The latest host run of the period. */
export interface SiteHostRun {
  id: number;
  startedAt: string;
  status: HostRunStatus;
  /** One line explaining a failure or partial collection. */
  error: string | null;
  score: number | null;
  health: HealthStatus | null;
  findings: { crit: number; warn: number; info: number };
}

/** A critical finding of the period, one per key however many passes reported it. */
export interface SiteCriticalFinding {
  key: string;
  category: string;
  /** The title of its latest occurrence (titles carry counts that change from pass to pass). */
  title: string;
  subject: string | null;
  recommendation: string | null;
  /** Passes of the period that reported it. */
  passes: number;
  firstSeen: string;
  lastSeen: string;
  /** Reported by the host's latest run of the period, i.e. still open when the period ended. */
  isInLatestRun: boolean;
}

/** A change of the period, as the "recent activity" lines show it. */
export interface SiteChange {
  kind: string;
  action: 'added' | 'removed' | 'changed';
  subject: string;
  detail: string;
  expected: boolean;
  reason: string | null;
  detectedAt: string;
}

/** One mount at the host's latest collection of the period that had disk facts. */
export interface SiteDisk {
  mount: string;
  usedPercent: number;
  /** Null when the row is missing (never in data written by saveHostResult). */
  usedBytes: number | null;
  sizeBytes: number | null;
  at: string;
}

/** One point of a mount's trend (the last sample of each hour). */
export interface SiteDiskSample {
  at: string;
  usedBytes: number;
  sizeBytes: number;
}

/** Everything the site report needs about one host, read from the store. */
export interface SiteHostData {
  name: string;
  hostId: number;
  /** Start of the latest host run that reached the host, at any time up to `until` (null: never reached). */
  lastSeen: string | null;
  /** Host runs in the period, and how many of them failed. */
  runs: number;
  failedRuns: number;
  latestRun: SiteHostRun | null;
  /** The latest score of the period (a failed run has none, so it may be older than latestRun). */
  latestScore: { score: number; at: string } | null;
  /** Averages of the measured samples of the period; null when none was measured (never a 0). */
  cpu: { averagePercent: number; samples: number } | null;
  memory: { averagePercent: number; samples: number } | null;
  disks: SiteDisk[];
  /** Mount -> samples of the trend window, oldest first. */
  diskTrend: Record<string, SiteDiskSample[]>;
  criticalFindings: SiteCriticalFinding[];
  changes: {
    total: number;
    unexpected: number;
    /** Kind -> total and unexpected changes of that kind. */
    byKind: Record<string, { total: number; unexpected: number }>;
    /** The most recent changes, unexpected first (at most RECENT_CHANGES_PER_HOST). */
    recent: SiteChange[];
  };
  /** The host's AI calls of the period; null when the LLM was never called for it. */
  aiCost: SiteAiCost | null;
  /** The metrics sources of the host's latest pass (up to `until`) that had any; null without sources. */
  metricSources?: { collectedAt: string; sources: SourceSummary[] } | null;
}

/** A host's AI calls over the period. */
export interface SiteAiCost {
  calls: number;
  /** Sum of the known costs, USD. */
  costUsd: number;
  /** Answered calls without a price (no `ai.prices` entry for the model): the host cost more than `costUsd`. */
  unpricedCalls: number;
}

/** The stored data of one site report, as loadSiteReportData reads it (plain data: JSON-serializable). */
export interface SiteReportData {
  since: string;
  until: string;
  /** Where the disk trend starts. */
  trendSince: string;
  /** One entry per requested host, in the order of `hostIds`. */
  hosts: SiteHostData[];
}

const DAY_MS = 86_400_000;

/** A host with nothing stored in the period (hostId -1: not in the store at all). */
export function emptyHost(name: string, hostId = -1): SiteHostData {
  return {
    name,
    hostId,
    lastSeen: null,
    runs: 0,
    failedRuns: 0,
    latestRun: null,
    latestScore: null,
    cpu: null,
    memory: null,
    disks: [],
    diskTrend: {},
    criticalFindings: [],
    changes: { total: 0, unexpected: 0, byKind: {}, recent: [] },
    aiCost: null,
    metricSources: null,
  };
}

/**
 * Reads the data of one site report in eleven queries, whatever the number of hosts: per host the run summary and
 * last time seen, the latest run and latest score of the period, CPU and memory averages, the disks of the latest
 * collection, an hourly disk trend, the critical findings (one per key), the changes (counts by kind, the most
 * recent few), the AI calls' cost and the metrics sources of each host's latest pass. Timestamps are ISO text, so the period bounds compare as text on both dialects.
 */
export async function loadSiteReportData(db: Kysely<Database>, query: SiteReportQuery): Promise<SiteReportData> {
  const since = query.since.toISOString();
  const until = query.until.toISOString();
  const trendSince = new Date(query.until.getTime() - (query.trendDays ?? 7) * DAY_MS).toISOString();
  const byId = new Map<number, SiteHostData>();
  for (const [name, id] of query.hostIds) byId.set(id, emptyHost(name, id));
  const data: SiteReportData = { since, until, trendSince, hosts: [...byId.values()] };
  const ids = [...byId.keys()];
  if (ids.length === 0) return data;
  const range = { ids, since, until };
  const [summaries, latestRuns, latestScores, averages, disks, trend, findings, changeCounts, recent, aiCosts, sources] = await Promise.all([
    runSummaries(db, range),
    latestRunRows(db, range),
    latestScoreRows(db, range),
    averageRows(db, range),
    latestDiskRows(db, range),
    diskTrendRows(db, { ...range, since: trendSince }),
    criticalFindingRows(db, range),
    changeCountRows(db, range),
    recentChangeRows(db, range),
    aiCostRows(db, range),
    loadLatestMetricSources(db, ids, until),
  ]);
  const host = (id: number): SiteHostData => byId.get(id) as SiteHostData;
  for (const row of summaries) {
    Object.assign(host(row.host_id), { lastSeen: row.last_seen ?? null, runs: Number(row.runs ?? 0), failedRuns: Number(row.failed_runs ?? 0) });
  }
  for (const row of latestRuns) {
    host(row.host_id).latestRun = {
      id: row.id,
      startedAt: row.started_at,
      status: row.status,
      error: row.error,
      score: row.score,
      health: row.health,
      findings: { crit: row.findings_crit, warn: row.findings_warn, info: row.findings_info },
    };
  }
  for (const row of latestScores) host(row.host_id).latestScore = { score: Number(row.score), at: row.started_at };
  for (const row of averages) {
    const value = { averagePercent: Number(row.average), samples: Number(row.samples) };
    if (row.name === 'cpu.used_percent') host(row.host_id).cpu = value;
    else host(row.host_id).memory = value;
  }
  attachDisks(host, disks);
  for (const row of trend) attachTrendRow(host(row.host_id).diskTrend, row);
  for (const h of data.hosts) dropUnpairedSamples(h.diskTrend);
  for (const row of findings) {
    const h = host(row.host_id);
    h.criticalFindings.push({
      key: row.key,
      category: row.category,
      title: row.title,
      subject: row.subject,
      recommendation: row.recommendation,
      passes: Number(row.passes),
      firstSeen: row.first_seen,
      lastSeen: row.created_at,
      isInLatestRun: h.latestRun?.id === row.host_run_id,
    });
  }
  for (const row of changeCounts) {
    const changes = host(row.host_id).changes;
    const count = Number(row.count);
    const kind = (changes.byKind[row.kind] ??= { total: 0, unexpected: 0 });
    kind.total += count;
    changes.total += count;
    if (row.expected === 0) {
      kind.unexpected += count;
      changes.unexpected += count;
    }
  }
  for (const row of recent) {
    host(row.host_id).changes.recent.push({
      kind: row.kind,
      action: row.action,
      subject: row.subject,
      detail: row.detail,
      expected: row.expected !== 0,
      reason: row.reason,
      detectedAt: row.detected_at,
    });
  }
  for (const [id, latest] of sources) host(id).metricSources = latest;
  for (const row of aiCosts) {
    host(row.host_id).aiCost = { calls: Number(row.calls), costUsd: Number(row.cost_usd ?? 0), unpricedCalls: Number(row.unpriced) };
  }
  return data;
}

type DiskRow = Awaited<ReturnType<typeof latestDiskRows>>[number];
type TrendRow = Awaited<ReturnType<typeof diskTrendRows>>[number];

function attachDisks(host: (id: number) => SiteHostData, rows: readonly DiskRow[]): void {
  const byMount = new Map<string, { hostId: number; disk: Partial<SiteDisk> & { mount: string; at: string } }>();
  for (const row of rows) {
    const id = `${row.host_id}\u0000${row.label}`;
    let entry = byMount.get(id);
    if (!entry) {
      entry = { hostId: row.host_id, disk: { mount: row.label, at: row.collected_at } };
      byMount.set(id, entry);
    }
    if (row.name === 'disk.used_percent') entry.disk.usedPercent = Number(row.value);
    else if (row.name === 'disk.used_bytes') entry.disk.usedBytes = Number(row.value);
    else entry.disk.sizeBytes = Number(row.value);
  }
  for (const { hostId, disk } of byMount.values()) {
    if (disk.usedPercent === undefined) continue;
    host(hostId).disks.push({ mount: disk.mount, usedPercent: disk.usedPercent, usedBytes: disk.usedBytes ?? null, sizeBytes: disk.sizeBytes ?? null, at: disk.at });
  }
}

/** Pairs the used and size rows of one mount and hour (they come from the same collection). */
function attachTrendRow(trend: Record<string, SiteDiskSample[]>, row: TrendRow): void {
  const samples = (trend[row.label] ??= []);
  let sample = samples.find((s) => s.at.slice(0, 13) === row.collected_at.slice(0, 13));
  if (!sample) {
    sample = { at: row.collected_at, usedBytes: Number.NaN, sizeBytes: Number.NaN };
    samples.push(sample);
  }
  if (row.name === 'disk.used_bytes') sample.usedBytes = Number(row.value);
  else sample.sizeBytes = Number(row.value);
}

/** A sample with only one of its two rows (cut by the window's edge) says nothing about usage. */
function dropUnpairedSamples(trend: Record<string, SiteDiskSample[]>): void {
  for (const [mount, samples] of Object.entries(trend)) {
    const paired = samples.filter((s) => Number.isFinite(s.usedBytes) && Number.isFinite(s.sizeBytes));
    if (paired.length > 0) trend[mount] = paired;
    else delete trend[mount];
  }
}
