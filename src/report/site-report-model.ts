import { DISK_GROWTH_DEFAULTS } from '../analyze/disk-growth.js';
import { BAND_ORDER, classifyBand, isAlwaysFullMount } from '../analyze/resources.js';
import { emptyHost, type SiteCriticalFinding, type SiteDisk, type SiteHostData, type SiteReportData } from '../store/site-report-repo.js';
import type { BandName, HealthStatus, ResolvedHost } from '../types.js';
import { availFromPercent, projectDiskFull } from './disk-projection.js';
import { formatUtc } from './format.js';
import { isAiFinding } from './host-report-sections.js';
import { buildSiteMetrics, type SiteMetrics } from './site-report-metrics.js';

/**
 * A host's status in the site report: the band of its highest resource value, `unreachable` when its latest pass of
 * the period could not collect it, `unknown` when nothing was measured in the period.
 */
export type SiteHostStatus = BandName | 'unreachable' | 'unknown';

/** A percentage with the band it falls in by the host's own `resource_thresholds`. */
export interface SiteBandedValue {
  percent: number;
  band: BandName | 'unknown';
}

/** One row of the resource table (`| Host | CPU | Memory | Disk | Status |`). */
export interface SiteResourceRow {
  host: string;
  status: SiteHostStatus;
  /** Average over the period's samples. */
  cpu: SiteBandedValue | null;
  memory: SiteBandedValue | null;
  /** The fullest mount at the latest collection of the period. */
  disk: (SiteBandedValue & { mount: string }) | null;
  /** Last time the host was reached (`YYYY-MM-DD HH:MM:SS UTC`), null when never. */
  lastSeen: string | null;
  /** Why the latest pass failed (unreachable hosts only). */
  error: string | null;
  /** Passes of the period. */
  runs: number;
  failedRuns: number;
  /** The host's AI calls of the period (null: none); `perDayUsd` over the period's length in days. */
  ai: SiteAiCostFigure | null;
}

/** AI calls over the period and what they cost per day (a period shorter than a day counts as one). */
export interface SiteAiCostFigure {
  calls: number;
  totalUsd: number;
  perDayUsd: number;
  /** Answered calls without a price: the real cost is higher than shown. */
  unpricedCalls: number;
}

/** A critical finding of the period, once per key (a condition that lasted 24 passes is one item). */
export interface SiteCriticalItem {
  title: string;
  category: string;
  subject: string | null;
  recommendation: string | null;
  passes: number;
  firstSeen: string;
  lastSeen: string;
  /** Still reported by the host's latest pass of the period. */
  isOpen: boolean;
  /** Claimed by the LLM (`ai.finding`), marked as AI. */
  ai: boolean;
}

/** A host under "systems with recent changes": how many, of which kinds, and the latest few. */
export interface SiteChangeHost {
  host: string;
  total: number;
  unexpected: number;
  /** Kinds by count, most first. */
  kinds: Array<{ kind: string; total: number; unexpected: number }>;
  recent: Array<{ kind: string; action: string; subject: string; detail: string; expected: boolean; reason: string | null; detectedAt: string }>;
}

/** A mount near its limit (warning or critical band) or projected to fill within the host's horizon. */
export interface SiteStorageItem {
  host: string;
  mount: string;
  percent: number;
  band: BandName | 'unknown';
  sizeBytes: number | null;
  availBytes: number | null;
  /** Growth per day over the trend (null: not enough history). */
  bytesPerDay: number | null;
  trendDays: number | null;
  /** Projected days until full, rounded (null: not growing). */
  daysToFull: number | null;
  /** Projected to fill within the host's `disk_growth.full_within_days`. */
  isFillingSoon: boolean;
}

/** A host's health score and its change since the previous site report. */
export interface SiteScore {
  host: string;
  /** The latest score of the period; null when the host was not scored in it. */
  score: number | null;
  /** The score the previous report showed (null: not in it, or unscored then). */
  previous: number | null;
  change: number | null;
  health: HealthStatus | null;
  isUnreachable: boolean;
  /** When the latest score was taken, when it is older than the latest pass (the host failed since). */
  scoredAt: string | null;
  /** The host was not in the previous report. */
  isNew: boolean;
}

