/**
 * GET /metrics in the Prometheus text exposition format 0.0.4 (src/util/exposition.ts). Everything is a gauge: each
 * value is read from the store at scrape time.
 */
import type { LoadedConfig } from '../../config/types.js';
import {
  countOpenFindings,
  loadLastPass,
  loadLatestHostRuns,
  loadOutboxBacklog,
  loadRunningPass,
  storeSizeBytes,
} from '../../store/api-status-repo.js';
import type { ApiContext, ApiResult } from '../types.js';
import { formatMetrics, type MetricFamily, type Sample } from '../../util/exposition.js';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const toSeconds = (iso: string): number => Date.parse(iso) / 1000;

/** Reads the store and builds every family. */
export async function collectMetrics(ctx: ApiContext): Promise<MetricFamily[]> {
  const { db } = ctx;
  const now = ctx.clock();
  const [last, running, hosts, findings, outbox, size] = await Promise.all([
    loadLastPass(db),
    loadRunningPass(db),
    loadLatestHostRuns(db),
    countOpenFindings(db),
    loadOutboxBacklog(db),
    storeSizeBytes(db, storeOf(ctx.config)),
  ]);
  const endedAt = last ? (last.finishedAt ?? last.startedAt) : null;
  const gauge = (name: string, help: string, samples: Sample[]): MetricFamily => ({ name, help, type: 'gauge', samples });
  const one = (value: number | null | undefined): Sample[] => (value === null || value === undefined ? [] : [{ value }]);
  const hostCounts = { ok: 0, partial: 0, failed: 0 };
  for (const h of hosts) if (h.status) hostCounts[h.status] += 1;
  return [
    gauge('dthostmon_last_pass_timestamp_seconds', 'When the last finished pass ended (Unix time).', one(endedAt ? toSeconds(endedAt) : null)),
    gauge('dthostmon_last_pass_duration_seconds', 'How long the last finished pass took.', one(last?.durationMs == null ? null : last.durationMs / 1000)),
    gauge('dthostmon_last_pass_age_seconds', 'Seconds since the last finished pass ended.', one(endedAt ? Math.max(0, (now.getTime() - Date.parse(endedAt)) / 1000) : null)),
    gauge('dthostmon_last_pass_hosts', 'Hosts of the last finished pass by outcome.', last ? [{ labels: { status: 'ok' }, value: last.hostsOk }, { labels: { status: 'failed' }, value: last.hostsFailed }] : []),
    gauge('dthostmon_pass_running', '1 while a pass is running (any process on this store).', [{ value: running ? 1 : 0 }]),
    gauge(
      'dthostmon_hosts',
      'Enabled hosts by the status of their latest host run (hosts that never ran are not counted).',
      (['ok', 'partial', 'failed'] as const).map((status) => ({ labels: { status }, value: hostCounts[status] })),
    ),
    gauge(
      'dthostmon_open_findings',
      'Open findings of enabled hosts by severity.',
      (['crit', 'warn', 'info'] as const).map((severity) => ({ labels: { severity }, value: findings[severity] })),
    ),
    gauge(
      'dthostmon_host_score',
      'Health score (0-100) of the latest host run of each enabled host.',
      hosts.filter((h) => h.score !== null).map((h) => ({ labels: { host: h.name, site: h.site ?? '' }, value: h.score as number })),
    ),
    gauge(
      'dthostmon_outbox_messages',
      'Outbox messages (alerts, reports) by delivery status.',
      (['pending', 'sending', 'sent', 'dead'] as const).map((status) => ({ labels: { status }, value: outbox.counts[status] })),
    ),
    gauge('dthostmon_store_size_bytes', 'Size of the store (SQLite files incl. -wal, or pg_database_size).', one(size)),
  ];
}

function storeOf(config: LoadedConfig): { dialect: 'sqlite'; path: string } | { dialect: 'postgres' } {
  return config.store.dialect === 'sqlite' ? { dialect: 'sqlite', path: config.store.path } : { dialect: 'postgres' };
}

/** The /metrics answer. */
export async function metricsResult(ctx: ApiContext): Promise<ApiResult> {
  return { status: 200, text: formatMetrics(await collectMetrics(ctx)), contentType: METRICS_CONTENT_TYPE };
}
