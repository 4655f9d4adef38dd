/**
 * What the metrics sources add to a host's analysis (issue #8), pure:
 * - `metric.threshold` per custom query whose value crosses its warn/crit (one finding per query, the worst series);
 * - `collect.source_failed` (info) per source that failed and per query that failed, so the report says what is missing;
 * - `disk.growth` for a mount whose source history (InfluxDB's 7 days, Prometheus's range) fills it within
 *   `disk_growth.full_within_days`, unless the SSH history already said so for that mount;
 * - the trends themselves and the comparison of SSH facts with the sources (shown with their source, never merged).
 */
import type { MetricSourceKind, MetricSourceResult, QueryResult } from '../collect/metrics/types.js';
import type { Evidence, Finding, HostFacts, ResolvedHost, Severity } from '../types.js';
import { metricTrends, type MetricTrend } from './metric-trends.js';

/** A projection needs this much history: an hour of Prometheus data is not a week's trend. */
export const MIN_PROJECTION_SPAN_HOURS = 6;
/** Points of difference before SSH and a source "disagree" (they measure at different moments and in different ways). */
export const DISAGREEMENT_POINTS: Readonly<Record<'disk.used_percent' | 'memory.used_percent', number>> = {
  'disk.used_percent': 5,
  'memory.used_percent': 15,
};
/** Series listed per query in a finding's evidence at most. */
const MAX_SERIES_IN_EVIDENCE = 10;

export interface MetricComparison {
  metric: 'disk.used_percent' | 'memory.used_percent';
  label: string;
  /** What SSH measured at pass time, null when it did not. */
  ssh: number | null;
  /** Each source's latest value. */
  sources: Array<{ source: MetricSourceKind; value: number }>;
  /** The spread between the values exceeds DISAGREEMENT_POINTS. */
  disagrees: boolean;
}

/** A custom query's answer, for the LLM input (values capped). */
export interface MetricQueryValue {
  source: MetricSourceKind;
  name: string;
  unit: string | null;
  values: Array<{ labels: Record<string, string>; value: number }>;
  error: string | null;
}

export interface MetricsAnalysis {
  findings: Finding[];
  trends: MetricTrend[];
  comparisons: MetricComparison[];
  queries: MetricQueryValue[];
  /** Sources that failed this pass, with why. */
  failed: Array<{ source: MetricSourceKind; error: string }>;
}

export function formatMetricValue(value: number, unit: string | null): string {
  const abs = Math.abs(value);
  // 1234.5, 97.25, 45.2, 0.00123: at most two decimals from 1 on, three significant digits below.
  const text = abs >= 100 ? String(Math.round(value * 10) / 10) : abs >= 1 || value === 0 ? String(Number(value.toFixed(2))) : String(Number(value.toPrecision(3)));
  if (!unit) return text;
  return unit === '%' ? `${text}%` : `${text} ${unit}`;
}

function labelText(labels: Record<string, string>): string {
  const entries = Object.entries(labels);
  return entries.length === 0 ? '' : `{${entries.map(([k, v]) => `${k}="${v}"`).join(',')}}`;
}

function severityOf(q: QueryResult, value: number): Severity | null {
  const crosses = (limit: number | null): boolean => limit !== null && (q.below ? value <= limit : value >= limit);
  if (crosses(q.crit)) return 'crit';
  if (crosses(q.warn)) return 'warn';
  return null;
}

function thresholdFinding(source: MetricSourceKind, q: QueryResult, redact: (s: string) => string): Finding | null {
  const crossing = q.values
    .map((v) => ({ ...v, severity: severityOf(q, v.value) }))
    .filter((v): v is typeof v & { severity: Severity } => v.severity !== null)
    // The worst first: crit before warn, then the furthest past the limit.
    .sort((a, b) => (a.severity === b.severity ? (q.below ? a.value - b.value : b.value - a.value) : a.severity === 'crit' ? -1 : 1));
  const worst = crossing[0];
  if (!worst) return null;
  const limit = worst.severity === 'crit' ? q.crit : q.warn;
  const op = q.below ? '≤' : '≥';
  const series = labelText(worst.labels);
  const more = crossing.length > 1 ? ` (${crossing.length} series)` : '';
  const lines = crossing
    .slice(0, MAX_SERIES_IN_EVIDENCE)
    .map((v) => redact(`${q.name}${labelText(v.labels)} = ${formatMetricValue(v.value, q.unit)} (${v.severity})`));
  if (crossing.length > MAX_SERIES_IN_EVIDENCE) lines.push(`... and ${crossing.length - MAX_SERIES_IN_EVIDENCE} more series`);
  const values: Record<string, string | number> = { query: redact(q.query), value: worst.value };
  if (q.warn !== null) values.warn = q.warn;
  if (q.crit !== null) values.crit = q.crit;
  if (q.unit) values.unit = q.unit;
  return {
    category: 'metric.threshold',
    severity: worst.severity,
    ruleId: `metrics.query.${q.name}`,
    title: redact(`${q.name}${series} is ${formatMetricValue(worst.value, q.unit)} (${worst.severity} ${op} ${formatMetricValue(limit as number, q.unit)})${more}`),
    key: `metric.threshold:${q.name}`,
    subject: q.name,
    count: crossing.length,
    evidence: [{ source: `${source}:${q.name}`, lines, values }],
    recommendation: `Check what drives ${q.name} on this host; the query and its limits are in metrics.queries.`,
  };
}