/** Everything the site report templates show; plain data, wording lives in templates/site-report.*.hbs. */
export interface SiteReportModel {
  site: string;
  generatedAt: string;
  period: { since: string; until: string };
  previousReportAt: string | null;
  overview: {
    hosts: number;
    byStatus: Record<SiteHostStatus, number>;
    /** Averages over the hosts measured in the period (null: none was). */
    cpuPercent: number | null;
    memoryPercent: number | null;
    measuredHosts: number;
    fullestDisk: { host: string; mount: string; percent: number; band: BandName | 'unknown' } | null;
    averageScore: number | null;
    /** averageScore minus the previous report's average over the same hosts. */
    averageScoreChange: number | null;
  };
  critical: Array<{ host: string; items: SiteCriticalItem[]; more: number }>;
  /** The rules' critical items (the LLM's are listed, marked, but not counted: the subject's count is the rules'). */
  criticalCount: number;
  changes: { hosts: SiteChangeHost[]; moreHosts: number };
  resources: SiteResourceRow[];
  /** The rows of `resources` whose latest pass could not collect the host. */
  unreachable: SiteResourceRow[];
  storage: SiteStorageItem[];
  scores: SiteScore[];
  /** The site's AI calls of the period; null when no host had any (the templates then show no AI column). */
  aiCost: (SiteAiCostFigure & { hosts: number }) | null;
  /** Prometheus, InfluxDB and Glances across the site: availability, disk trends, queries over limits (null: none). */
  metrics: SiteMetrics | null;
}

/** What the model needs besides the stored data: the site's configured hosts, the clock and the previous report. */
export interface SiteReportOptions {
  site: string;
  /** The site's hosts, with their resolved thresholds; the report lists exactly these. */
  hosts: readonly ResolvedHost[];
  generatedAt: Date;
  since: Date;
  /** What the previous site report showed (reports_sent summary), or null for the first one. */
  previousReport: { scores: Record<string, number | null>; generatedAt: string } | null;
}

/** Hosts shown under "recent changes", and critical items per host; the rest are counted. */
export const MAX_CHANGE_HOSTS = 10;
export const MAX_CRITICAL_PER_HOST = 10;
const RECENT_SHOWN = 3;

const round1 = (n: number): number => Math.round(n * 10) / 10;
/** Cost sums without binary-fraction noise in the JSON model; the templates print 4 decimals. */
const roundUsd = (usd: number): number => Math.round(usd * 1e6) / 1e6;
const DAY_MS = 86_400_000;
const SEVERITY: Record<SiteHostStatus, number> = { unreachable: 5, critical: 4, warning: 3, info: 2, health: 1, unknown: 0 };
const byName = <T extends { host: string }>(a: T, b: T): number => a.host.localeCompare(b.host);

function banded(percent: number, host: ResolvedHost): SiteBandedValue {
  return { percent: round1(percent), band: classifyBand(percent, host.resourceThresholds) };
}

/** Mounts worth reporting: not read-only images or pseudo filesystems (see isAlwaysFullMount). */
function realDisks(disks: readonly SiteDisk[]): SiteDisk[] {
  return disks.filter(
    (d) => !isAlwaysFullMount({ mount: d.mount, filesystem: '', sizeBytes: d.sizeBytes ?? 1, usedBytes: d.usedBytes ?? 0, availBytes: 0, usedPercent: d.usedPercent }),
  );
}

function fullest(disks: readonly SiteDisk[]): SiteDisk | null {
  return disks.reduce<SiteDisk | null>((best, d) => (!best || d.usedPercent > best.usedPercent ? d : best), null);
}

/** Calls and cost over the period, per day of it; `days` is at least 1 (a short period is not extrapolated). */
function aiFigure(cost: { calls: number; costUsd: number; unpricedCalls: number }, days: number): SiteAiCostFigure {
  const totalUsd = roundUsd(cost.costUsd);
  return { calls: cost.calls, totalUsd, perDayUsd: roundUsd(totalUsd / days), unpricedCalls: cost.unpricedCalls };
}

function resourceRow(host: ResolvedHost, data: SiteHostData, periodDays: number): SiteResourceRow {
  const disk = fullest(realDisks(data.disks));
  const values = [data.cpu?.averagePercent, data.memory?.averagePercent, disk?.usedPercent].filter((v): v is number => v !== undefined);
  let status: SiteHostStatus;
  if (data.latestRun?.status === 'failed') status = 'unreachable';
  else if (values.length === 0) status = 'unknown';
  else status = classifyBand(Math.max(...values), host.resourceThresholds);
  const isUnreachable = status === 'unreachable';
  return {
    host: host.name,
    status,
    cpu: data.cpu ? banded(data.cpu.averagePercent, host) : null,
    memory: data.memory ? banded(data.memory.averagePercent, host) : null,
    disk: disk ? { ...banded(disk.usedPercent, host), mount: disk.mount } : null,
    lastSeen: data.lastSeen ? formatUtc(new Date(data.lastSeen)) : null,
    error: isUnreachable ? (data.latestRun?.error ?? null) : null,
    runs: data.runs,
    failedRuns: data.failedRuns,
    // Data serialized before the AI stage existed has no aiCost.
    ai: data.aiCost ? aiFigure(data.aiCost, periodDays) : null,
  };
}

