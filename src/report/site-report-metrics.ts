/**
 * The site report's "Metrics Trends" section (issue #8), from each host's latest stored source summaries: which
 * sources answered on how many hosts (and which failed, with why), the disks the sources' history projects to fill,
 * soonest first, and the custom queries over their limits across the site. Pure.
 */
import { formatMetricValue } from '../analyze/metric-findings.js';
import { formatSlope, formatSpan } from './host-report-metrics.js';
import type { SourceSummary } from '../analyze/metric-summary.js';
import type { MetricSourceKind } from '../collect/metrics/types.js';
import type { ResolvedHost } from '../types.js';
import type { SiteHostData } from '../store/site-report-repo.js';

export interface SiteMetricTrend {
  host: string;
  source: MetricSourceKind;
  mount: string;
  latest: string;
  slope: string;
  span: string;
  /** `~12.5 days`, `~5 h`; null when the disk is not growing. */
  full: string | null;
  daysToFull: number | null;
  /** Within the host's `disk_growth.full_within_days`. */
  isSoon: boolean;
}

export interface SiteMetrics {
  sources: Array<{ source: MetricSourceKind; ok: number; failed: Array<{ host: string; error: string }> }>;
  /** Growing disks by the sources' history, soonest full first (at most MAX_TRENDS). */
  trends: SiteMetricTrend[];
  moreTrends: number;
  /** Custom queries over warn or crit at the hosts' latest pass. */
  queries: Array<{ host: string; name: string; state: 'warn' | 'crit'; value: string }>;
}

export const MAX_SITE_TRENDS = 25;
const SOURCE_ORDER: MetricSourceKind[] = ['prometheus', 'influxdb', 'glances'];

function days(d: number): string {
  return d < 1 ? `~${Math.max(1, Math.round(d * 24))} h` : `~${Math.round(d * 10) / 10} days`;
}

function worstQueryValue(q: SourceSummary['queries'][number]): { state: 'warn' | 'crit'; value: number } | null {
  const crosses = (v: number, limit: number | null): boolean => limit !== null && (q.below ? v <= limit : v >= limit);
  let worst: { state: 'warn' | 'crit'; value: number } | null = null;
  for (const { value } of q.values) {
    const state = crosses(value, q.crit) ? 'crit' : crosses(value, q.warn) ? 'warn' : null;
    if (!state) continue;
    const better = !worst || (state === 'crit' && worst.state === 'warn') || (state === worst.state && (q.below ? value < worst.value : value > worst.value));
    if (better) worst = { state, value };
  }
  return worst;
}

/** Null when no host of the site has a metrics source. */
export function buildSiteMetrics(hosts: ReadonlyArray<{ host: ResolvedHost; data: SiteHostData }>): SiteMetrics | null {
  const withSources = hosts.filter(({ data }) => data.metricSources && data.metricSources.sources.length > 0);
  if (withSources.length === 0) return null;
  const bySource = new Map<MetricSourceKind, { ok: number; failed: Array<{ host: string; error: string }> }>();
  const trends: SiteMetricTrend[] = [];
  const queries: SiteMetrics['queries'] = [];
  for (const { host, data } of withSources) {
    const fullWithin = host.diskGrowth?.fullWithinDays ?? 7;
    for (const s of data.metricSources?.sources ?? []) {
      const entry = bySource.get(s.source) ?? { ok: 0, failed: [] };
      if (s.status === 'ok') entry.ok += 1;
      else entry.failed.push({ host: host.name, error: s.error ?? 'failed' });
      bySource.set(s.source, entry);
      for (const t of s.trends) {
        if (t.metric !== 'disk.used_percent' || t.slopePerDay <= 0) continue;
        trends.push({
          host: host.name,
          source: t.source,
          mount: t.label,
          latest: formatMetricValue(t.latest, '%'),
          slope: formatSlope(t),
          span: formatSpan(t.spanHours),
          full: t.daysUntilFull === null ? null : days(t.daysUntilFull),
          daysToFull: t.daysUntilFull,
          isSoon: t.daysUntilFull !== null && t.daysUntilFull < fullWithin,
        });
      }
      for (const q of s.queries) {
        const worst = q.error ? null : worstQueryValue(q);
        if (worst) queries.push({ host: host.name, name: q.name, state: worst.state, value: formatMetricValue(worst.value, q.unit) });
      }
    }
  }
  trends.sort((a, b) => (a.daysToFull ?? Infinity) - (b.daysToFull ?? Infinity) || a.host.localeCompare(b.host) || a.mount.localeCompare(b.mount));
  queries.sort((a, b) => (a.state === b.state ? 0 : a.state === 'crit' ? -1 : 1) || a.host.localeCompare(b.host) || a.name.localeCompare(b.name));
  return {
    sources: SOURCE_ORDER.filter((s) => bySource.has(s)).map((source) => ({ source, ...(bySource.get(source) as { ok: number; failed: Array<{ host: string; error: string }> }) })),
    trends: trends.slice(0, MAX_SITE_TRENDS),
    moreTrends: Math.max(0, trends.length - MAX_SITE_TRENDS),
    queries,
  };
}
