/**
 * The "Metrics Sources" section of a host report (issue #8): each source's status, the values each source gives
 * beside what SSH measured (never merged: a disagreement is shown with who said what), the custom queries against
 * their limits, the trends with their projections, and the containers Glances saw. Values are formatted here;
 * wording lives in the templates. Pure.
 */
import type { SourceSummary } from '../analyze/metric-summary.js';
import type { MetricComparison } from '../analyze/metric-findings.js';
import { DISAGREEMENT_POINTS, formatMetricValue } from '../analyze/metric-findings.js';
import type { MetricTrend } from '../analyze/metric-trends.js';
import type { MetricSourceKind, StandardMetric } from '../collect/metrics/types.js';
import type { HostFacts } from '../types.js';
import { formatBytes } from '../collect/format-bytes.js';

export interface ReportMetricSource {
  source: MetricSourceKind;
  url: string;
  isOk: boolean;
  error: string | null;
  detail: string;
  /** `1 h`, `7 d`; null for a pass-time source. */
  window: string | null;
  durationMs: number;
  series: number;
}

export interface ReportMetricCell {
  source: MetricSourceKind;
  latest: string;
  /** `min–max, mean m` over the window; null for a single point. */
  range: string | null;
}

export interface ReportMetricRow {
  metric: StandardMetric;
  label: string;
  /** What SSH measured at pass time (only for the metrics SSH has), else null. */
  ssh: string | null;
  /** One per source that answered, in `columns` order (null: that source has no such series). */
  cells: Array<ReportMetricCell | null>;
  /** The values differ by more than DISAGREEMENT_POINTS (see the trend table's source column). */
  disagrees: boolean;
}

export interface ReportMetricQuery {
  name: string;
  source: MetricSourceKind;
  state: 'ok' | 'warn' | 'crit' | 'error' | 'empty';
  /** `value` or `labels = value` lines, the worst first (at most 10). */
  values: string[];
  more: number;
  limits: string | null;
  error: string | null;
}

export interface ReportMetricTrend {
  source: MetricSourceKind;
  metric: StandardMetric;
  label: string;
  latest: string;
  slope: string;
  span: string;
  /** `~12.5 days`, `~5 h`; null when not a growing disk. */
  full: string | null;
  /** Full within `disk_growth.full_within_days`. */
  isSoon: boolean;
}

export interface ReportMetrics {
  sources: ReportMetricSource[];
  /** Sources that answered, the columns of `rows`. */
  columns: MetricSourceKind[];
  rows: ReportMetricRow[];
  disagreements: number;
  queries: ReportMetricQuery[];
  trends: ReportMetricTrend[];
  containers: Array<{ name: string; status: string; cpu: string | null; memory: string | null }>;
}

const UNITS: Record<StandardMetric, string | null> = {
  'cpu.used_percent': '%',
  'memory.used_percent': '%',
  'swap.used_percent': '%',
  'load.1': null,
  'disk.used_percent': '%',
  'disk.avail_bytes': 'bytes',
  'disk.size_bytes': 'bytes',
  'net.rx_bytes_per_second': 'bytes/s',
  'net.tx_bytes_per_second': 'bytes/s',
};

/** Rows in this order; the byte series of disks are folded into the percent row's label. */
const ORDER: StandardMetric[] = ['cpu.used_percent', 'memory.used_percent', 'swap.used_percent', 'load.1', 'disk.used_percent', 'net.rx_bytes_per_second', 'net.tx_bytes_per_second'];

export function formatStandard(metric: StandardMetric, value: number): string {
  const unit = UNITS[metric];
  if (unit === 'bytes') return formatBytes(value);
  if (unit === 'bytes/s') return `${formatBytes(value)}/s`;
  return formatMetricValue(value, unit);
}

function formatWindow(seconds: number): string | null {
  if (seconds <= 0) return null;
  if (seconds % 86_400 === 0) return `${seconds / 86_400} d`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  return `${Math.round(seconds / 60)} min`;
}

function formatDays(days: number): string {
  if (days < 1) return `~${Math.max(1, Math.round(days * 24))} h`;
  return `~${Math.round(days * 10) / 10} days`;
}

function sshValue(metric: StandardMetric, label: string, facts: HostFacts | null): number | null {
  if (!facts) return null;
  if (metric === 'cpu.used_percent') return facts.cpu.usedPercent;
  if (metric === 'memory.used_percent') return facts.memory?.usedPercent ?? null;
  if (metric === 'load.1') return facts.load?.one ?? null;
  if (metric === 'disk.used_percent') return facts.disks?.find((d) => d.mount === label)?.usedPercent ?? null;
  return null;
}