/** Unreachable first, then by band (worst first), then by the highest value, then by name. */
function compareRows(a: SiteResourceRow, b: SiteResourceRow): number {
  const top = (r: SiteResourceRow): number => Math.max(-1, r.cpu?.percent ?? -1, r.memory?.percent ?? -1, r.disk?.percent ?? -1);
  return SEVERITY[b.status] - SEVERITY[a.status] || top(b) - top(a) || byName(a, b);
}

function criticalItem(f: SiteCriticalFinding): SiteCriticalItem {
  return {
    title: f.title,
    category: f.category,
    subject: f.subject,
    recommendation: f.recommendation,
    passes: f.passes,
    firstSeen: formatUtc(new Date(f.firstSeen)),
    lastSeen: formatUtc(new Date(f.lastSeen)),
    isOpen: f.isInLatestRun,
    ai: isAiFinding(f),
  };
}

function changeHost(data: SiteHostData): SiteChangeHost {
  const kinds = Object.entries(data.changes.byKind)
    .map(([kind, c]) => ({ kind, total: c.total, unexpected: c.unexpected }))
    .sort((a, b) => b.total - a.total || a.kind.localeCompare(b.kind));
  return {
    host: data.name,
    total: data.changes.total,
    unexpected: data.changes.unexpected,
    kinds,
    recent: data.changes.recent.slice(0, RECENT_SHOWN).map((c) => ({ ...c, detectedAt: formatUtc(new Date(c.detectedAt)) })),
  };
}

function storageItems(host: ResolvedHost, data: SiteHostData): SiteStorageItem[] {
  const horizonDays = host.diskGrowth?.fullWithinDays ?? DISK_GROWTH_DEFAULTS.fullWithinDays;
  const items: SiteStorageItem[] = [];
  for (const disk of realDisks(data.disks)) {
    const band = classifyBand(disk.usedPercent, host.resourceThresholds);
    const hasBytes = disk.usedBytes !== null && disk.sizeBytes !== null;
    const availBytes = hasBytes ? availFromPercent(disk.usedBytes as number, disk.sizeBytes as number, disk.usedPercent) : null;
    const projection = availBytes === null ? null : projectDiskFull(data.diskTrend[disk.mount] ?? [], availBytes);
    const daysToFull = projection?.daysToFull ?? null;
    const isFillingSoon = daysToFull !== null && daysToFull <= horizonDays;
    if (band !== 'warning' && band !== 'critical' && !isFillingSoon) continue;
    items.push({
      host: host.name,
      mount: disk.mount,
      percent: round1(disk.usedPercent),
      band,
      sizeBytes: disk.sizeBytes,
      availBytes: availBytes === null ? null : Math.round(availBytes),
      bytesPerDay: projection ? Math.round(projection.bytesPerDay) : null,
      trendDays: projection ? round1(projection.trendDays) : null,
      daysToFull: daysToFull === null ? null : daysToFull < 10 ? round1(daysToFull) : Math.round(daysToFull),
      isFillingSoon,
    });
  }
  return items;
}

/** Soonest to fill first, then the fullest. */
function compareStorage(a: SiteStorageItem, b: SiteStorageItem): number {
  const days = (s: SiteStorageItem): number => s.daysToFull ?? Infinity;
  return days(a) - days(b) || b.percent - a.percent || byName(a, b) || a.mount.localeCompare(b.mount);
}

function siteScore(data: SiteHostData, previousReport: SiteReportOptions['previousReport']): SiteScore {
  const isUnreachable = data.latestRun?.status === 'failed';
  const score = data.latestScore?.score ?? null;
  const previousValue = previousReport?.scores[data.name];
  const previous = typeof previousValue === 'number' ? previousValue : null;
  const isOlder = data.latestScore !== null && data.latestRun !== null && data.latestScore.at < data.latestRun.startedAt;
  return {
    host: data.name,
    score,
    previous,
    change: score !== null && previous !== null ? score - previous : null,
    health: isOlder ? null : (data.latestRun?.health ?? null),
    isUnreachable,
    scoredAt: isOlder && data.latestScore ? formatUtc(new Date(data.latestScore.at)) : null,
    isNew: previousReport !== null && !(data.name in previousReport.scores),
  };
}

function average(values: readonly number[]): number | null {
  return values.length === 0 ? null : round1(values.reduce((sum, v) => sum + v, 0) / values.length);
}


/**
 * Builds the site report (FR-ANALYSIS-005; headings of the original's site report, section 9.3, filled with real
 * data): critical items across the site, status counts and averages, the hosts with the most changes, a resource
 * table by each host's own bands, storage highlights with days-to-full from the trend, and scores with their change
 * since the previous report, and each host's AI cost per day when the LLM was called in the period. An unreachable
 * host keeps its status and last-seen time; nothing unmeasured counts as 0. Pure.
 */