function failedFinding(subject: string, title: string, note: string, source: string): Finding {
  return {
    category: 'collect.source_failed',
    severity: 'info',
    ruleId: 'collect.source_failed',
    title,
    key: `collect.source_failed:${subject}`,
    subject,
    count: 1,
    evidence: [{ source, lines: [note] }],
  };
}

function projectionFinding(trend: MetricTrend, fullWithinDays: number): Finding | null {
  if (trend.metric !== 'disk.used_percent' || trend.daysUntilFull === null) return null;
  if (trend.spanHours < MIN_PROJECTION_SPAN_HOURS || trend.daysUntilFull >= fullWithinDays) return null;
  const days = trend.daysUntilFull;
  const when = days < 1 ? `${Math.max(1, Math.round(days * 24))} h` : `${Math.round(days * 10) / 10} days`;
  const evidence: Evidence = {
    source: `${trend.source}:disk.used_percent`,
    values: {
      mount: trend.label,
      usedPercent: Math.round(trend.latest * 10) / 10,
      percentPerDay: Math.round(trend.slopePerDay * 100) / 100,
      daysToFull: Math.round(days * 10) / 10,
      spanHours: Math.round(trend.spanHours),
    },
  };
  return {
    category: 'disk.growth',
    severity: days < 1 ? 'crit' : 'warn',
    ruleId: 'metrics.disk_trend',
    title: `Disk ${trend.label} grows ${formatMetricValue(Math.round(trend.slopePerDay * 100) / 100, null)} points/day (${trend.source}, ${Math.round(trend.spanHours)} h), full in ~${when}`,
    key: `disk.growth:${trend.label}`,
    subject: trend.label,
    count: 1,
    evidence: [evidence],
    recommendation: `Find what grows on ${trend.label} (du -x -d 2 ${trend.label} | sort -n); rotate or clean it up, or grow the filesystem before it fills.`,
  };
}

function compare(facts: HostFacts | null, results: readonly MetricSourceResult[]): MetricComparison[] {
  const latest = new Map<string, Array<{ source: MetricSourceKind; value: number }>>();
  for (const r of results) {
    if (r.status !== 'ok') continue;
    for (const s of r.series) {
      if (s.name !== 'disk.used_percent' && s.name !== 'memory.used_percent') continue;
      const last = s.points[s.points.length - 1];
      if (!last) continue;
      const id = `${s.name}\u0000${s.label}`;
      latest.set(id, [...(latest.get(id) ?? []), { source: r.source, value: last.v }]);
    }
  }
  const ssh = new Map<string, number>();
  if (facts?.memory) ssh.set('memory.used_percent\u0000', facts.memory.usedPercent);
  for (const d of facts?.disks ?? []) ssh.set(`disk.used_percent\u0000${d.mount}`, d.usedPercent);
  const out: MetricComparison[] = [];
  for (const [id, sources] of latest) {
    const [metric, label] = id.split('\u0000') as [MetricComparison['metric'], string];
    const own = ssh.get(id) ?? null;
    const all = [...sources.map((s) => s.value), ...(own === null ? [] : [own])];
    const spread = Math.max(...all) - Math.min(...all);
    out.push({ metric, label, ssh: own, sources, disagrees: all.length > 1 && spread > DISAGREEMENT_POINTS[metric] });
  }
  return out.sort((a, b) => a.metric.localeCompare(b.metric) || a.label.localeCompare(b.label));
}

/**
 * The findings, trends and comparisons of a host's metrics sources. `existingKeys` are the keys the rest of the
 * analysis produced (an SSH-based disk.growth for a mount wins over the source's projection).
 */
export function analyzeMetrics(
  host: ResolvedHost,
  results: readonly MetricSourceResult[],
  facts: HostFacts | null,
  existingKeys: ReadonlySet<string>,
  redact: (text: string) => string,
): MetricsAnalysis {
  const findings: Finding[] = [];
  for (const r of results) {
    if (r.status === 'failed') {
      const error = redact(r.error ?? 'failed');
      findings.push(
        failedFinding(`metrics:${r.source}`, `Metrics source ${r.source} failed: ${error}`, `${redact(r.url)}: ${error}; this pass used the other sources`, `${r.source}:${redact(r.url)}`),
      );
      continue;
    }
    for (const q of r.queries) {
      if (q.error) {
        findings.push(failedFinding(`query:${q.name}`, `Query ${q.name} failed: ${redact(q.error)}`, redact(`${q.query}: ${q.error}`), `${r.source}:${q.name}`));
        continue;
      }
      const finding = thresholdFinding(r.source, q, redact);
      if (finding) findings.push(finding);
    }
  }
  const trends = metricTrends(results);
  const fullWithinDays = host.diskGrowth?.fullWithinDays ?? 7;
  const projected = new Set<string>();
  for (const trend of trends) {
    const finding = projectionFinding(trend, fullWithinDays);
    // One per mount: the soonest (trends are sorted soonest-full first), and never beside the SSH history's own.
    if (!finding || existingKeys.has(finding.key) || projected.has(finding.key)) continue;
    projected.add(finding.key);
    findings.push(finding);
  }
  const queries = results.flatMap((r) =>
    r.queries.map((q) => ({ source: r.source, name: q.name, unit: q.unit, values: q.values.slice(0, 5), error: q.error === null ? null : redact(q.error) })),
  );
  const failed = results.filter((r) => r.status === 'failed').map((r) => ({ source: r.source, error: redact(r.error ?? 'failed') }));
  return { findings, trends, comparisons: compare(facts, results), queries, failed };
}
