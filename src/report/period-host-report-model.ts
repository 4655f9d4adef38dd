/**
 * The host report of a period (scheduled, or `dthostmon report --host H --since 24h`), built from what the store
 * holds about the host. Same model, and so the same templates, as the per-pass report; the period adds statistics
 * per resource, trend charts, changes and findings over every pass of the period, the score change since the
 * last report, and what the AI said and cost in the period. Pure.
 */
import { buildReportMetrics } from './host-report-metrics.js';
import { largestDirs } from '../collect/du-compare.js';
import { formatBytes } from '../collect/format-bytes.js';
import { DISK_GROWTH_DEFAULTS, stepBytesFor } from '../analyze/disk-growth.js';
import { isAlwaysFullMount } from '../analyze/resources.js';
import type { HostReportData, MetricSeries, PeriodFinding, ReportItemState } from '../store/host-report-repo.js';
import type { LogSourceResult, ResolvedHost } from '../types.js';
import { lineChartSvg, type ChartSeries } from './charts.js';
import { formatUtc } from './format.js';
import { periodAi } from './host-report-ai.js';
import type { HostReportModel, PeriodStats, ReportChart, ReportDiskGrowth, ReportFinding } from './host-report-model.js';
import { duDirectories, groupChanges } from './host-report-changes.js';
import {
  buildContainers,
  buildHealth,
  collectionNotes,
  hostHeader,
  isAiFinding,
  logReview,
  periodStats,
  splitFindings,
  systemOf,
  toReportEvidence,
  utcOr,
} from './host-report-sections.js';

export interface PeriodHostReportOptions {
  host: ResolvedHost;
  generatedAt: Date;
  /** Start of the period (the last report's time, or `--since`). */
  since: Date;
  /** The last report of this host (its score and time), for "since the last report"; null for the first one. */
  previousReport: { score: number | null; generatedAt: string } | null;
  /** How the HTML shows the charts; report-email.ts renders both anyway. */
  media: 'email' | 'file';
}

/** Chart size in CSS pixels: fits the 600 px email column with its padding. */
export const CHART_WIDTH = 560;
export const CHART_HEIGHT = 180;
/** Mounts drawn at most in the disk chart (the legend must stay readable). */
export const MAX_DISK_SERIES = 8;
/** Chart titles: they are drawn into the image, so they cannot come from a template. */
const CHART_TITLES = { cpu: 'CPU used', memory: 'Memory used', disk: 'Disk used per mount' } as const;

const DAY_MS = 86_400_000;
/** A ~24 h or ~7 d growth window starts at the sample closest to that age, between 0.9 and 2 times it (as disk-history.ts). */
const WINDOW_SLACK = 0.9;

type Point = { t: number; v: number };

function pointsOf(series: MetricSeries | undefined): Point[] {
  return (series?.points ?? []).map((p) => ({ t: Date.parse(p.at), v: p.value })).filter((p) => Number.isFinite(p.t) && Number.isFinite(p.v));
}

/**
 * Builds the period host report model from the store's data (see loadHostReportData). Findings are one per key over
 * the period (events summed, first and last seen, still open or resolved by now, per finding_state); the health
 * section shows the latest facts with the period's mean and peak; disk growth is measured over the period from the
 * metrics, with the directories a du found behind it; the AI section shows the latest analysis of the period, the
 * last answered summary and the calls' cost per day.
 */