export function buildSiteReportModel(data: SiteReportData, options: SiteReportOptions): SiteReportModel {
  const stored = new Map(data.hosts.map((h) => [h.name, h]));
  const hosts = options.hosts.map((host) => ({ host, data: stored.get(host.name) ?? emptyHost(host.name) }));
  const periodDays = Math.max(1, (Date.parse(data.until) - options.since.getTime()) / DAY_MS);
  const resources = hosts.map(({ host, data: d }) => resourceRow(host, d, periodDays)).sort(compareRows);
  const byStatus = Object.fromEntries([...BAND_ORDER, 'unreachable', 'unknown'].map((s) => [s, 0])) as Record<SiteHostStatus, number>;
  for (const row of resources) byStatus[row.status] += 1;
  const measured = hosts.filter(({ data: d }) => d.cpu || d.memory);
  const disks = resources.flatMap((r) => (r.disk ? [{ host: r.host, ...r.disk }] : []));
  const fullestDisk = disks.reduce<(typeof disks)[number] | null>((best, d) => (!best || d.percent > best.percent ? d : best), null);
  const scores = hosts.map(({ data: d }) => siteScore(d, options.previousReport)).sort(byName);
  const scored = scores.filter((s) => s.score !== null);
  const compared = scored.filter((s) => s.previous !== null);
  const averageScore = average(scored.map((s) => s.score as number));
  const critical = hosts
    .filter(({ data: d }) => d.criticalFindings.length > 0)
    .map(({ data: d }) => ({
      host: d.name,
      items: d.criticalFindings.slice(0, MAX_CRITICAL_PER_HOST).map(criticalItem),
      more: Math.max(0, d.criticalFindings.length - MAX_CRITICAL_PER_HOST),
    }))
    .sort(byName);
  const changed = hosts
    .filter(({ data: d }) => d.changes.total > 0)
    .map(({ data: d }) => changeHost(d))
    .sort((a, b) => b.total - a.total || b.unexpected - a.unexpected || byName(a, b));
  return {
    site: options.site,
    generatedAt: formatUtc(options.generatedAt),
    period: { since: formatUtc(options.since), until: formatUtc(new Date(data.until)) },
    previousReportAt: options.previousReport ? formatUtc(new Date(options.previousReport.generatedAt)) : null,
    overview: {
      hosts: hosts.length,
      byStatus,
      cpuPercent: average(measured.flatMap(({ data: d }) => (d.cpu ? [d.cpu.averagePercent] : []))),
      memoryPercent: average(measured.flatMap(({ data: d }) => (d.memory ? [d.memory.averagePercent] : []))),
      measuredHosts: measured.length,
      fullestDisk,
      averageScore,
      averageScoreChange:
        compared.length > 0 && averageScore !== null && compared.length === scored.length
          ? round1(averageScore - (average(compared.map((s) => s.previous as number)) as number))
          : null,
    },
    critical,
    criticalCount: hosts.reduce((sum, { data: d }) => sum + d.criticalFindings.filter((f) => !isAiFinding(f)).length, 0),
    changes: { hosts: changed.slice(0, MAX_CHANGE_HOSTS), moreHosts: Math.max(0, changed.length - MAX_CHANGE_HOSTS) },
    resources,
    unreachable: resources.filter((r) => r.status === 'unreachable'),
    storage: hosts.flatMap(({ host, data: d }) => storageItems(host, d)).sort(compareStorage),
    scores,
    aiCost: siteAiCost(resources, periodDays),
    metrics: buildSiteMetrics(hosts),
  };
}

/** The site's AI calls summed over its hosts; null when none had any. */
function siteAiCost(rows: readonly SiteResourceRow[], periodDays: number): SiteReportModel['aiCost'] {
  const called = rows.flatMap((r) => (r.ai ? [r.ai] : []));
  if (called.length === 0) return null;
  const sum = (pick: (a: SiteAiCostFigure) => number): number => called.reduce((total, a) => total + pick(a), 0);
  return { hosts: called.length, ...aiFigure({ calls: sum((a) => a.calls), costUsd: sum((a) => a.totalUsd), unpricedCalls: sum((a) => a.unpricedCalls) }, periodDays) };
}

/**
 * What a delivered site report showed, for `reports_sent.summary` (see reports-sent-repo.ts): each host's score, so
 * the next report can show what moved since this one.
 */
export function siteReportSummary(model: SiteReportModel): { scores: Record<string, number | null> } {
  return { scores: Object.fromEntries(model.scores.map((s) => [s.host, s.score])) };
}
