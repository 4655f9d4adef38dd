/**
 * `metric_sources` (migration 0008): what each metrics source said for a host in a pass, and the `metrics` rows
 * (`<source>:<metric>` and `query:<name>`) that put the sources' latest values beside the SSH facts in history.
 */
import type { Kysely, Transaction } from 'kysely';
import type { SourceSummary } from '../analyze/metric-summary.js';
import type { Database, NewMetricRow } from './schema.js';
import type { HostRunRef } from './host-result-rows.js';
import { chunk } from './chunk.js';

const ROWS_PER_STATEMENT = 200;

function labelText(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** The metric rows of a pass's source summaries: each series' latest value and each query value. */
export function metricRowsFromSources(summaries: readonly SourceSummary[], ref: HostRunRef, collectedAt: string): NewMetricRow[] {
  const rows: NewMetricRow[] = [];
  const add = (name: string, label: string, value: number): void => {
    if (Number.isFinite(value)) rows.push({ host_id: ref.hostId, host_run_id: ref.hostRunId, collected_at: collectedAt, name, label, value });
  };
  for (const s of summaries) {
    if (s.status !== 'ok') continue;
    for (const series of s.series) add(`${s.source}:${series.name}`, series.label, series.latest);
    for (const q of s.queries) for (const v of q.values) add(`query:${q.name}`, labelText(v.labels), v.value);
  }
  return rows;
}

export async function saveMetricSources(trx: Transaction<Database>, ref: HostRunRef, collectedAt: string, summaries: readonly SourceSummary[]): Promise<void> {
  if (summaries.length === 0) return;
  await trx
    .insertInto('metric_sources')
    .values(
      summaries.map((s) => ({
        host_id: ref.hostId,
        host_run_id: ref.hostRunId,
        collected_at: collectedAt,
        source: s.source,
        url: s.url,
        status: s.status,
        error: s.error,
        detail: s.detail,
        duration_ms: s.durationMs,
        window_seconds: s.windowSeconds,
        data: JSON.stringify(s),
      })),
    )
    .execute();
  for (const batch of chunk(metricRowsFromSources(summaries, ref, collectedAt), ROWS_PER_STATEMENT)) await trx.insertInto('metrics').values(batch).execute();
}

function parseSummary(data: string): SourceSummary | null {
  try {
    const parsed = JSON.parse(data) as SourceSummary;
    return typeof parsed === 'object' && parsed !== null && typeof parsed.source === 'string' ? parsed : null;
  } catch {
    return null;
  }
}

/**
 * Per host, the source summaries of its latest pass that had any (at or before `until`), in source order. Hosts
 * without sources are absent from the map.
 */
export async function loadLatestMetricSources(
  db: Kysely<Database>,
  hostIds: readonly number[],
  until: string,
): Promise<Map<number, { collectedAt: string; sources: SourceSummary[] }>> {
  const out = new Map<number, { collectedAt: string; sources: SourceSummary[] }>();
  if (hostIds.length === 0) return out;
  for (const ids of chunk([...hostIds], 500)) {
    const rows = await db
      .selectFrom('metric_sources')
      .select(['host_id', 'collected_at', 'data', 'host_run_id'])
      .where('host_run_id', 'in', (qb) =>
        qb.selectFrom('metric_sources').select((eb) => eb.fn.max('host_run_id').as('id')).where('host_id', 'in', ids).where('collected_at', '<=', until).groupBy('host_id'),
      )
      .orderBy('host_id')
      .orderBy('id')
      .execute();
    for (const row of rows) {
      const summary = parseSummary(row.data);
      if (!summary) continue;
      const entry = out.get(row.host_id) ?? { collectedAt: row.collected_at, sources: [] };
      entry.sources.push(summary);
      out.set(row.host_id, entry);
    }
  }
  return out;
}

/** The source summaries stored with one host run (for a host report rendered later, and the API). */
export async function loadMetricSourcesOfHostRun(db: Kysely<Database>, hostRunId: number): Promise<SourceSummary[]> {
  const rows = await db.selectFrom('metric_sources').select(['data']).where('host_run_id', '=', hostRunId).orderBy('id').execute();
  return rows.map((r) => parseSummary(r.data)).filter((s): s is SourceSummary => s !== null);
}