export function buildPeriodHostReportModel(data: HostReportData, options: PeriodHostReportOptions): HostReportModel {
  const { host } = options;
  const generated = formatUtc(options.generatedAt);
  const sinceMs = options.since.getTime();
  const untilMs = Date.parse(data.until);
  const inPeriod = (p: Point): boolean => p.t > sinceMs && p.t <= untilMs;
  const metric = (name: string, label = ''): Point[] => pointsOf(data.metrics.find((m) => m.name === name && m.label === label));

  const findings = periodFindings(data.findings, data.items, data.until, generated);
  const split = splitFindings(findings);
  const latest = data.latest;
  const reachable = latest !== null && latest.status !== 'failed';
  const score = reachable ? latest.score : null;
  const previous = options.previousReport?.score ?? null;
  const facts = data.facts?.facts ?? null;
  const thresholds = host.resourceThresholds;

  const diskMounts = (facts?.disks ?? []).filter((d) => !isAlwaysFullMount(d)).map((d) => d.mount);
  const health = facts
    ? buildHealth(facts, thresholds, utcOr(data.facts?.at, generated), {
        deltas: diskMounts.map((mount) => ({ mount, ...growthWindows(metric('disk.used_bytes', mount)) })),
        stats: {
          cpu: periodStats(metric('cpu.used_percent').filter(inPeriod).map((p) => p.v), thresholds),
          memory: periodStats(metric('memory.used_percent').filter(inPeriod).map((p) => p.v), thresholds),
          disks: new Map(
            diskMounts.flatMap((mount) => {
              const stats = periodStats(metric('disk.used_percent', mount).filter(inPeriod).map((p) => p.v), thresholds);
              return stats ? [[mount, stats] as [string, PeriodStats]] : [];
            }),
          ),
        },
      })
    : null;

  return {
    kind: 'period',
    media: options.media,
    generatedAt: generated,
    period: {
      since: formatUtc(options.since),
      until: utcOr(data.until, generated),
      passes: data.runs.length,
      failedPasses: data.runs.filter((r) => r.status === 'failed').length,
      trendDays: Math.max(1, Math.round((untilMs - Date.parse(data.trendSince)) / DAY_MS)),
    },
    host: hostHeader(host),
    system: systemOf(facts),
    reachable,
    score: {
      value: score,
      status: reachable ? latest.health : null,
      previous,
      previousAt: options.previousReport ? utcOr(options.previousReport.generatedAt, options.previousReport.generatedAt) : null,
      change: score !== null && previous !== null ? score - previous : null,
      reasons: reachable ? latest.reasons : [],
    },
    counts: split.counts,
    critical: split.critical,
    warnings: split.warnings,
    nonCritical: split.nonCritical,
    health,
    charts: buildCharts(data, host, diskMounts),
    changes: groupChanges(data.changes, periodDiskGrowth(data, options, findings), Math.max(0, data.changesTotal - data.changes.length)),
    logSources: logReview(periodLogSources(data), findings),
    docker: buildContainers(facts?.containers),
    collectionNotes: collectionNotes(findings.filter((f) => !f.isResolved)),
    ai: periodAi(data.ai, untilMs - sinceMs, generated),
    metrics: buildReportMetrics(data.metricSources, facts, { fullWithinDays: host.diskGrowth?.fullWithinDays ?? 7 }),
  };
}

/**
 * One finding per key of the period, still open ones first in each severity; items still open from before the
 * period that no pass of the period reported (the host was down) are listed too, without evidence.
 */
