/**
 * Read queries of `dthostmon serve` about hosts: the host list with each host's latest result, one host, open
 * finding counts. Written for a fleet of hundreds of hosts and ~1 M host runs: the latest host run of a host is one
 * index seek on host_runs (host_id, started_at) per host, never a scan or a GROUP BY over host_runs.
 */
import type { Kysely } from 'kysely';
import { chunk } from './chunk.js';
import type { Database, HostRunRow } from './schema.js';
import type { Severity } from '../types.js';

/** A host as the API shows it. */
export interface ApiHost {
  id: number;
  name: string;
  hostname: string;
  site: string | null;
  tags: string[];
  enabled: boolean;
  lastSeen: string | null;
}

/** The columns of a host run the API shows (no facts, reasons or log sources: those are large). */
export type ApiHostRun = Pick<
  HostRunRow,
  'id' | 'run_id' | 'host_id' | 'started_at' | 'finished_at' | 'status' | 'error' | 'score' | 'previous_score' | 'health' | 'findings_crit' | 'findings_warn' | 'findings_info' | 'duration_ms' | 'log_bytes_read'
>;

export const HOST_RUN_COLUMNS = [
  'id',
  'run_id',
  'host_id',
  'started_at',
  'finished_at',
  'status',
  'error',
  'score',
  'previous_score',
  'health',
  'findings_crit',
  'findings_warn',
  'findings_info',
  'duration_ms',
  'log_bytes_read',
] as const;

export type SeverityCounts = Record<Severity, number>;

const HOST_COLUMNS = ['id', 'name', 'hostname', 'site', 'tags', 'enabled', 'last_seen'] as const;

function toApiHost(row: { id: number; name: string; hostname: string; site: string | null; tags: string; enabled: number; last_seen: string | null }): ApiHost {
  return { id: row.id, name: row.name, hostname: row.hostname, site: row.site, tags: parseTags(row.tags), enabled: row.enabled === 1, lastSeen: row.last_seen };
}

/** The tags column is a JSON array written by syncHosts; anything else reads as no tags rather than a 500. */
function parseTags(text: string): string[] {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.filter((t): t is string => typeof t === 'string') : [];
  } catch {
    return [];
  }
}

export interface HostFilter {
  site?: string | undefined;
  tag?: string | undefined;
  enabled?: boolean | undefined;
}

/**
 * Every host matching the filter, sorted by name. The hosts table is one row per configured host (hundreds), so the
 * tag filter runs here on the parsed tags rather than as a LIKE on JSON text that would need escaping per dialect.
 */
export async function listHosts(db: Kysely<Database>, filter: HostFilter): Promise<ApiHost[]> {
  let query = db.selectFrom('hosts').select(HOST_COLUMNS).orderBy('name');
  if (filter.site !== undefined) query = query.where('site', '=', filter.site);
  if (filter.enabled !== undefined) query = query.where('enabled', '=', filter.enabled ? 1 : 0);
  const hosts = (await query.execute()).map(toApiHost);
  return filter.tag === undefined ? hosts : hosts.filter((h) => h.tags.includes(filter.tag as string));
}

/** One host by its config name, or null. */
export async function hostByName(db: Kysely<Database>, name: string): Promise<ApiHost | null> {
  const row = await db.selectFrom('hosts').select(HOST_COLUMNS).where('name', '=', name).executeTakeFirst();
  return row ? toApiHost(row) : null;
}

/** One host by id, or null. */
export async function hostById(db: Kysely<Database>, id: number): Promise<ApiHost | null> {
  const row = await db.selectFrom('hosts').select(HOST_COLUMNS).where('id', '=', id).executeTakeFirst();
  return row ? toApiHost(row) : null;
}

/**
 * The newest host run of each host (by started_at, then id), as host id -> row; hosts without runs are absent.
 * One correlated `limit 1` subquery per host: an index seek each on host_runs (host_id, started_at).
 */
export async function latestHostRuns(db: Kysely<Database>, hostIds: readonly number[]): Promise<Map<number, ApiHostRun>> {
  const out = new Map<number, ApiHostRun>();
  for (const ids of chunk([...new Set(hostIds)], 500)) {
    if (ids.length === 0) continue;
    const rows = await db
      .selectFrom('host_runs')
      .select(HOST_RUN_COLUMNS)
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('hosts')
          .select((sub) =>
            sub
              .selectFrom('host_runs as latest')
              .select('latest.id')
              .whereRef('latest.host_id', '=', 'hosts.id')
              .orderBy('latest.started_at', 'desc')
              .orderBy('latest.id', 'desc')
              .limit(1)
              .as('latest_id'),
          )
          .where('hosts.id', 'in', ids),
      )
      .execute();
    for (const row of rows) out.set(row.host_id, row);
  }
  return out;
}

/** Open items (finding_state, not resolved) per host and severity; hosts without any get zeros. */
export async function openFindingCounts(db: Kysely<Database>, hostIds: readonly number[]): Promise<Map<number, SeverityCounts>> {
  const out = new Map<number, SeverityCounts>();
  for (const id of hostIds) out.set(id, { crit: 0, warn: 0, info: 0 });
  for (const ids of chunk([...new Set(hostIds)], 500)) {
    if (ids.length === 0) continue;
    const rows = await db
      .selectFrom('finding_state')
      .select(['host_id', 'severity', (eb) => eb.fn.countAll<number>().as('n')])
      .where('host_id', 'in', ids)
      .where('resolved_at', 'is', null)
      .groupBy(['host_id', 'severity'])
      .execute();
    for (const row of rows) {
      const counts = out.get(row.host_id);
      if (counts && row.severity in counts) counts[row.severity] = Number(row.n);
    }
  }
  return out;
}