function queryState(q: SourceSummary['queries'][number]): ReportMetricQuery {
  const crosses = (v: number, limit: number | null): boolean => limit !== null && (q.below ? v <= limit : v >= limit);
  const rank = (v: number): number => (crosses(v, q.crit) ? 2 : crosses(v, q.warn) ? 1 : 0);
  const sorted = [...q.values].sort((a, b) => rank(b.value) - rank(a.value) || (q.below ? a.value - b.value : b.value - a.value));
  const worst = sorted[0] ? rank(sorted[0].value) : 0;
  const op = q.below ? '≤' : '≥';
  const limits = [q.warn !== null ? `warn ${op} ${formatMetricValue(q.warn, q.unit)}` : null, q.crit !== null ? `crit ${op} ${formatMetricValue(q.crit, q.unit)}` : null].filter(Boolean).join(', ');
  const label = (labels: Record<string, string>): string => {
    const entries = Object.entries(labels);
    return entries.length === 0 ? '' : `${entries.map(([k, v]) => `${k}=${v}`).join(', ')} = `;
  };
  return {
    name: q.name,
    source: 'prometheus',
    state: q.error ? 'error' : q.values.length === 0 ? 'empty' : worst === 2 ? 'crit' : worst === 1 ? 'warn' : 'ok',
    values: sorted.slice(0, 10).map((v) => `${label(v.labels)}${formatMetricValue(v.value, q.unit)}`),
    more: Math.max(0, sorted.length - 10),
    limits: limits === '' ? null : limits,
    error: q.error,
  };
}

/** Disks always (the projection is the point); CPU, memory, swap and load only when they move noticeably. */
export function isWorthShowing(t: MetricTrend): boolean {
  if (t.metric === 'disk.used_percent') return true;
  return t.metric === 'load.1' ? Math.abs(t.slopePerDay) >= 0.1 : Math.abs(t.slopePerDay) >= 1;
}

/** `+3 points/day`, `-0.25 points/day`, `+0.12/day` (load). */
export function formatSlope(t: MetricTrend): string {
  const rounded = Math.round(t.slopePerDay * 100) / 100;
  return `${rounded >= 0 ? '+' : ''}${formatMetricValue(rounded, null)}${UNITS[t.metric] === '%' ? ' points' : ''}/day`;
}

/** `7 d` from two days on, `8 h` below, `45 min` below an hour. */
export function formatSpan(hours: number): string {
  if (hours >= 48) return `${Math.round(hours / 24)} d`;
  if (hours >= 1) return `${Math.round(hours)} h`;
  return `${Math.round(hours * 60)} min`;
}

/**
 * The section's data from the pass's (or the latest stored) source summaries; null when the host has no source.
 * `comparisons` come from the analysis (per pass); without them the rows compare with `facts` directly.
 */
export function buildReportMetrics(
  sources: readonly SourceSummary[] | undefined,
  facts: HostFacts | null,
  options: { fullWithinDays: number; comparisons?: readonly MetricComparison[] },
): ReportMetrics | null {
  if (!sources || sources.length === 0) return null;
  const ok = sources.filter((s) => s.status === 'ok');
  const columns = ok.map((s) => s.source);
  const keys = new Map<string, { metric: StandardMetric; label: string }>();
  for (const s of ok) for (const series of s.series) if (ORDER.includes(series.name)) keys.set(`${series.name}\u0000${series.label}`, { metric: series.name, label: series.label });
  const rows: ReportMetricRow[] = [...keys.values()]
    .sort((a, b) => ORDER.indexOf(a.metric) - ORDER.indexOf(b.metric) || a.label.localeCompare(b.label))
    .map(({ metric, label }) => {
      const cells = ok.map((s): ReportMetricCell | null => {
        const series = s.series.find((x) => x.name === metric && x.label === label);
        if (!series) return null;
        const range = series.points > 1 ? `${formatStandard(metric, series.min)}–${formatStandard(metric, series.max)}, mean ${formatStandard(metric, series.mean)}` : null;
        return { source: s.source, latest: formatStandard(metric, series.latest), range };
      });
      const own = sshValue(metric, label, facts);
      const comparison = options.comparisons?.find((c) => c.metric === metric && c.label === label);
      let disagrees = comparison?.disagrees ?? false;
      if (!comparison && (metric === 'disk.used_percent' || metric === 'memory.used_percent')) {
        const values = [...ok.flatMap((s) => s.series.filter((x) => x.name === metric && x.label === label).map((x) => x.latest)), ...(own === null ? [] : [own])];
        disagrees = values.length > 1 && Math.max(...values) - Math.min(...values) > DISAGREEMENT_POINTS[metric];
      }
      return { metric, label, ssh: own === null ? null : formatStandard(metric, own), cells, disagrees };
    });
  const queries = sources.flatMap((s) => s.queries.map((q) => ({ ...queryState(q), source: s.source })));
  const trends = sources
    .flatMap((s) => s.trends)
    .filter(isWorthShowing)
    .map((t: MetricTrend) => ({
    source: t.source,
    metric: t.metric,
    label: t.label,
    latest: formatStandard(t.metric, t.latest),
    slope: formatSlope(t),
    span: formatSpan(t.spanHours),
    full: t.daysUntilFull === null ? null : formatDays(t.daysUntilFull),
    isSoon: t.daysUntilFull !== null && t.daysUntilFull < options.fullWithinDays,
  }));
  const containers = sources.flatMap((s) =>
    s.containers.map((c) => ({
      name: c.name,
      status: c.status,
      cpu: c.cpuPercent === null ? null : formatMetricValue(c.cpuPercent, '%'),
      memory: c.memoryBytes === null ? null : formatBytes(c.memoryBytes),
    })),
  );
  return {
    sources: sources.map((s) => ({
      source: s.source,
      url: s.url,
      isOk: s.status === 'ok',
      error: s.error,
      detail: s.detail,
      window: formatWindow(s.windowSeconds),
      durationMs: s.durationMs,
      series: s.series.length,
    })),
    columns,
    rows,
    disagreements: rows.filter((r) => r.disagrees).length,
    queries,
    trends,
    containers,
  };
}