function periodFindings(rows: readonly PeriodFinding[], items: readonly ReportItemState[], until: string, generated: string): ReportFinding[] {
  // Open at the end of the period: not resolved, or resolved only after it (a report of an earlier period).
  const open = new Map(items.filter((i) => i.resolvedAt === null || i.resolvedAt > until).map((i) => [i.key, i]));
  const seen = new Set(rows.map((r) => r.key));
  const view = (row: PeriodFinding): ReportFinding => {
    const item = open.get(row.key);
    const openSince = item && item.passes > 1 ? utcOr(item.firstSeen, item.firstSeen) : null;
    return {
      key: row.key,
      title: row.title,
      openSince,
      passes: item?.passes ?? row.occurrences,
      category: row.category,
      severity: row.severity,
      subject: row.subject,
      count: row.count,
      recommendation: row.recommendation,
      evidence: toReportEvidence(row.evidence),
      firstSeen: utcOr(row.firstSeen, generated),
      lastSeen: utcOr(row.lastSeen, generated),
      occurrences: row.occurrences,
      isResolved: !item,
      ai: isAiFinding(row),
    };
  };
  const stale = [...open.values()]
    .filter((i) => !seen.has(i.key))
    .map(
      (i): ReportFinding => ({
        key: i.key,
        title: i.title,
        openSince: utcOr(i.firstSeen, i.firstSeen),
        passes: i.passes,
        category: i.category,
        severity: i.severity,
        subject: null,
        count: 0,
        recommendation: null,
        evidence: [],
        firstSeen: null,
        lastSeen: utcOr(i.lastSeen, i.lastSeen),
        occurrences: 0,
        isResolved: false,
        ai: isAiFinding(i),
      }),
    );
  const all = [...rows.map(view), ...stale];
  const rank = { crit: 0, warn: 1, info: 2 } as const;
  // Stable: within a severity, open before resolved, and otherwise the store's order (latest first).
  return all.map((f, i) => ({ f, i })).sort((a, b) => rank[a.f.severity] - rank[b.f.severity] || Number(a.f.isResolved) - Number(b.f.isResolved) || a.i - b.i).map((x) => x.f);
}

/** Growth since the previous sample, over ~24 h and over ~7 d, ending at the latest sample (null: not that far back). */
function growthWindows(points: readonly Point[]): { sinceLastPass: number | null; day: number | null; week: number | null } {
  const last = points[points.length - 1];
  const before = points[points.length - 2];
  if (!last) return { sinceLastPass: null, day: null, week: null };
  const window = (ms: number): number | null => {
    const starts = points.filter((p) => last.t - p.t >= WINDOW_SLACK * ms && last.t - p.t <= 2 * ms);
    const start = starts.sort((a, b) => Math.abs(last.t - a.t - ms) - Math.abs(last.t - b.t - ms))[0];
    return start ? last.v - start.v : null;
  };
  return { sinceLastPass: before ? last.v - before.v : null, day: window(DAY_MS), week: window(7 * DAY_MS) };
}

/**
 * Mounts that grew over the period by at least the configured `disk_growth` step, or that raised a `disk.growth`
 * finding in it; with the directories the latest du found behind the growth (from that finding's evidence, or the
 * biggest directories of the last du when it ran during the period).
 */
function periodDiskGrowth(data: HostReportData, options: PeriodHostReportOptions, findings: readonly ReportFinding[]): ReportDiskGrowth[] {
  const sinceMs = options.since.getTime();
  const settings = options.host.diskGrowth ?? DISK_GROWTH_DEFAULTS;
  const growthFindings = findings.filter((f) => f.category === 'disk.growth' && f.occurrences > 0);
  const out: ReportDiskGrowth[] = [];
  for (const series of data.metrics.filter((m) => m.name === 'disk.used_bytes')) {
    const points = pointsOf(series);
    const inside = points.filter((p) => p.t > sinceMs);
    const last = inside[inside.length - 1];
    const base = [...points].reverse().find((p) => p.t <= sinceMs) ?? inside[0];
    if (!last || !base) continue;
    const size = pointsOf(data.metrics.find((m) => m.name === 'disk.size_bytes' && m.label === series.label)).pop()?.v ?? null;
    const delta = last.v - base.v;
    const finding = growthFindings.find((f) => f.subject === series.label);
    const step = stepBytesFor(size ?? 0, { stepBytes: settings.stepBytes, stepPercent: settings.stepPercent, fullWithinDays: settings.fullWithinDays });
    if (!finding && !(delta > 0 && delta >= step)) continue;
    let directories = finding ? duDirectories(finding) : { directories: [] as string[], directoriesKind: null as ReportDiskGrowth['directoriesKind'] };
    let directoriesAt = finding && directories.directories.length > 0 ? finding.lastSeen : null;
    const du = data.du[series.label];
    if (directories.directories.length === 0 && du && Date.parse(du.at) > sinceMs) {
      directories = { directories: largestDirs(du.result).map((d) => `${d.path} ${formatBytes(d.kb * 1024)}`), directoriesKind: 'largest' };
      directoriesAt = utcOr(du.at, du.at);
    }
    out.push({ mount: series.label, deltaBytes: delta, usedBytes: last.v, sizeBytes: size, ...directories, directoriesAt });
  }
  return out.sort((a, b) => (b.deltaBytes ?? 0) - (a.deltaBytes ?? 0) || a.mount.localeCompare(b.mount));
}

