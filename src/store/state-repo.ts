import { sql, type Kysely } from 'kysely';
import type { LogCursor, PreviousHostState } from '../types.js';
import type { Database } from './schema.js';
import { attachSourceCursors } from './source-cursors-repo.js';

/**
 * Reads what the store knows about the given hosts before a pass, in seven queries whatever the number of hosts.
 * - the open items (finding_state rows not resolved: `openFindings`, only when there are some);
 * - cursors, journal and docker positions (`sourceCursors`, only when there are some) and baselines as stored;
 * - lastRunAt: start of the latest host run; lastScore: score of the latest host run that has one (a failed
 *   collection may have none, and the previous known score is what a report compares with);
 * - consecutiveFailures: failed host runs since the latest non-failed one (all of them when none succeeded), and
 *   failingSince: the start of the first of them (only set when there is one).
 * Hosts without history get an empty state.
 * @param hostIds name -> host id, as returned by syncHosts.
 * @returns name -> state, for every given host.
 */
export async function loadPreviousState(
  db: Kysely<Database>,
  hostIds: ReadonlyMap<string, number>,
): Promise<Map<string, PreviousHostState>> {
  const ids = [...new Set(hostIds.values())];
  const byId = new Map<number, PreviousHostState>(ids.map((id) => [id, emptyState(id)]));
  if (ids.length > 0) {
    const [cursors, baselines, lastRuns, lastScores, failures] = await Promise.all([
      db
        .selectFrom('cursors')
        .select(['host_id', 'path', 'inode', 'offset', 'fingerprint', 'fingerprint_len'])
        .where('host_id', 'in', ids)
        .orderBy('host_id')
        .orderBy('path')
        .execute(),
      db.selectFrom('baselines').select(['host_id', 'kind', 'data']).where('host_id', 'in', ids).execute(),
      db
        .selectFrom('host_runs')
        .select((eb) => ['host_id', eb.fn.max('started_at').as('last_run_at')])
        .where('host_id', 'in', ids)
        .groupBy('host_id')
        .execute(),
      latestScores(db, ids),
      consecutiveFailures(db, ids),
    ]);
    for (const row of cursors) byId.get(row.host_id)?.cursors.push(toCursor(row));
    for (const row of baselines) {
      const state = byId.get(row.host_id);
      // A baseline that does not parse is treated as missing: change detection rebuilds it this pass.
      const data = parseJson(row.data);
      if (state && data !== undefined) state.baselines[row.kind] = data;
    }
    for (const row of lastRuns) setField(byId, row.host_id, 'lastRunAt', row.last_run_at);
    for (const row of lastScores) setField(byId, row.host_id, 'lastScore', row.score);
    for (const row of failures) {
      setField(byId, row.host_id, 'consecutiveFailures', Number(row.failures));
      setField(byId, row.host_id, 'failingSince', row.since);
    }
  }
  await attachSourceCursors(db, byId);
  if (ids.length > 0) {
    const open = await db
      .selectFrom('finding_state')
      .select(['host_id', 'key', 'first_seen', 'passes'])
      .where('host_id', 'in', ids)
      .where('resolved_at', 'is', null)
      .execute();
    for (const row of open) {
      const state = byId.get(row.host_id);
      if (state) (state.openFindings ??= {})[row.key] = { since: row.first_seen, passes: Number(row.passes) };
    }
  }
  const states = new Map<string, PreviousHostState>();
  for (const [name, id] of hostIds) states.set(name, byId.get(id) ?? emptyState(id));
  return states;
}

function latestScores(db: Kysely<Database>, ids: number[]) {
  return db
    .selectFrom((eb) =>
      eb
        .selectFrom('host_runs')
        .select([
          'host_id',
          'score',
          sql<number>`row_number() over (partition by host_id order by started_at desc, id desc)`.as('rank'),
        ])
        .where('host_id', 'in', ids)
        .where('score', 'is not', null)
        .as('ranked'),
    )
    .select(['ranked.host_id', 'ranked.score'])
    .where('ranked.rank', '=', 1)
    .execute();
}

function consecutiveFailures(db: Kysely<Database>, ids: number[]) {
  return db
    .with('last_ok', (qb) =>
      qb
        .selectFrom('host_runs')
        .select((eb) => ['host_id', eb.fn.max('started_at').as('at')])
        .where('host_id', 'in', ids)
        .where('status', '!=', 'failed')
        .groupBy('host_id'),
    )
    .selectFrom('host_runs as hr')
    .leftJoin('last_ok', 'last_ok.host_id', 'hr.host_id')
    .select((eb) => ['hr.host_id', eb.fn.countAll<number>().as('failures'), eb.fn.min('hr.started_at').as('since')])
    .where('hr.host_id', 'in', ids)
    .where('hr.status', '=', 'failed')
    .where((eb) => eb.or([eb('last_ok.at', 'is', null), eb('hr.started_at', '>', eb.ref('last_ok.at'))]))
    .groupBy('hr.host_id')
    .execute();
}

function emptyState(hostId: number): PreviousHostState {
  return { hostId, cursors: [], lastScore: null, lastRunAt: null, consecutiveFailures: 0, baselines: {} };
}

function setField<K extends 'lastRunAt' | 'lastScore' | 'consecutiveFailures' | 'failingSince'>(
  byId: Map<number, PreviousHostState>,
  hostId: number,
  field: K,
  value: PreviousHostState[K],
): void {
  const state = byId.get(hostId);
  if (state) state[field] = value;
}

function toCursor(row: {
  path: string;
  inode: number;
  offset: number;
  fingerprint: string;
  fingerprint_len: number;
}): LogCursor {
  return {
    path: row.path,
    inode: Number(row.inode),
    offset: Number(row.offset),
    fingerprint: row.fingerprint,
    fingerprintLen: row.fingerprint_len,
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