/** Log sources over every pass of the period: bytes and lines summed, status and note of the latest pass. */
function periodLogSources(data: HostReportData): Array<LogSourceResult & { passes: number }> {
  const byPath = new Map<string, LogSourceResult & { passes: number }>();
  for (const run of data.runs) {
    for (const s of run.logSources) {
      if (typeof s?.path !== 'string') continue;
      const sum = byPath.get(s.path) ?? { ...s, bytesRead: 0, linesRead: 0, skippedBytes: 0, passes: 0 };
      byPath.set(s.path, {
        ...s,
        bytesRead: sum.bytesRead + (Number(s.bytesRead) || 0),
        linesRead: sum.linesRead + (Number(s.linesRead) || 0),
        skippedBytes: sum.skippedBytes + (Number(s.skippedBytes) || 0),
        passes: sum.passes + (s.status === 'read' ? 1 : 0),
        note: s.note ?? sum.note,
      });
    }
  }
  return [...byPath.values()];
}

/** `cpu.web-01@dthostmon`: unique per chart and host (a site report holds several hosts), a valid Content-ID. */
function contentId(id: string, hostName: string): string {
  const slug = hostName.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 60) || 'host';
  return `${id}.${slug}@dthostmon`;
}

/** CPU %, memory % and disk % per mount over the trend window, with the warning and critical bands marked. */
function buildCharts(data: HostReportData, host: ResolvedHost, diskMounts: readonly string[]): ReportChart[] {
  const from = Date.parse(data.trendSince);
  const to = Date.parse(data.until);
  const bands = host.resourceThresholds;
  const markers = [
    { v: bands.warning.low, label: 'warning', color: '#d97706' },
    { v: bands.critical.low, label: 'critical', color: '#dc2626' },
  ];
  const days = Math.max(1, Math.round((to - from) / DAY_MS));
  const inWindow = (series: MetricSeries | undefined): Point[] => pointsOf(series).filter((p) => p.t >= from && p.t <= to);
  const chart = (id: keyof typeof CHART_TITLES, series: ChartSeries[]): ReportChart[] => {
    if (series.every((s) => s.points.length === 0)) return [];
    const title = `${CHART_TITLES[id]} (%), last ${days} days`;
    return [
      {
        id,
        cid: contentId(id, host.name),
        title,
        alt: title,
        width: CHART_WIDTH,
        height: CHART_HEIGHT,
        svg: lineChartSvg({ title, unit: '%', series, width: CHART_WIDTH, height: CHART_HEIGHT, yMax: 100, from, to, markers }),
      },
    ];
  };
  const find = (name: string, label = ''): MetricSeries | undefined => data.metrics.find((m) => m.name === name && m.label === label);
  const known = data.metrics.filter((m) => m.name === 'disk.used_percent').map((m) => m.label);
  const mounts = (diskMounts.length > 0 ? diskMounts.filter((m) => known.includes(m)) : known).slice(0, MAX_DISK_SERIES);
  return [
    ...chart('cpu', [{ label: 'CPU', points: inWindow(find('cpu.used_percent')) }]),
    ...chart('memory', [{ label: 'memory', points: inWindow(find('memory.used_percent')) }]),
    ...chart('disk', mounts.map((mount) => ({ label: mount, points: inWindow(find('disk.used_percent', mount)) }))),
  ];
}
